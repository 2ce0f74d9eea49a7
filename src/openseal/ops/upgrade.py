"""``openseal upgrade``: a backup of the instance as it is, then the migrations.

The backup is read by reflection (the schema is older than the code), signed like any other
and kept in ``--backup-dir`` (default ``$OPENSEAL_HOME/backups``): if a migration goes wrong,
``openseal restore`` brings back the instance exactly as it was. The upgrade is recorded in
the audit trail (``instance.upgrade``, with the backup's SHA-256).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory

import openseal
from openseal.adapters.db.engine import alembic_config, schema_revision
from openseal.bootstrap import Wiring
from openseal.errors import NotFound
from openseal.ops.backup import create_backup


def head_revision(w: Wiring) -> str:
    return str(ScriptDirectory.from_config(alembic_config(w.engine)).get_current_head())


def upgrade_instance(w: Wiring, backup_dir: Path | None) -> dict[str, Any]:
    before, head = schema_revision(w.engine), head_revision(w)
    if before is None:
        raise NotFound("NOT_INITIALISED", "实例尚未初始化，请先运行 openseal init",
                       "The instance is not initialised: run `openseal init` first")
    answer: dict[str, Any] = {"version": openseal.__version__, "from": before, "to": head,
                              "backup": None, "upgraded": before != head}
    if before == head:
        return answer
    if backup_dir is not None:
        stamp = w.clock.now().strftime("%Y%m%dT%H%M%SZ")
        made = create_backup(w, backup_dir / f"pre-upgrade-{before}-{stamp}.osbak",
                             before_upgrade=True)
        answer["backup"] = {"file": str(made.path), "sha256": made.sha256}
    w.migrate()
    w.run(lambda c: c.audit.record("instance.upgrade", target=f"schema:{head}", details={
        "from": before, "to": head, "version": openseal.__version__,
        "backup_sha256": (answer["backup"] or {}).get("sha256")}))
    return answer
