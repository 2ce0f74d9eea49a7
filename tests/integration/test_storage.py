"""Migrations and repositories on real SQLite and real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from openseal.adapters.db.engine import make_engine, schema_is_current, upgrade
from openseal.core.identity.service import create_organization
from openseal.core.seals.service import SealOrder, create_seal
from openseal.errors import Conflict, InvalidInput
from tests.support.instance import ORG_USCC, TestInstance
from tests.support.pdfs import reportlab_pdf

TABLES = {"instance", "certificates", "organizations", "seals", "sealed_documents"}


@pytest.fixture()
def instance(db_instance: TestInstance) -> TestInstance:
    return db_instance


def test_migrations_create_the_schema(instance: TestInstance) -> None:
    engine = instance.wiring.engine
    assert TABLES <= set(inspect(engine).get_table_names())
    assert schema_is_current(engine)
    upgrade(engine)  # idempotent
    assert schema_is_current(engine)


def test_sqlite_runs_in_wal_with_full_sync(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL


def test_repositories_round_trip(instance: TestInstance) -> None:
    with instance.wiring.context() as c:
        org = c.repos.get_organization(ORG_USCC)
        assert org is not None and org.name == instance.org.name
        seal = c.repos.get_seal(instance.seals["contract"].id)
        assert seal is not None and seal.artwork.png.startswith(b"\x89PNG")
        assert seal.design == instance.seals["contract"].design
        assert seal.created_at.tzinfo is not None
        assert [s.id for s in c.repos.list_seals(org.id)] == [seal.id]


def test_sealing_records_a_document(instance: TestInstance) -> None:
    instance.seal(reportlab_pdf())
    with instance.wiring.context() as c:
        assert c.repos.count_sealed_documents() == 1


def test_failed_use_case_changes_nothing(instance: TestInstance) -> None:
    """A refused request rolls back everything, including certificates already issued."""
    with instance.wiring.context() as c:
        before = len(c.repos.list_certificates())
    with pytest.raises(InvalidInput):
        with instance.wiring.context() as c:
            create_seal(c.repos, c.pki, c.clock,
                        SealOrder(instance.org.id, "invoice", "发票章", tax_id="BAD"),
                        c.settings.base_url, audit=c.audit)
    with pytest.raises(RuntimeError):
        with instance.wiring.context() as c:  # a fault after the certificate was issued
            create_seal(c.repos, c.pki, c.clock, SealOrder(instance.org.id, "official", "公章"),
                        c.settings.base_url, audit=c.audit)
            raise RuntimeError("crash before commit")
    with pytest.raises(Conflict):
        with instance.wiring.context() as c:
            create_organization(c.repos, c.pki, c.clock, "重复", ORG_USCC, audit=c.audit)
    with instance.wiring.context() as c:
        assert len(c.repos.list_certificates()) == before
        assert len(c.repos.list_organizations()) == 1
        assert len(c.repos.list_seals()) == 1
