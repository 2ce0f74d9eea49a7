"""Storage failures said once, as OpenSeal errors: the database gone, locked or full, and
a full disk.

``Wiring.context`` (each unit of work) and the API's last-resort handler pass what
SQLAlchemy or the operating system raised through ``storage_failure``: a database that
cannot be reached, went away mid-transaction or stayed locked becomes
``DATABASE_UNAVAILABLE``; a full disk (ENOSPC, EDQUOT, SQLite's ``SQLITE_FULL``,
PostgreSQL's ``53100 disk_full``) becomes ``DISK_FULL``. The transaction has been rolled
back by then; anything else is left as it was (a bug stays a bug).
"""

from __future__ import annotations

import errno

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from openseal.errors import Unavailable

SQLITE_FULL = 13  # sqlite3 result code: "database or disk is full"
# SQLITE_IOERR_SHMSIZE: the WAL index (-shm) could not be grown, e.g. the first connection
# after a restart on a full disk
SQLITE_IOERR_SHMSIZE = 4874
# SQLite's "not now" codes: BUSY, LOCKED, IOERR, CANTOPEN (others, e.g. "no such table",
# are not an outage)
SQLITE_UNAVAILABLE = frozenset({5, 6, 10, 14})
PG_DISK_FULL = "53100"
_DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def database_unavailable() -> Unavailable:
    return Unavailable(
        "DATABASE_UNAVAILABLE",
        "数据库暂时不可用（无法连接、连接中断或被锁定），本次操作未完成，请稍后重试",
        "The database is unavailable (unreachable, connection lost or locked); the "
        "operation was not completed, try again later")


def disk_full() -> Unavailable:
    return Unavailable(
        "DISK_FULL",
        "服务器磁盘空间已满，本次操作未完成，未保存任何文件；请联系管理员释放空间后重试",
        "The server's disk is full; the operation was not completed and no file was "
        "kept. Ask the operator to free space, then try again")


def storage_failure(exc: BaseException) -> Unavailable | None:
    """The OpenSeal error for ``exc``, or None when it is not a storage failure."""
    if isinstance(exc, OSError):
        return disk_full() if exc.errno in _DISK_ERRNOS else None
    if not isinstance(exc, DBAPIError):
        return None
    if _disk_is_full(exc.orig):
        return disk_full()
    sqlite_code = getattr(exc.orig, "sqlite_errorcode", None)
    if sqlite_code is not None:
        unavailable = sqlite_code & 0xFF in SQLITE_UNAVAILABLE
    else:
        unavailable = isinstance(exc, (OperationalError, InterfaceError))
    return database_unavailable() if unavailable or exc.connection_invalidated else None


def _disk_is_full(orig: BaseException | None) -> bool:
    if getattr(orig, "sqlite_errorcode", None) in (SQLITE_FULL, SQLITE_IOERR_SHMSIZE):
        return True
    if getattr(orig, "sqlstate", None) == PG_DISK_FULL:  # psycopg 3
        return True
    return "No space left on device" in str(orig)
