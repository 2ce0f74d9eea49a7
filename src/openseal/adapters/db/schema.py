"""Every table module, imported once so that Base.metadata knows them all (Alembic)."""

from openseal.adapters.db import (  # noqa: F401
    tables,
    tables_anchors,
    tables_approvals,
    tables_batch_jobs,
    tables_grants,
    tables_lifecycle,
    tables_reviews,
    tables_templates,
)
from openseal.adapters.db.tables import Base

__all__ = ["Base"]
