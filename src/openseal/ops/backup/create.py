"""``openseal backup``: one consistent, signed archive of an instance.

Order matters: a fresh audit checkpoint is signed first, then the database is copied from one
consistent snapshot, then the files (documents, encrypted keys, witness checkpoints) are
copied. Files are only ever added (content-addressed documents, new keys), so every file
the snapshot refers to is in the archive. The archive is a tar of the staged members plus a
manifest signed by the platform; it is written to a scratch file beside ``out`` and moved
into place only when complete (never a partial backup under the final name). Making it is
recorded in the audit trail (``backup.create``), which also dates the last backup.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

import openseal
from openseal.bootstrap import Wiring, load_master_key
from openseal.errors import InvalidInput
from openseal.ops.backup.manifest import FORMAT, file_digest, members_of, write_manifest
from openseal.ops.backup.raw import raw_audit, raw_signer
from openseal.ops.backup.rows import dump_rows, reflected
from openseal.ops.backup.sealed_box import encrypt_file
from openseal.ops.backup.snapshot import snapshot

Signer = tuple[Callable[[bytes], bytes], tuple[bytes, ...]]
FOLDERS = ("documents", "keys", "witness")
"""Folders of OPENSEAL_HOME kept in a backup (under files/ in the archive)."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    sha256: str
    size: int
    tables: dict[str, int]
    audit_size: int
    encrypted: bool
    master_key_included: bool
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {"file": str(self.path), "sha256": self.sha256, "size": self.size,
                "rows": sum(self.tables.values()), "tables": self.tables,
                "audit_size": self.audit_size, "encrypted": self.encrypted,
                "master_key_included": self.master_key_included,
                "seconds": round(self.seconds, 3)}


def create_backup(w: Wiring, out: Path, passphrase: bytes | None = None,
                  include_master_key: bool = False, *,
                  before_upgrade: bool = False) -> BackupResult:
    """Write the backup of ``w``'s instance to ``out`` (atomically). ``before_upgrade``: the
    schema may be older than this version (read by reflection only, no new checkpoint)."""
    if include_master_key and not passphrase:
        raise InvalidInput(
            "BACKUP_MASTER_KEY_NEEDS_PASSPHRASE", "备份中包含主密钥时必须用口令加密备份",
            "A backup that holds the master key must be encrypted with a passphrase",
            field="include_master_key")
    started = time.monotonic()
    if not before_upgrade:
        w.require_schema()
        w.make_checkpoint()
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".openseal-backup-") as tmp:
        scratch = Path(tmp)
        staging = scratch / "staging"
        body, (sign, chain) = _stage(w, staging, scratch, include_master_key)
        write_manifest(staging, body, sign, chain)
        archive = _tar(staging, scratch / "backup.tar")
        if passphrase:
            encrypt_file(archive, scratch / "backup.enc", passphrase)
            archive = scratch / "backup.enc"
        _place(archive, out)
    result = BackupResult(out, file_digest(out), out.stat().st_size, body["tables"],
                          body["audit"]["size"], bool(passphrase), include_master_key,
                          time.monotonic() - started)
    if before_upgrade:
        return result  # recorded by the upgrade, once the schema is current
    try:
        w.run(lambda c: c.audit.record("backup.create", target=out.name,
                                       details=_audit_details(result)))
    except BaseException:
        out.unlink(missing_ok=True)  # no backup that the audit trail does not know of
        raise
    return result


def _audit_details(result: BackupResult) -> dict[str, Any]:
    return {"sha256": result.sha256, "size": result.size, "rows": sum(result.tables.values()),
            "audit_size": result.audit_size, "encrypted": result.encrypted,
            "self_contained": result.master_key_included}


def _stage(w: Wiring, staging: Path, scratch: Path,
           include_master_key: bool) -> tuple[dict[str, Any], Signer]:
    with snapshot(w.engine, scratch) as conn:
        revision = MigrationContext.configure(conn).get_current_revision()
        tables = _dump_database(conn, staging / "db")
        audit = raw_audit(conn)  # the checkpoint just made, or the trail as it stands
        signer = raw_signer(conn, w.keystore)
    for name in FOLDERS:
        source = w.settings.witness_dir if name == "witness" else w.settings.home / name
        if source.is_dir():
            shutil.copytree(source, staging / "files" / name, ignore=_scratch_files)
    if include_master_key:
        (staging / "secrets").mkdir(parents=True)
        (staging / "secrets" / "master.key").write_bytes(load_master_key(w.settings).hex()
                                                        .encode() + b"\n")
    return {"format": FORMAT, "openseal_version": openseal.__version__,
            "created_at": w.clock.now().isoformat(), "instance": w.settings.instance_name,
            "source": {"backend": w.engine.dialect.name, "schema_revision": revision},
            "tables": tables, "table_order": list(tables), "audit": audit,
            "master_key_included": include_master_key,
            "members": members_of(staging)}, signer


def _dump_database(conn: Connection, folder: Path) -> dict[str, int]:
    folder.mkdir(parents=True)
    counts: dict[str, int] = {}
    for table in reflected(conn):
        n = 0
        with gzip.GzipFile(folder / f"{table.name}.jsonl.gz", "wb", mtime=0) as fh:
            for line in dump_rows(conn, table):
                fh.write(line.encode() + b"\n")
                n += 1
        counts[table.name] = n
    return counts


def _scratch_files(_folder: str, names: list[str]) -> list[str]:
    """Temporary files of atomic writes in progress are not part of the instance."""
    return [n for n in names if n.startswith(".") and (".part" in n or n.startswith(".tmp"))]


def _tar(staging: Path, target: Path) -> Path:
    with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(staging.rglob("*")):
            if path.is_file():
                info = tar.gettarinfo(str(path), path.relative_to(staging).as_posix())
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mode = 0o600
                with path.open("rb") as fh:
                    tar.addfile(info, fh)
    return target


def _place(archive: Path, out: Path) -> None:
    with archive.open("rb") as fh:
        os.fsync(fh.fileno())
    os.chmod(archive, 0o600)
    os.replace(archive, out)
    fd = os.open(out.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup_name(now: datetime) -> str:
    """The file name of a scheduled backup made at ``now``."""
    return f"openseal-{now.strftime('%Y%m%dT%H%M%SZ')}.osbak"
