"""Repository methods for permission reviews (权限审核). Never commits."""

from __future__ import annotations

from sqlalchemy.orm import Session


class SqlReviews:
    session: Session
