"""Tables for permission reviews (权限审核, issue 5). The schema is owned by migration 0007."""

from __future__ import annotations

from openseal.adapters.db.tables import Base

__all__ = ["Base"]
