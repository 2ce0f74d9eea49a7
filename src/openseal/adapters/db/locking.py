"""Locking one row for the rest of the transaction, on PostgreSQL and on SQLite alike.

PostgreSQL has ``SELECT ... FOR UPDATE``. SQLite has no row locks and ignores it, and
Python's sqlite3 begins a transaction only at the first write, so a plain read there sees
a snapshot another writer may overtake before we write back (a lost update). On SQLite the
row is therefore first "updated" to itself: that begins the transaction and takes the
database's write lock, so the read that follows is the latest, and stays so until commit.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

Row = TypeVar("Row")


def locked_row(session: Session, model: type[Row], key: InstrumentedAttribute[Any],
               value: Any) -> Row | None:
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(model).where(key == value).values({key.key: key})
                        .execution_options(synchronize_session=False))
    return session.scalars(select(model).where(key == value).with_for_update()
                           .execution_options(populate_existing=True)).first()
