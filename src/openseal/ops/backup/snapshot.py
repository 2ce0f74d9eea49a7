"""One consistent view of the database to copy from.

SQLite: the online backup API copies the live database (WAL included) page by page into a
scratch file, whose ``PRAGMA integrity_check`` must say ok; the dump reads that copy.
PostgreSQL: one REPEATABLE READ, READ ONLY transaction, so every table is read at the same
instant while the service keeps running.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, text

from openseal.errors import IntegrityViolation


@contextmanager
def snapshot(engine: Engine, scratch: Path) -> Iterator[Connection]:
    """A read-only connection on one consistent state of ``engine``'s database."""
    if engine.dialect.name == "sqlite":
        with _sqlite_copy(engine, scratch) as conn:
            yield conn
        return
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            conn.execute(text("SET TRANSACTION READ ONLY"))
            yield conn


def sqlite_integrity(path: Path) -> str:
    """``PRAGMA integrity_check`` of the SQLite file ``path`` ("ok" when sound)."""
    with closing(sqlite3.connect(path)) as db:
        rows = db.execute("PRAGMA integrity_check").fetchall()
    return "; ".join(str(r[0]) for r in rows)


@contextmanager
def _sqlite_copy(engine: Engine, scratch: Path) -> Iterator[Connection]:
    source = engine.url.database
    copy = scratch / "snapshot.sqlite"
    with closing(sqlite3.connect(str(source))) as src, \
            closing(sqlite3.connect(copy)) as dst:
        src.backup(dst)
    verdict = sqlite_integrity(copy)
    if verdict != "ok":
        raise IntegrityViolation(
            "BACKUP_SQLITE_CORRUPT", f"数据库副本未通过完整性检查：{verdict}",
            f"The database copy failed its integrity check: {verdict}")
    copied = create_engine(f"sqlite:///{copy}")
    try:
        with copied.connect() as conn:
            yield conn
    finally:
        copied.dispose()
