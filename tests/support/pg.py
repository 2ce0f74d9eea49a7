"""Throw-away PostgreSQL databases for tests (OPENSEAL_TEST_DATABASE_URL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.tools import missing


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh database on the test server, dropped afterwards; skip/fail when unset."""
    base = os.environ.get("OPENSEAL_TEST_DATABASE_URL")
    if not base:
        missing("OPENSEAL_TEST_DATABASE_URL not set (a PostgreSQL URL, e.g. "
                "postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    assert base is not None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"openseal_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
