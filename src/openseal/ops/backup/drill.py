"""``openseal drill``: a disaster-recovery rehearsal on the live instance, changing nothing
of it but the audit entries that say a backup was made.

Backup (encrypted with a one-time passphrase, so the encrypted path is exercised too) ->
restore into a scratch instance (SQLite, or a given empty database) -> the restore's checks.
The measured recovery time is backup + restore + checks; it is compared with the recovery
time objective (``OPENSEAL_RTO_SECONDS``, docs/operations.md).
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openseal.bootstrap import Wiring, load_master_key
from openseal.ops.backup.create import BackupResult, create_backup
from openseal.ops.backup.restore import RestoreResult, restore_backup


@dataclass(frozen=True)
class DrillResult:
    backup: BackupResult
    restore: RestoreResult
    seconds: float
    rto_seconds: float

    @property
    def ok(self) -> bool:
        return self.restore.ok and self.seconds <= self.rto_seconds

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "recovery_seconds": round(self.seconds, 3),
                "rto_seconds": self.rto_seconds,
                "backup_seconds": round(self.backup.seconds, 3),
                "restore_seconds": round(self.restore.seconds, 3),
                "backup_bytes": self.backup.size, "rows": sum(self.backup.tables.values()),
                "audit_size": self.backup.audit_size,
                "checks": [c.to_dict() for c in self.restore.checks]}


def run_drill(w: Wiring, rto_seconds: float, *, database_url: str | None = None,
              samples: Sequence[Path] = (), keep: Path | None = None) -> DrillResult:
    started = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="openseal-drill-"))
    try:
        passphrase = secrets.token_bytes(24)  # never leaves this process
        backup = create_backup(w, scratch / "drill.osbak", passphrase=passphrase)
        restored = restore_backup(backup.path, keep or scratch / "home", database_url,
                                  passphrase=passphrase,
                                  master_key=load_master_key(w.settings), samples=samples)
        return DrillResult(backup, restored, time.monotonic() - started, rto_seconds)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
