"""`openseal review ...` as real processes, against a world also reached over HTTP: start,
list, show, items, confirm, revoke (the grant stops working at once), close, export (CSV
with BOM, formulas defused), overdue (exit 1 for monitoring), schedule and run-due."""

from __future__ import annotations

import csv
import io
import itertools
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.api import Party, World, invite, make_world
from tests.support.cli import WorldCli
from tests.support.pdfs import reportlab_pdf

API = "/api/v1"
_names = itertools.count()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("cli-reviews") / "home")


@pytest.fixture(scope="module")
def a(world: World) -> Party:
    return world.parties["A"]


@pytest.fixture(scope="module")
def cli(world: World) -> WorldCli:
    return WorldCli(world, "review")


def _seal_with_grants(world: World, a: Party, users: list[str]) -> tuple[str, list[str]]:
    custodian = world.login(a.custodian)
    made = custodian.post(f"{API}/seals", json={"type": "contract",
                                                 "name": f"命令行审核章{next(_names)}"})
    assert made.status_code == 201, made.text
    admin = world.login(a.admin)
    grants = []
    for name in users:
        user_id, _ = invite(world, admin, name, "seal_user")
        granted = custodian.post(f"{API}/seals/{made.json()['id']}/grants",
                                 json={"user_id": user_id, "reason": "测试"})
        assert granted.status_code == 201, granted.text
        grants.append(granted.json()["id"])
    return made.json()["id"], grants


def _seal(http: TestClient, seal_id: str) -> Any:
    return http.post(f"{API}/documents/seal", data={"seal_id": seal_id},
                     files={"file": ("c.pdf", reportlab_pdf(), "application/pdf")})


def test_cli_review_campaign(world: World, a: Party, cli: WorldCli, tmp_path: Path) -> None:
    seal_id, (kept_grant, dropped_grant) = _seal_with_grants(world, a, ["cli-keep",
                                                                        "cli-drop"])
    review = cli.json("start", "--seal", seal_id, "--name", "命令行审核", "--due-days", "7")
    assert (review["status"], review["seal_id"], review["progress"]["total"]) == \
        ("open", seal_id, 2)
    assert review["started_by"].startswith("operator:")
    assert review["id"] in {r["id"] for r in cli.json("list", "--org", a.org_id)["reviews"]}
    assert cli.json("show", review["id"])["name"] == "命令行审核"
    items = {i["grant_id"]: i for i in cli.json("items", review["id"])["items"]}
    assert set(items) == {kept_grant, dropped_grant}
    human = cli.run("items", review["id"])
    assert human.returncode == 0 and "any custodian" in human.stdout

    kept = cli.json("confirm", review["id"], items[kept_grant]["id"], "--comment", "=1+1")
    assert kept["decision"] == "confirmed" and kept["comment"] == "=1+1"
    twice = cli.json("confirm", review["id"], items[kept_grant]["id"], expect=2)
    assert twice["error"] == "REVIEW_ITEM_DECIDED"
    dropped = cli.json("revoke", review["id"], items[dropped_grant]["id"], "--comment", "离职")
    assert dropped["decision"] == "revoked"
    refused = _seal(world.login("cli-drop"), seal_id)
    assert refused.status_code == 403 and refused.json()["code"] == "GRANT_REQUIRED"
    assert _seal(world.login("cli-keep"), seal_id).status_code == 200
    assert [i["decision"] for i in cli.json("items", review["id"], "--pending")["items"]] == []

    out = tmp_path / "审核报告.csv"
    exported = cli.json("export", review["id"], "--output", str(out))
    content = out.read_bytes()
    assert exported["bytes"] == len(content) and content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    by_grantee = {r[2]: r for r in rows[1:]}
    assert by_grantee["cli-keep"][12] == "'=1+1"
    assert by_grantee["cli-drop"][9] == "已撤销 / revoked"

    closed = cli.json("close", review["id"])
    assert closed["status"] == "closed" and closed["progress"]["pending"] == 0
    assert cli.json("close", review["id"], expect=2)["error"] == "REVIEW_CLOSED"
    assert cli.json("show", "no-such-review", expect=2)["error"] == "REVIEW_NOT_FOUND"
    audited = [e for e in world.audit() if e["target"] == f"review:{review['id']}"]
    assert [e["action"] for e in audited] == ["review.start", "review.confirm",
                                              "review.revoke", "review.close"]
    assert all(str(e["actor"]).startswith("cli:") for e in audited)


def test_cli_closed_review_refuses_decisions(world: World, a: Party, cli: WorldCli) -> None:
    seal_id, (grant_id,) = _seal_with_grants(world, a, ["cli-closed"])
    review = cli.json("start", "--seal", seal_id)
    item = cli.json("items", review["id"])["items"][0]
    cli.json("close", review["id"])
    late = cli.json("revoke", review["id"], item["id"], "--comment", "迟了", expect=2)
    assert late["error"] == "REVIEW_CLOSED"
    assert cli.json("items", review["id"])["items"][0]["decision"] == "not_reviewed"
    history = world.login(a.custodian).get(f"{API}/grants/{grant_id}").json()
    assert history["status"] == "active"


def test_cli_overdue_exits_1_for_monitoring(world: World, a: Party, cli: WorldCli) -> None:
    assert cli.json("overdue", "--org", a.org_id)["overdue"] == []
    custodian = world.login(a.custodian)
    seal_id, _ = _seal_with_grants(world, a, ["cli-late"])
    soon = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    made = custodian.post(f"{API}/reviews", json={"seal_id": seal_id, "due_at": soon})
    assert made.status_code == 201, made.text
    time.sleep(2.5)
    late = cli.json("overdue", expect=1)["overdue"]
    assert [r["id"] for r in late] == [made.json()["id"]]
    assert late[0]["overdue"] is True and len(late[0]["items"]) == 1
    cli.json("close", made.json()["id"])
    assert cli.json("overdue", "--org", a.org_id)["overdue"] == []


def test_cli_schedule_and_run_due(world: World, a: Party, cli: WorldCli) -> None:
    assert cli.json("schedule", "--org", a.org_id)["interval_days"] is None
    assert cli.json("run-due")["started"] == []
    set_ = cli.json("schedule", "--org", a.org_id, "--every", "30", "--due-days", "7")
    assert (set_["interval_days"], set_["due_days"]) == (30, 7)
    started = cli.json("run-due")["started"]
    assert len(started) == 1 and started[0]["org_id"] == a.org_id
    assert started[0]["seal_id"] is None and started[0]["progress"]["total"] >= 2
    assert cli.json("run-due", "--org", a.org_id)["started"] == []  # not due again yet
    shown = cli.json("schedule", "--org", a.org_id)
    assert shown["last_started_at"] is not None and shown["next_due_at"] is not None
    assert cli.json("schedule", "--org", a.org_id, "--off")["interval_days"] is None
    gone = cli.json("schedule", "--org", a.org_id, "--off", expect=2)
    assert gone["error"] == "REVIEW_SCHEDULE_NOT_FOUND"
    assert [e["action"] for e in world.audit("review.schedule")] == ["review.schedule"] * 2
