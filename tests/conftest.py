"""Shared fixtures: a real instance (SQLite), its PKI, and sample documents."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.instance import TestInstance, make_instance
from tests.support.pdfs import reportlab_pdf
from tests.support.pg import postgres_database
from tests.support.tools import missing

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
ROOT = Path(__file__).resolve().parents[1]

# Hundreds of tests start Python processes (`openseal` commands, servers, batch and verifier
# workers). With PYTHONDONTWRITEBYTECODE set (as in some CI shells) each of them compiles
# every module it imports again. Their bytecode goes to a cache outside the source tree
# instead (git-ignored); what the processes run is the same.
if os.environ.pop("PYTHONDONTWRITEBYTECODE", None) is not None:
    os.environ.setdefault("PYTHONPYCACHEPREFIX", str(ROOT / ".pytest_cache" / "pycache"))
    sys.pycache_prefix = os.environ["PYTHONPYCACHEPREFIX"]
    sys.dont_write_bytecode = False

# Modules with the longest tests (minutes of subprocesses, servers, whole worlds) run
# first, whole and in their own order, so that pytest-xdist does not start one of them last
# while the other workers sit idle. The rest keep their collection order.
SLOW_FIRST = (
    "tests/acceptance/test_D1_kill9_during_batch.py",
    "tests/interfaces/test_cli_reviews.py",
    "tests/interfaces/test_batch_cli.py",
    "tests/interfaces/test_cli_accounts.py",
    "tests/acceptance/test_C1_bola_matrix.py",
    "tests/interfaces/test_cli.py",
    "tests/interfaces/test_api_grants.py",
    "tests/interfaces/test_cli_approvals.py",
    "tests/interfaces/test_cli_audit.py",
    "tests/acceptance/test_E2_verify_flood_fairness.py",
    "tests/unit/audit/test_verify_log.py",
    "tests/acceptance/test_A2_shadow_corpus.py",
    "tests/browser/test_public_verify_browser.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: n for n, name in enumerate(SLOW_FIRST)}

    def key(item: pytest.Item) -> int:
        path = Path(item.path)
        name = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else ""
        return rank.get(name, len(rank))

    items.sort(key=key)  # stable: within a module, and for the rest, the order is kept


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
