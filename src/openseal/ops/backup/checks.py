"""What a restored instance must pass before it may serve: its data is all there, its audit
trail verifies up to the backup's signed checkpoint, its keys open with the master key, its
stored documents match their hashes, and sealed documents re-verify against its registry."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from openseal.bootstrap import Wiring
from openseal.core.audit import Checkpoint
from openseal.core.audit.checkpointing import tree_root
from openseal.core.pki.anchors import sm2_verification_anchors, verification_inputs
from openseal.core.pki.own_cas import own_issuers
from openseal.core.registry.issued import ISSUED, registry_match
from openseal.core.verification import verify_document
from openseal.core.verification.policy import local_revocation_policy
from openseal.ops.audit_check import verify_instance_log
from openseal.ops.backup.manifest import SignedManifest
from openseal.ops.backup.rows import reflected, row_count
from openseal.ops.backup.snapshot import sqlite_integrity


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "detail": self.detail}


def run_checks(w: Wiring, manifest: SignedManifest, samples: Sequence[Path]) -> list[Check]:
    steps: list[tuple[str, Callable[[], str]]] = [
        ("rows", lambda: _rows(w, manifest)),
        ("database_integrity", lambda: _integrity(w)),
        ("audit_chain", lambda: _audit(w, manifest)),
        ("keys", lambda: _keys(w)),
        ("documents", lambda: _documents(w)),
        ("sealed_samples", lambda: _samples(w, samples)),
    ]
    return [_run(name, step) for name, step in steps]


class Failed(Exception):
    """One check's failure, with what was found."""


def _run(name: str, step: Callable[[], str]) -> Check:
    try:
        return Check(name, True, step())
    except Failed as exc:
        return Check(name, False, str(exc))
    except Exception as exc:  # noqa: BLE001 - a check that cannot run has failed
        return Check(name, False, f"{type(exc).__name__}: {exc}")


def _rows(w: Wiring, manifest: SignedManifest) -> str:
    expected: dict[str, int] = manifest.body["tables"]
    with w.engine.connect() as conn:
        found = {t.name: row_count(conn, t) for t in reflected(conn) if t.name in expected}
    wrong = {n: (c, found.get(n)) for n, c in expected.items() if found.get(n) != c}
    if wrong:
        raise Failed(f"row counts differ (expected, found): {wrong}")
    return f"{sum(expected.values())} rows in {len(expected)} tables, as backed up"


def _integrity(w: Wiring) -> str:
    if w.engine.dialect.name != "sqlite":
        return f"{w.engine.dialect.name}: loaded in one transaction"
    verdict = sqlite_integrity(Path(str(w.engine.url.database)))
    if verdict != "ok":
        raise Failed(f"PRAGMA integrity_check: {verdict}")
    return "PRAGMA integrity_check: ok"


def _audit(w: Wiring, manifest: SignedManifest) -> str:
    size = int(manifest.body["audit"]["size"])
    kept = _witness_checkpoint(w, size)
    report = verify_instance_log(w, kept)
    if not report.ok:
        raise Failed(f"audit trail does not verify: {report.summary('en')}")
    if report.size < size:
        raise Failed(f"audit trail has {report.size} entries, the backup's checkpoint {size}")
    head = w.run(lambda c: c.repos.audit_entry_hashes(size))
    if tree_root(head) != manifest.body["audit"]["root_hash"]:
        raise Failed("audit trail's root differs from the backup's signed checkpoint")
    return f"{report.size} entries, hash chain and {report.checkpoints_checked} checkpoints ok"


def _witness_checkpoint(w: Wiring, size: int) -> Checkpoint | None:
    path = w.settings.witness_dir / f"checkpoint-{size:012d}.json"
    return Checkpoint.from_json(json.loads(path.read_text())) if path.exists() else None


def _keys(w: Wiring) -> str:
    signer = w.run(lambda c: c.pki.audit_signer())
    probe = b"openseal restore check"
    cert = cx509.load_der_x509_certificate(signer.certificates()[0])
    key = cert.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    key.verify(signer.sign(probe), probe, ec.ECDSA(hashes.SHA256()))
    count = sum(1 for p in w.settings.keys_dir.rglob("*") if p.is_file())
    return f"{count} key files; the platform key signs with the master key given"


def _documents(w: Wiring) -> str:
    root = w.settings.home / "documents"
    files = [p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")]
    bad = [p.name for p in files
           if hashlib.sha256(p.read_bytes()).hexdigest() != p.name.split(".")[0]]
    if bad:
        raise Failed(f"{len(bad)} stored documents do not match their SHA-256: {bad[:3]}")
    return f"{len(files)} stored documents match their SHA-256"


def _samples(w: Wiring, samples: Sequence[Path]) -> str:
    if not samples:
        return "no sealed documents given to re-verify (--sample)"
    anchors, test_roots, crls = w.run(lambda c: verification_inputs(c.pki, c.repos))
    ours = w.run(lambda c: own_issuers(c.repos))
    sm2 = w.run(lambda c: sm2_verification_anchors(c.pki, c.repos))
    for path in samples:
        data = path.read_bytes()
        report = verify_document(data, trust_roots=anchors, filename=str(path),
                                 policy=local_revocation_policy(crls, own_issuers=ours),
                                 test_roots=test_roots,
                                 sm2_anchors=sm2)
        match = w.run(lambda c, d=data: registry_match(c.repos, d))  # type: ignore[misc]
        if report.verdict != "VALID" or match.status != ISSUED:
            raise Failed(f"{path.name}: verdict {report.verdict}, registry {match.status}")
    return f"{len(samples)} sealed documents VALID and issued by this instance"
