"""Every table's rows as JSON lines, and back: the database part of a backup.

The dump is logical (one JSON object per row, typed values tagged), so a backup taken on
SQLite restores into PostgreSQL and back. Tables are read by reflection, so a backup holds
exactly the schema of its migration revision; ``alembic_version`` is left out (the revision
is in the manifest), and so is the job queue (procrastinate's tables, PostgreSQL only: its
jobs are work in flight, and a restored server defers what is left again). Tables are
written and loaded in foreign-key order.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, MetaData, Table, func, insert, select, text

SKIPPED = frozenset({"alembic_version"})
SKIPPED_PREFIX = "procrastinate_"
BATCH_ROWS = 500


def reflected(conn: Connection) -> list[Table]:
    """The database's tables in foreign-key order (parents first), without Alembic's."""
    meta = MetaData()
    meta.reflect(conn, only=lambda name, _meta: not name.startswith(SKIPPED_PREFIX))
    return [t for t in meta.sorted_tables if t.name not in SKIPPED]


def dump_rows(conn: Connection, table: Table) -> Iterator[str]:
    """``table``'s rows, one JSON line each, in primary-key order."""
    order = list(table.primary_key.columns) or list(table.columns)
    result = conn.execution_options(yield_per=BATCH_ROWS).execute(select(table).order_by(*order))
    for row in result.mappings():
        yield json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False,
                         sort_keys=True, separators=(",", ":"))


def load_rows(conn: Connection, table: Table, lines: Iterable[str]) -> int:
    """Insert the rows of ``lines`` into ``table``; returns how many."""
    batch: list[dict[str, Any]] = []
    count = 0
    for line in lines:
        if not line.strip():
            continue
        batch.append(_row(table, json.loads(line)))
        if len(batch) >= BATCH_ROWS:
            count += _insert(conn, table, batch)
    count += _insert(conn, table, batch)
    return count


def row_count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def reset_sequences(conn: Connection, tables: Iterable[Table]) -> None:
    """PostgreSQL: move each serial column's sequence past the rows just loaded."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        for column in table.primary_key.columns:
            seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                               {"t": table.name, "c": column.name}).scalar()
            if seq:
                conn.execute(text(f'SELECT setval(:s, COALESCE((SELECT MAX("{column.name}") '
                                  f'FROM "{table.name}"), 0) + 1, false)'), {"s": seq})


def _insert(conn: Connection, table: Table, batch: list[dict[str, Any]]) -> int:
    if not batch:
        return 0
    conn.execute(insert(table), batch)
    n = len(batch)
    batch.clear()
    return n


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return {"$t": aware.astimezone(UTC).isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$n": str(value)}
    return value


def _row(table: Table, data: dict[str, Any]) -> dict[str, Any]:
    return {k: _decode(v) for k, v in data.items() if k in table.columns}


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, raw),) = value.items()
        if tag == "$b":
            return base64.b64decode(raw)
        if tag == "$t":
            return datetime.fromisoformat(raw)
        if tag == "$d":
            return date.fromisoformat(raw)
        if tag == "$n":
            return Decimal(raw)
    return value
