"""SM2 signatures over SM3 (GB/T 32918, GM/T 0009) through GmSSL (the ``gmssl-pyx`` wheel).

Keys are raw: a private key is 32 bytes, a public key the 64-byte point x || y (the 65-byte
uncompressed form with its leading 04 is accepted everywhere). Signatures are DER
SEQUENCE{r, s} over SM3(Z || message), Z computed with the signer ID (by default
``1234567812345678``, the value every GB/T 38540 and OFD file uses).
"""

from __future__ import annotations

import gmssl_pyx

SIGNER_ID = b"1234567812345678"
SM2_CURVE_OID = "1.2.156.10197.1.301"
SM2_WITH_SM3_OID = "1.2.156.10197.1.501"
SM3_OID = "1.2.156.10197.1.401"


def generate() -> tuple[bytes, bytes]:
    """A new key pair: (private 32 bytes, public 64 bytes), from GmSSL's CSPRNG."""
    public, private = gmssl_pyx.sm2_key_generate()
    return private, public


def point(public: bytes) -> bytes:
    """The 64-byte x || y form of a public key given as 64 or 65 (04 || x || y) bytes."""
    if len(public) == 65 and public[0] == 4:
        return public[1:]
    if len(public) != 64:
        raise ValueError(f"an SM2 public key is 64 or 65 bytes, not {len(public)}")
    return public


def sign(private: bytes, public: bytes, message: bytes, signer_id: bytes = SIGNER_ID) -> bytes:
    """The DER SM2 signature of ``message`` (hashed here: SM3(Z || message))."""
    return bytes(gmssl_pyx.sm2_sign(private, point(public), message, signer_id=signer_id))


def verify(public: bytes, message: bytes, signature: bytes,
           signer_id: bytes = SIGNER_ID) -> bool:
    """Whether ``signature`` (DER r, s) is ``public``'s SM2 signature of ``message``."""
    try:
        return bool(gmssl_pyx.sm2_verify(point(public), message, signature,
                                         signer_id=signer_id))
    except (gmssl_pyx.GmsslInnerError, ValueError):
        return False


def sm3(data: bytes) -> bytes:
    """The 32-byte SM3 digest of ``data``."""
    return bytes(gmssl_pyx.sm3_hash(data))
