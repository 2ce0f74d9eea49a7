"""Repository methods for templates (issue 7). Never commits."""

from __future__ import annotations

from sqlalchemy.orm import Session


class SqlTemplates:
    session: Session
