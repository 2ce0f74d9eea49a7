"""Every table module, imported once so that Base.metadata knows them all (Alembic)."""

from openseal.adapters.db import tables, tables_grants, tables_lifecycle  # noqa: F401
from openseal.adapters.db.tables import Base

__all__ = ["Base"]
