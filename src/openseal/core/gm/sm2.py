"""SM2 signatures over SM3 (GB/T 32918, GM/T 0009) through GmSSL (the ``gmssl-pyx`` wheel).

Keys are raw: a private key is 32 bytes, a public key the 64-byte point x || y (the 65-byte
uncompressed form with its leading 04 is accepted everywhere). Signatures are DER
SEQUENCE{r, s} over SM3(Z || message), Z computed with the signer ID (by default
``1234567812345678``, the value every GB/T 38540 and OFD file uses).

Key encodings (PKCS#8, SEC1, SubjectPublicKeyInfo) are in ``openseal.core.gm.keys``.
"""

from __future__ import annotations

import secrets

import gmssl_pyx
from asn1crypto import algos

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


def is_valid_private(private: bytes) -> bool:
    """Whether ``private`` is a usable SM2 private key: 32 bytes, 1 <= d <= n - 2."""
    return len(private) == 32 and 1 <= int.from_bytes(private, "big") <= _N - 2


def is_valid_public(public: bytes) -> bool:
    """Whether ``public`` (64 bytes, or 65 with a leading 04) is a point on the SM2 curve."""
    try:
        gmssl_pyx.normalize_sm2_public_key(point(public))
    except (gmssl_pyx.GmsslInnerError, ValueError):
        return False
    return True


def is_key_pair(private: bytes, public: bytes) -> bool:
    """Whether ``public`` belongs to ``private`` (one signature made and checked)."""
    if not (is_valid_private(private) and is_valid_public(public)):
        return False
    probe = secrets.token_bytes(32)
    return verify(public, probe, sign(private, public, probe))


def public_from_private(private: bytes) -> bytes:
    """The 64-byte public key d·G of a 32-byte private key (ValueError if it is not one).

    GmSSL offers no such derivation, and multiplying by the secret d in Python would not
    run in constant time. So the point is recovered from signatures, which touches public
    values only: GmSSL signs a random digest e, giving r = (e + x1) mod n and
    s = (k - r·d) / (1 + d), hence k·G = s·G + (r + s)·P with x(k·G) = x1, and
    P = (R - s·G) / (r + s) for one of the (usually two) points R with that x. Each
    candidate verifies that signature; the one that also verifies a second signature, on
    another random digest, is the key.
    """
    if not is_valid_private(private):
        raise ValueError("an SM2 private key is 32 bytes, 1 <= d <= n - 2")
    digest, signature = _probe(private)
    check_digest, check = _probe(private)
    rs = algos.DSASignature.load(signature)
    r, s = int(rs["r"].native), int(rs["s"].native)
    t_inv = pow((r + s) % _N, -1, _N)
    minus_sg = _negate(_multiply(s, _G))
    x1 = (r - int.from_bytes(digest, "big")) % _N
    for x in (x1, x1 + _N):
        for y in _ys(x):
            p = _multiply(t_inv, _add((x, y), minus_sg))
            if p is None:
                continue
            public = p[0].to_bytes(32, "big") + p[1].to_bytes(32, "big")
            if gmssl_pyx.sm2_verify_sm3_digest(public, check_digest, check):
                return public
    raise ValueError("no SM2 public key verifies the probe signatures")  # pragma: no cover


def _probe(private: bytes) -> tuple[bytes, bytes]:
    """A random 32-byte digest and GmSSL's DER signature of it (no Z: a bare digest)."""
    digest = secrets.token_bytes(32)
    return digest, bytes(gmssl_pyx.sm2_sign_sm3_digest(private, digest))


# The SM2 curve (GB/T 32918.5): y^2 = x^3 + a·x + b over F_p, base point G of order n.
_P = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF", 16)
_A = _P - 3
_B = int("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93", 16)
_N = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)
_G = (int("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7", 16),
      int("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0", 16))

_Point = tuple[int, int] | None  # None is the point at infinity


def _ys(x: int) -> list[int]:
    """The y with (x, y) on the curve (p = 3 mod 4, so one power gives a square root)."""
    if x >= _P:
        return []
    rhs = (x * x * x + _A * x + _B) % _P
    y = pow(rhs, (_P + 1) // 4, _P)
    return [y, _P - y] if y * y % _P == rhs else []


def _negate(p: _Point) -> _Point:
    return None if p is None else (p[0], (-p[1]) % _P)


def _add(p: _Point, q: _Point) -> _Point:
    if p is None:
        return q
    if q is None:
        return p
    if p[0] == q[0]:
        if (p[1] + q[1]) % _P == 0:
            return None
        slope = (3 * p[0] * p[0] + _A) * pow(2 * p[1], -1, _P) % _P
    else:
        slope = (q[1] - p[1]) * pow(q[0] - p[0], -1, _P) % _P
    x = (slope * slope - p[0] - q[0]) % _P
    return x, (slope * (p[0] - x) - p[1]) % _P


def _multiply(k: int, p: _Point) -> _Point:
    """k·p by double-and-add: for public scalars only (not constant time)."""
    result: _Point = None
    while k:
        if k & 1:
            result = _add(result, p)
        p = _add(p, p)
        k >>= 1
    return result
