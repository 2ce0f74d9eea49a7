"""Shared fixtures: a real instance (SQLite), its PKI, and sample documents."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.instance import TestInstance, make_instance
from tests.support.pdfs import reportlab_pdf
from tests.support.pg import postgres_database
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
    with postgres_database() as url:
        yield url


@pytest.fixture(scope="module")
def module_postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database shared by one test module."""
    with postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_instance(request: pytest.FixtureRequest, tmp_path: Path) -> TestInstance:
    """A fresh instance on SQLite, then on PostgreSQL (its own database)."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    return make_instance(tmp_path / "home", database_url=url)
