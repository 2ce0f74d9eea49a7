"""The platform audit key as a checkpoint signer: its key, its chain and the TSA."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from openseal.core.keys.model import KeyStore
from openseal.core.pki.tsa import TimestampAuthority


@dataclass(frozen=True)
class PkiAuditSigner:
    log_id: str
    key_id: str
    keystore: KeyStore
    chain_der: tuple[bytes, ...]
    tsa: TimestampAuthority

    def sign(self, payload: bytes) -> bytes:
        return self.keystore.sign_raw(self.key_id, payload, "sha256")

    def certificates(self) -> tuple[bytes, ...]:
        return self.chain_der

    def timestamp(self, digest: bytes) -> bytes:
        return self.tsa.timestamp_token("sha256", digest, secrets.randbits(63))
