"""adapters.db.failures: only outages and full disks become DATABASE_UNAVAILABLE/DISK_FULL;
every other database or file error is left as it was (a bug is not a 503)."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from openseal.adapters.db.failures import storage_failure


def _error(url: str, *statements: str) -> SQLAlchemyError:
    engine = create_engine(url, connect_args={"timeout": 0.1})
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
    except SQLAlchemyError as exc:
        return exc
    finally:
        engine.dispose()
    raise AssertionError("no error")


def test_a_locked_sqlite_database_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    lock = sqlite3.connect(path, isolation_level=None)
    lock.execute("CREATE TABLE t (x)")
    lock.execute("BEGIN EXCLUSIVE")
    try:
        failure = storage_failure(_error(f"sqlite:///{path}", "INSERT INTO t VALUES (1)"))
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert failure is not None and failure.code == "DATABASE_UNAVAILABLE"
    assert failure.zh and failure.en


@pytest.mark.parametrize("statements", [
    ("SELECT * FROM no_such_table",),
    ("CREATE TABLE t (x PRIMARY KEY)", "INSERT INTO t VALUES (1)", "INSERT INTO t VALUES (1)"),
    ("SELEC 1",),
])
def test_other_database_errors_are_left_alone(tmp_path: Path,
                                              statements: tuple[str, ...]) -> None:
    assert storage_failure(_error(f"sqlite:///{tmp_path / 'x.db'}", *statements)) is None


def test_only_a_full_disk_is_disk_full() -> None:
    for number in (errno.ENOSPC, errno.EDQUOT):
        failure = storage_failure(OSError(number, "full"))
        assert failure is not None and failure.code == "DISK_FULL"
    for number in (errno.ENOENT, errno.EACCES, errno.EIO):
        assert storage_failure(OSError(number, "other")) is None
    assert storage_failure(ValueError("not storage")) is None
