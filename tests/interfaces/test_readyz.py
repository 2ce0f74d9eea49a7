"""/readyz reports free disk, the certificate horizon, the last backup and the audit trail:
a warning keeps the server ready, an expired platform certificate, a broken audit trail or
a restore that has not passed its checks make it unready (503)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from openseal.bootstrap import Wiring
from openseal.interfaces.api.app import create_app
from openseal.ops.backup import create_backup
from openseal.ops.health import INFRASTRUCTURE
from tests.support.api import BASE, World, make_world


@pytest.fixture()
def world(tmp_path: Path) -> World:
    return make_world(tmp_path / "home")


def ready(w: Wiring) -> tuple[int, dict[str, str]]:
    answer = TestClient(create_app(w), base_url=BASE).get("/readyz")
    return answer.status_code, answer.json()["checks"]


def test_ready_with_warnings_until_a_backup_is_made(world: World, tmp_path: Path) -> None:
    status, checks = ready(world.wiring)
    assert status == 200, checks
    assert checks["backup"] == "warn:NO_BACKUP" and checks["audit_chain"] == "ok"
    assert checks["certificates"] == "ok" and checks["disk"] in ("ok", "warn:DISK_LOW")
    create_backup(world.wiring, tmp_path / "b.osbak")
    assert ready(world.wiring)[1]["backup"] == "ok"
    world.clock.advance(hours=27)
    assert ready(world.wiring)[1]["backup"] == "warn:BACKUP_OLD"


def test_certificates_near_or_past_their_end(world: World) -> None:
    first_end = world.wiring.run(lambda c: min(
        r.not_after for r in c.repos.list_certificates()
        if r.revoked_at is None and r.role in INFRASTRUCTURE))
    world.clock.advance(seconds=(first_end - world.clock.now()).total_seconds() - 10 * 86400)
    status, checks = ready(world.wiring)
    assert status == 200 and checks["certificates"] == "warn:CERTIFICATE_EXPIRING"
    world.clock.advance(days=11)
    status, checks = ready(world.wiring)
    assert status == 503 and checks["certificates"] == "CERTIFICATE_EXPIRED"


def test_a_tampered_audit_trail_makes_the_server_unready(world: World) -> None:
    db = world.wiring.settings.home / "openseal.db"
    world.wiring.engine.dispose()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE audit_events SET actor = 'someone else' WHERE seq = 3")
    fresh = Wiring(world.wiring.settings, clock=world.clock)
    status, checks = ready(fresh)
    assert status == 503 and checks["audit_chain"] == "AUDIT_CHAIN_BROKEN"


def test_a_pending_restore_makes_the_server_unready(world: World) -> None:
    (world.wiring.settings.home / "restore-pending.json").write_text("{}")
    status, checks = ready(world.wiring)
    assert status == 503 and checks["restore"] == "RESTORE_PENDING"
