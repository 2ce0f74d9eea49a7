"""Upgrading a database made by an earlier migration head keeps its data (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from openseal.adapters.db.engine import alembic_config, make_engine, schema_is_current, upgrade


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
