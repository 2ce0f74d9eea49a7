"""Repository methods for seal-use approval: policies, requests, decisions, tickets.
Never commits."""

from __future__ import annotations

from sqlalchemy.orm import Session


class SqlApprovals:
    session: Session
