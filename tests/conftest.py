"""Shared fixtures: a real instance (SQLite), its PKI, and sample documents."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.instance import TestInstance, make_instance
from tests.support.pdfs import reportlab_pdf
from tests.support.tools import missing

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def sealing_instance(tmp_path_factory: pytest.TempPathFactory) -> TestInstance:
    """One instance for the whole session, with a seal of every type (read-mostly tests)."""
    home = tmp_path_factory.mktemp("openseal-home")
    return make_instance(home, seal_types=("official", "contract", "finance", "invoice",
                                           "legal-rep"))


@pytest.fixture()
def fresh_instance(tmp_path: Path) -> TestInstance:
    """A new instance in its own folder and SQLite file (for tests that count rows)."""
    return make_instance(tmp_path / "home")


@pytest.fixture(scope="session")
def sample_pdf() -> bytes:
    return reportlab_pdf()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        missing(f"shared test data not found at {SHARED}")
    return SHARED


@pytest.fixture()
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
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


@pytest.fixture(params=["sqlite", "postgresql"])
def db_instance(request: pytest.FixtureRequest, tmp_path: Path) -> TestInstance:
    """A fresh instance on SQLite, then on PostgreSQL (its own database)."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    return make_instance(tmp_path / "home", database_url=url)
