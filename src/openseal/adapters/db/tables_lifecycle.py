"""Tables for seal lifecycle, CRL and OCSP (issue 5). The schema is owned by migration 0004."""

from __future__ import annotations

from openseal.adapters.db.tables import Base

__all__ = ["Base"]
