"""Tables of batch jobs (issue 7). The schema is owned by its migration."""

from __future__ import annotations

from openseal.adapters.db.tables import Base

__all__ = ["Base"]
