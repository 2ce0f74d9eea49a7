"""Repository methods for seal lifecycle, CRL and OCSP. Never commits."""

from __future__ import annotations

from sqlalchemy.orm import Session


class SqlLifecycle:
    session: Session
