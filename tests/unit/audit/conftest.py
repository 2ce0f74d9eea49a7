"""A throwaway PKI (root CA, audit signer, RFC 3161 TSA) built with the project's own
issuance and TSA code over an in-memory key store, and helpers to build audit logs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from openseal.core.audit import (
    GENESIS_HASH,
    AuditEvent,
    Checkpoint,
    make_checkpoint,
    new_event,
    root_hash,
)
from openseal.core.clock import Clock, FixedClock, SystemClock
from openseal.core.pki import profiles
from openseal.core.pki.issuance import Issuer, issue_certificate
from openseal.core.pki.profiles import CertificateProfile, CertificateRole, SubjectInfo
from openseal.core.pki.tsa import TimestampAuthority, TsaIdentity

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


class MemoryKeyStore:
    """The KeyStore protocol over keys held in memory (tests only)."""

    def __init__(self) -> None:
        self.keys: dict[str, PrivateKey] = {}

    def generate_key(self, key_id: str) -> asn1_keys.PublicKeyInfo:
        return self.add(key_id, ec.generate_private_key(ec.SECP256R1()))

    def add(self, key_id: str, key: PrivateKey) -> asn1_keys.PublicKeyInfo:
        self.keys[key_id] = key
        return self.public_key(key_id)

    def public_key(self, key_id: str) -> asn1_keys.PublicKeyInfo:
        der = self.keys[key_id].public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return asn1_keys.PublicKeyInfo.load(der)

    def sign_raw(self, key_id: str, data: bytes, digest_algorithm: str) -> bytes:
        assert digest_algorithm == "sha256"
        key = self.keys[key_id]
        if isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return key.sign(data, ec.ECDSA(hashes.SHA256()))

    def signature_algorithm(self, key_id: str, digest_algorithm: str) -> str:
        rsa_key = isinstance(self.keys[key_id], rsa.RSAPrivateKey)
        return f"{digest_algorithm}_{'rsa' if rsa_key else 'ecdsa'}"


@dataclass
class Pki:
    """A root, an audit signer under it and a TSA under it."""

    keystore: MemoryKeyStore
    root: x509.Certificate
    signer: x509.Certificate
    tsa: TimestampAuthority
    signer_key: str = "audit"

    @property
    def roots(self) -> list[x509.Certificate]:
        return [self.root]

    def sign(self, payload: bytes) -> bytes:
        return self.keystore.sign_raw(self.signer_key, payload, "sha256")

    def timestamp(self, digest: bytes) -> bytes:
        return self.tsa.timestamp_token("sha256", digest, None)

    def checkpoint(self, size: int, root: str, time: datetime | None = None,
                   log_id: str = "test-log") -> Checkpoint:
        return make_checkpoint(log_id, size, root, time or datetime.now(UTC), sign=self.sign,
                               certificates=(self.signer.dump(), self.root.dump()),
                               timestamp=self.timestamp)

    def tsa_at(self, moment: datetime) -> TimestampAuthority:
        """The same TSA with its clock stopped at ``moment``."""
        return _tsa(self.keystore, self.tsa.certificate, self.root, FixedClock(moment))


def make_pki(name: str = "Audit Test", signer_key: PrivateKey | None = None,
             signer_profile: CertificateProfile | None = None) -> Pki:
    ks = MemoryKeyStore()
    now = datetime.now(UTC)
    root = issue_certificate(profiles.root_ca_profile(name), ks.generate_key("root"),
                             Issuer("root", None), ks, now)
    by_root = Issuer("root", root)
    tsa_cert = issue_certificate(profiles.tsa_profile(name), ks.generate_key("tsa"), by_root,
                                 ks, now)
    public = ks.add("audit", signer_key) if signer_key else ks.generate_key("audit")
    profile = signer_profile or CertificateProfile(
        CertificateRole.SEAL, SubjectInfo(f"{name} Audit Log", name), timedelta(days=365))
    signer = issue_certificate(profile, public, by_root, ks, now)
    return Pki(ks, root, signer, _tsa(ks, tsa_cert, root, SystemClock()))


def _tsa(ks: MemoryKeyStore, cert: x509.Certificate, root: x509.Certificate,
         clock: Clock) -> TimestampAuthority:
    return TimestampAuthority(TsaIdentity("tsa", cert, (root,)), ks, clock)


@pytest.fixture(scope="session")
def pki() -> Pki:
    return make_pki()


@pytest.fixture(scope="session")
def other_pki() -> Pki:
    """Somebody else's PKI: what an attacker rewriting the log would have to use."""
    return make_pki("Forger")


EPOCH = datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


def event_details(i: int) -> dict[str, Any]:
    digest = hashlib.sha256(str(i).encode()).hexdigest()
    return {"input_sha256": digest, "output_sha256": digest[::-1], "seal": f"seal-{i % 3}",
            "cert_serial": f"{i * 7919:x}", "tsa_serial": f"{i * 104729:x}"}


def build_events(count: int, start: datetime = EPOCH,
                 maker: Callable[..., AuditEvent] = new_event) -> list[AuditEvent]:
    """``count`` chained sealing events, one second apart."""
    events: list[AuditEvent] = []
    prev = GENESIS_HASH
    for i in range(count):
        event = maker(i, start + timedelta(seconds=i), prev, actor=f"user:{i % 5}",
                      actor_kind="user", action="seal.sign", outcome="success",
                      org_id="org-1", target=f"doc:{i}", client_addr="192.0.2.7",
                      agent="pytest", details=event_details(i))
        prev = event.entry_hash()
        events.append(event)
    return events


def tree_root(events: list[AuditEvent]) -> str:
    return root_hash([bytes.fromhex(e.entry_hash()) for e in events]).hex()


def export_lines(events: list[AuditEvent], checkpoints: list[Checkpoint]) -> list[str]:
    """An export as the platform writes it: events, then checkpoints, one JSON per line."""
    rows = [e.to_export() for e in events] + [cp.to_json() for cp in checkpoints]
    return [json.dumps(r, ensure_ascii=False, sort_keys=True) for r in rows]
