"""Backups that restore: ``create_backup``, ``restore_backup``, ``run_drill``
(docs/operations.md)."""

from openseal.ops.backup.create import BackupResult, backup_name, create_backup
from openseal.ops.backup.drill import DrillResult, run_drill
from openseal.ops.backup.restore import (
    RestoreResult,
    restore_backup,
    restore_not_checked,
    restore_pending,
)

__all__ = ["BackupResult", "DrillResult", "RestoreResult", "backup_name", "create_backup",
           "restore_backup", "restore_not_checked", "restore_pending", "run_drill"]
