"""Repository methods for roles, seal authorisations. Never commits."""

from __future__ import annotations

from sqlalchemy.orm import Session


class SqlGrants:
    session: Session
