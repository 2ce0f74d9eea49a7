"""Repository methods for batch jobs (issue 7). Never commits."""

from __future__ import annotations

from sqlalchemy.orm import Session


class SqlBatchJobs:
    session: Session
