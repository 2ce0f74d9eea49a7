"""Tables for roles, seal authorisations (issue 5). The schema is owned by migration 0005."""

from __future__ import annotations

from openseal.adapters.db.tables import Base

__all__ = ["Base"]
