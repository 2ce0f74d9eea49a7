"""Making checkpoints (signed tree heads) of the stored log."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from openseal.core.audit.checkpoint import Checkpoint, make_checkpoint
from openseal.core.audit.merkle import root_hash
from openseal.core.audit.recorder import AuditRecorder
from openseal.core.clock import Clock
from openseal.core.records import CheckpointRecord


class CheckpointSigner(Protocol):
    """The platform audit key, its certificate chain and the TSA (implemented by the PKI)."""

    log_id: str

    def sign(self, payload: bytes) -> bytes: ...
    def certificates(self) -> tuple[bytes, ...]: ...
    def timestamp(self, digest: bytes) -> bytes: ...


class CheckpointStore(Protocol):
    def audit_size(self) -> int: ...
    def audit_entry_hashes(self, size: int | None = None) -> list[str]: ...
    def add_checkpoint(self, record: CheckpointRecord) -> None: ...
    def list_checkpoints(self) -> list[CheckpointRecord]: ...
    def latest_checkpoint(self) -> CheckpointRecord | None: ...


@dataclass(frozen=True)
class CheckpointPolicy:
    """Make a checkpoint after ``every_entries`` new entries or ``every_seconds``."""

    every_entries: int = 100
    every_seconds: int = 3600


def tree_root(entry_hashes: Sequence[str]) -> str:
    return root_hash([bytes.fromhex(h) for h in entry_hashes]).hex()


def checkpoint_due(store: CheckpointStore, clock: Clock, policy: CheckpointPolicy) -> bool:
    size = store.audit_size()
    last = store.latest_checkpoint()
    if last is None:
        return size > 0
    new_entries = size - last.size
    elapsed = clock.now() - last.time
    return new_entries >= policy.every_entries or (
        new_entries > 1 and elapsed >= timedelta(seconds=policy.every_seconds))


def make_log_checkpoint(
    store: CheckpointStore, signer: CheckpointSigner, recorder: AuditRecorder, now: datetime,
) -> Checkpoint:
    """Sign the tree as it stands, store the checkpoint and record that it was made."""
    hashes = store.audit_entry_hashes()
    checkpoint = make_checkpoint(
        signer.log_id, len(hashes), tree_root(hashes), now, sign=signer.sign,
        certificates=signer.certificates(), timestamp=signer.timestamp)
    document = json.dumps(checkpoint.to_json(), ensure_ascii=False, sort_keys=True)
    store.add_checkpoint(CheckpointRecord(checkpoint.size, checkpoint.root_hash, now, document))
    recorder.record("audit.checkpoint", target=f"size:{checkpoint.size}",
                    details={"size": checkpoint.size, "root_hash": checkpoint.root_hash})
    return checkpoint
