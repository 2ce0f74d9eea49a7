"""The one narrow key interface: only a KeyStore ever touches a private key."""

from __future__ import annotations

from typing import Protocol

from asn1crypto import keys as asn1_keys


class KeyStore(Protocol):
    """Where private keys live. Keys never leave it; callers get signatures only."""

    def generate_key(self, key_id: str) -> asn1_keys.PublicKeyInfo:
        """Create a new key pair named ``key_id`` and return its public key.

        Raises Conflict if ``key_id`` exists.
        """
        ...

    def public_key(self, key_id: str) -> asn1_keys.PublicKeyInfo:
        """The public key of ``key_id``; raises NotFound."""
        ...

    def sign_raw(self, key_id: str, data: bytes, digest_algorithm: str) -> bytes:
        """Sign ``data`` (hashed here with ``digest_algorithm``, e.g. "sha256").

        Returns the signature in the encoding of the key's mechanism (DER for ECDSA).
        """
        ...

    def signature_algorithm(self, key_id: str, digest_algorithm: str) -> str:
        """The asn1crypto name of the signature mechanism, e.g. "sha256_ecdsa"."""
        ...

    def destroy_key(self, key_id: str) -> bool:
        """Destroy the private key ``key_id`` for good (a revoked seal's key).

        Returns False if there was no such key (already destroyed): destroying is idempotent.
        """
        ...
