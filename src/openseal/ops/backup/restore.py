"""``openseal restore``: a backup into a new, empty instance, then the checks.

The target (OPENSEAL_HOME folder and database) must be empty. A marker file
(``restore-pending.json``) is written before anything else and removed only when every check
passes; while it is there ``openseal serve`` refuses to start. The database is brought to the
backup's migration revision, loaded in one transaction, then migrated to this version's
newest revision, so a backup from an older version, or from the other backend (SQLite <->
PostgreSQL), restores too.
"""

from __future__ import annotations

import gzip
import json
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Engine, MetaData, delete
from sqlalchemy.exc import SQLAlchemyError

from openseal.adapters.db.engine import alembic_config, make_engine
from openseal.bootstrap import Wiring
from openseal.config import Settings
from openseal.errors import InvalidInput, Unavailable
from openseal.ops.backup.checks import Check, run_checks
from openseal.ops.backup.create import FOLDERS
from openseal.ops.backup.manifest import SignedManifest
from openseal.ops.backup.rows import load_rows, reflected, reset_sequences
from openseal.ops.backup.unpack import open_backup

PENDING = "restore-pending.json"


@dataclass(frozen=True)
class RestoreResult:
    home: Path
    database_url: str
    manifest: SignedManifest
    checks: list[Check] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        body = self.manifest.body
        return {"ok": self.ok, "home": str(self.home),
                "database": self.database_url.split("@")[-1],
                "backup_created_at": body.get("created_at"),
                "source_backend": body.get("source", {}).get("backend"),
                "root_fingerprint": self.manifest.root_fingerprint,
                "rows": sum(body.get("tables", {}).values()),
                "checks": [c.to_dict() for c in self.checks],
                "seconds": round(self.seconds, 3)}


def restore_pending(home: Path) -> bool:
    """Whether a restore into ``home`` has not passed its checks (then nothing may serve)."""
    return (home / PENDING).exists()


def restore_not_checked(home: Path) -> Unavailable:
    return Unavailable("RESTORE_PENDING",
                       f"该实例由备份恢复但尚未通过恢复检查，不能提供服务（见 {home / PENDING}）",
                       "This instance was restored from a backup that has not passed its "
                       f"checks; it will not serve (see {home / PENDING})")


def restore_backup(archive: Path, home: Path, database_url: str | None = None, *,
                   passphrase: bytes | None = None, master_key: bytes | None = None,
                   trusted_root: bytes | None = None,
                   samples: Sequence[Path] = ()) -> RestoreResult:
    started = time.monotonic()
    home = home.resolve()
    url = database_url or f"sqlite:///{home / 'openseal.db'}"
    _require_empty_home(home)
    home.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=home.parent, prefix=".openseal-restore-") as tmp:
        folder, manifest = open_backup(archive, Path(tmp), passphrase, trusted_root)
        key = _master_key(folder, manifest, master_key)
        engine = make_engine(url)
        try:
            _require_empty_database(engine)
        except SQLAlchemyError as exc:
            engine.dispose()
            raise Unavailable("DATABASE_UNAVAILABLE",
                              "无法连接恢复目标数据库，请检查 --database-url",
                              "The restore target database cannot be reached; check "
                              "--database-url", field="database_url") from exc
        try:
            _mark(home, manifest, "restoring")
            _restore_files(folder, home, key if master_key is None else None)
            _restore_database(folder, manifest, engine)
        except SQLAlchemyError as exc:
            raise _load_failed(home, exc) from exc
        finally:
            engine.dispose()
    w = Wiring(Settings(home=home, database_url=database_url, master_key=key.hex()))
    try:
        checks = run_checks(w, manifest, samples)
    finally:
        w.engine.dispose()
    result = RestoreResult(home, url, manifest, checks, time.monotonic() - started)
    if result.ok:
        (home / PENDING).unlink()
    else:
        _mark(home, manifest, "checks failed", [c.to_dict() for c in checks if not c.ok])
    return result


def _load_failed(home: Path, exc: SQLAlchemyError) -> Unavailable:
    why = str(exc.orig if getattr(exc, "orig", None) else exc).splitlines()[0][:200]
    return Unavailable("RESTORE_LOAD_FAILED",
                       f"数据未能载入目标数据库（{why}）；{home} 未通过恢复，不会提供服务，"
                       "可删除后重试", f"The data could not be loaded into the target "
                       f"database ({why}); {home} is not restored and will not serve: delete "
                       "it and try again")


def _require_empty_home(home: Path) -> None:
    if home.exists() and (not home.is_dir() or any(home.iterdir())):
        raise InvalidInput("RESTORE_TARGET_NOT_EMPTY", f"恢复目标目录不为空：{home}",
                           f"The restore target folder is not empty: {home}", field="home")


def _require_empty_database(engine: Engine) -> None:
    if engine.dialect.name == "sqlite" and not Path(str(engine.url.database)).exists():
        return
    meta = MetaData()
    with engine.connect() as conn:
        meta.reflect(conn)
    if meta.tables:
        raise InvalidInput("RESTORE_DATABASE_NOT_EMPTY",
                           "恢复目标数据库不为空，请使用新建的空数据库",
                           "The restore target database is not empty: use a new, empty "
                           "database", field="database_url")


def _master_key(folder: Path, manifest: SignedManifest, given: bytes | None) -> bytes:
    kept = folder / "secrets" / "master.key"
    if given is not None:
        return given
    if manifest.body.get("master_key_included") and kept.is_file():
        return bytes.fromhex(kept.read_text().strip())
    raise InvalidInput("RESTORE_MASTER_KEY_REQUIRED",
                       "备份中不含主密钥：请通过 OPENSEAL_MASTER_KEY 或 --master-key-file "
                       "提供原实例的主密钥",
                       "The backup does not hold the master key: give the original "
                       "instance's master key (OPENSEAL_MASTER_KEY or --master-key-file)",
                       field="master_key")


def _mark(home: Path, manifest: SignedManifest, state: str,
          failed: list[dict[str, Any]] | None = None) -> None:
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    (home / PENDING).write_text(json.dumps(
        {"state": state, "backup_created_at": manifest.body.get("created_at"),
         "failed": failed or []}, ensure_ascii=False, indent=1))


def _restore_files(folder: Path, home: Path, master_key: bytes | None) -> None:
    for name in FOLDERS:
        source = folder / "files" / name
        if source.is_dir():
            shutil.copytree(source, home / name)
    if master_key is not None:
        path = home / "master.key"
        path.write_text(master_key.hex() + "\n")
        path.chmod(0o600)


def _restore_database(folder: Path, manifest: SignedManifest, engine: Engine) -> None:
    config = alembic_config(engine)
    command.upgrade(config, manifest.body["source"]["schema_revision"] or "base")
    with engine.begin() as conn:
        tables = {t.name: t for t in reflected(conn)}
        missing = set(manifest.body["tables"]) - set(tables)
        if missing:
            raise InvalidInput("RESTORE_SCHEMA_MISMATCH", "备份中的表在目标数据库中不存在",
                               "Tables of the backup do not exist in the target database",
                               tables=sorted(missing))
        for table in reversed(list(tables.values())):
            conn.execute(delete(table))  # rows the migrations seeded (e.g. audit_head)
        for name in manifest.body["table_order"]:
            with gzip.open(folder / "db" / f"{name}.jsonl.gz", "rt", encoding="utf-8") as fh:
                load_rows(conn, tables[name], fh)
        reset_sequences(conn, tables.values())
    command.upgrade(config, "head")
