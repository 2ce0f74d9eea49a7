"""The one narrow key interface: only a KeyStore ever touches a private key."""

from __future__ import annotations

from typing import Protocol

from asn1crypto import keys as asn1_keys

#: RSA keys generated for seals: 3072 bits, 128-bit security, the size NIST SP 800-57 Part 1
#: asks of keys used beyond 2030 (2048 bits, 112-bit security, only through 2030), and
#: sealed documents must verify for years after sealing.
RSA_BITS = 3072
#: The smallest RSA key accepted from elsewhere (a CA's PKCS#12): 2048 bits (NIST SP
#: 800-131A; shorter keys are within reach of factoring).
RSA_MIN_BITS = 2048


class KeyStore(Protocol):
    """Where private keys live. Keys never leave it; callers get signatures only."""

    def generate_key(self, key_id: str, algorithm: str = "ecdsa") -> asn1_keys.PublicKeyInfo:
        """Create a new key pair named ``key_id`` and return its public key.

        ``algorithm`` is "ecdsa" (EC P-256, the default), "rsa" (``RSA_BITS``, e 65537:
        PDF seals for verifiers that know only RSA) or "sm2" (GB/T 32918; its public key
        is an id-ecPublicKey on the curve 1.2.156.10197.1.301). Raises Conflict if
        ``key_id`` exists, InvalidInput for another algorithm.
        """
        ...

    def public_key(self, key_id: str) -> asn1_keys.PublicKeyInfo:
        """The public key of ``key_id``; raises NotFound."""
        ...

    def sign_raw(self, key_id: str, data: bytes, digest_algorithm: str) -> bytes:
        """Sign ``data`` (hashed here with ``digest_algorithm``, e.g. "sha256").

        Returns the signature in the encoding of the key's mechanism: DER SEQUENCE{r, s} for
        ECDSA and for SM2, the modulus-sized octet string of RSASSA-PKCS1-v1_5 for RSA (what
        PDF verifiers check most widely; not PSS). An SM2 key takes "sm3" only and hashes
        SM3(Z || data), Z with the signer ID 1234567812345678 (GB/T 38540, OFD). Raises
        InvalidInput for a digest the key cannot use, NotFound for a missing key.
        """
        ...

    def signature_algorithm(self, key_id: str, digest_algorithm: str) -> str:
        """The asn1crypto name of the signature mechanism, e.g. "sha256_ecdsa",
        "sha256_rsa" (PKCS#1 v1.5) or "sm2_sm3" for an SM2 key (registered by
        ``openseal.core.gm.oids``).

        Raises InvalidInput for a digest the key cannot use, NotFound for a missing key.
        """
        ...

    def destroy_key(self, key_id: str) -> bool:
        """Destroy the private key ``key_id`` for good (a revoked seal's key).

        Returns False if there was no such key (already destroyed): destroying is idempotent.
        """
        ...
