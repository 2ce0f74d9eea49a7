"""Upgrading a database made by an earlier migration head keeps its data (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.orm import Session

from openseal.adapters.db.engine import alembic_config, make_engine, schema_is_current, upgrade
from openseal.adapters.db.repository import SqlRepositories
from openseal.core.identity.registration import profile_of


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'old.db'}"


def test_upgrade_from_0001_keeps_rows_and_starts_an_empty_audit_log(url: str) -> None:
    engine = make_engine(url)
    command.upgrade(alembic_config(engine), "0001")
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO instance (id, name, root_cert_id, tsa_cert_id, "
                          "created_at) VALUES (1, 'old', 'r', 't', :now)"), {"now": now})
    assert not schema_is_current(engine)
    upgrade(engine)
    assert schema_is_current(engine)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT name, audit_cert_id FROM instance")).one()
        head = conn.execute(text("SELECT size, last_hash FROM audit_head")).one()
    assert tuple(row) == ("old", None)
    assert tuple(head) == (0, "0" * 64)
    engine.dispose()


def test_upgrade_from_0002_keeps_seals_real_and_organisations_verified(url: str) -> None:
    """Made before accounts existed: its seals stay production seals, its orgs verified."""
    engine = make_engine(url)
    command.upgrade(alembic_config(engine), "0002")
    now = datetime(2026, 11, 2, tzinfo=UTC)
    rows = [
        "INSERT INTO instance (id, name, root_cert_id, tsa_cert_id, created_at) "
        "VALUES (1, 'old', 'r', 't', :now)",
        "INSERT INTO certificates (id, role, der, serial_hex, subject, not_before, not_after) "
        "VALUES ('c', 'seal', :der, '01', 'CN=x', :now, :now)",
        "INSERT INTO organizations (id, name, uscc, ca_cert_id, created_at) "
        "VALUES ('o', '单位', '91350100M000100Y43', 'c', :now)",
        "INSERT INTO seals (id, org_id, seal_type, name, design_text, key_id, cert_id, "
        "width_mm, height_mm, png, status, created_at) VALUES ('s', 'o', 'contract', '章', "
        "'单位', 'k', 'c', 40, 40, :der, 'active', :now)",
    ]
    with engine.begin() as conn:
        for sql in rows:
            conn.execute(text(sql), {"now": now, "der": b"\x00"})
    upgrade(engine)
    with Session(engine) as session:
        repos = SqlRepositories(session)
        seal = repos.get_seal("s")
        assert seal is not None and seal.sandbox is False
        assert profile_of(repos, "o").status == "verified"
        assert repos.list_users() == [] and repos.get_instance().test_root_cert_id is None
        assert (seal.algorithm, seal.esl, seal.es_id) == ("ecdsa", None, None)  # 0012
        assert repos.get_instance().sm2_root_cert_id is None  # type: ignore[union-attr]
    engine.dispose()


def test_0012_sm2_seals_downgrades_and_upgrades_again(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    command.downgrade(alembic_config(engine), "0011")
    assert not schema_is_current(engine)
    upgrade(engine)
    assert schema_is_current(engine)
    engine.dispose()


def test_an_older_schema_is_named_outdated_not_missing(tmp_path: Path) -> None:
    """A database left at an earlier migration is told apart from no database: the message
    says to run `openseal init`, which upgrades it."""
    from openseal.bootstrap import Wiring
    from openseal.config import Settings
    from openseal.errors import Conflict

    settings = Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'old.db'}")
    wiring = Wiring(settings)
    command.upgrade(alembic_config(wiring.engine), "0007")
    with pytest.raises(Conflict) as caught:
        wiring.require_schema()
    assert caught.value.code == "SCHEMA_OUTDATED" and "openseal init" in caught.value.en
    wiring.migrate()
    wiring.require_schema()
    wiring.engine.dispose()
