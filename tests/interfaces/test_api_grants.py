"""Seal authorisations over HTTP (and the CLI): create, change, revoke, restore with reasons
and histories; access levels; conflicts refused by name; the conflicts report; roles."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.support import people
from tests.support.api import Party, World, make_world
from tests.support.pdfs import reportlab_pdf

API = "/api/v1"
_names = itertools.count()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("api-grants") / "home")


@pytest.fixture(scope="module")
def a(world: World) -> Party:
    return world.parties["A"]


@pytest.fixture(scope="module")
def custodian(world: World, a: Party) -> TestClient:
    return world.login(a.custodian)


@pytest.fixture(scope="module")
def admin(world: World, a: Party) -> TestClient:
    return world.login(a.admin)


def new_seal(custodian: TestClient) -> str:
    return people.new_seal(custodian, "授权测试章")


def new_person(world: World, admin: TestClient, role: str = "seal_user"
               ) -> tuple[str, TestClient]:
    return people.new_person(world, admin, role, "g")


def grant(custodian: TestClient, seal_id: str, **terms: Any) -> httpx.Response:
    answer: httpx.Response = custodian.post(f"{API}/seals/{seal_id}/grants",
                                            json={"reason": "测试 / test", **terms})
    return answer


def seal_with(http: TestClient, seal_id: str, **fields: str) -> httpx.Response:
    answer: httpx.Response = http.post(
        f"{API}/documents/seal", data={"seal_id": seal_id, **fields},
        files={"file": ("c.pdf", reportlab_pdf(), "application/pdf")})
    return answer


def test_grant_lifecycle_with_reasons_history_and_audit(world: World, admin: TestClient,
                                                        custodian: TestClient) -> None:
    seal_id = new_seal(custodian)
    user_id, clerk = new_person(world, admin)
    assert seal_with(clerk, seal_id).json()["code"] == "GRANT_REQUIRED"
    made = grant(custodian, seal_id, user_id=user_id, max_uses=5)
    assert made.status_code == 201, made.text
    g = made.json()
    assert (g["level"], g["status"], g["uses"], g["max_uses"]) == ("use", "active", 0, 5)
    assert g["valid_until"] is not None  # the policy's default end
    assert seal_with(clerk, seal_id).status_code == 200
    changed = custodian.patch(f"{API}/grants/{g['id']}", json={"max_uses": 1,
                                                                "reason": "只需一次"})
    assert changed.status_code == 200 and changed.json()["max_uses"] == 1, changed.text
    assert seal_with(clerk, seal_id).json()["code"] == "GRANT_EXHAUSTED"
    revoked = custodian.post(f"{API}/grants/{g['id']}/revoke", json={"reason": "离职"})
    assert revoked.json()["status"] == "revoked"
    again = custodian.post(f"{API}/grants/{g['id']}/revoke", json={"reason": "离职"})
    assert again.status_code == 409 and again.json()["code"] == "GRANT_ALREADY_REVOKED"
    restored = custodian.post(f"{API}/grants/{g['id']}/restore", json={"reason": "返岗"})
    assert restored.json()["status"] == "active"
    history = custodian.get(f"{API}/grants/{g['id']}/history").json()
    assert [e["action"] for e in history] == ["create", "change", "revoke", "restore"]
    assert [e["reason"] for e in history][1:] == ["只需一次", "离职", "返岗"]
    assert history[1]["before"]["max_uses"] == 5 and history[1]["after"]["max_uses"] == 1
    assert history[2]["before"]["status"] == "active"
    assert history[2]["after"]["status"] == "revoked"
    per_seal = custodian.get(f"{API}/seals/{seal_id}/grants/history").json()
    assert [e["id"] for e in per_seal] == [e["id"] for e in history]
    mine = clerk.get(f"{API}/users/{user_id}/grants").json()
    assert [x["id"] for x in mine["grants"]] == [g["id"]] and len(mine["history"]) == 4
    audited = [e for e in world.audit() if e["target"] == f"grant:{g['id']}"]
    assert [e["action"] for e in audited] == ["grant.create", "grant.change", "grant.revoke",
                                              "grant.restore"]
    assert audited[2]["details"]["reason"] == "离职"  # type: ignore[index]
    assert audited[2]["details"]["before"]["status"] == "active"  # type: ignore[index]


def test_levels_approval_and_categories(world: World, admin: TestClient,
                                        custodian: TestClient) -> None:
    seal_id = new_seal(custodian)
    requester_id, requester = new_person(world, admin)
    careful_id, careful = new_person(world, admin)
    viewer_id, viewer = new_person(world, admin)
    contracts_id, contracts = new_person(world, admin)
    assert grant(custodian, seal_id, user_id=requester_id, level="request").status_code == 201
    assert grant(custodian, seal_id, user_id=careful_id,
                 approval_required=True).status_code == 201
    assert grant(custodian, seal_id, user_id=viewer_id, level="view").status_code == 201
    assert grant(custodian, seal_id, user_id=contracts_id,
                 categories=["合同"]).status_code == 201
    for http in (requester, careful):
        refused = seal_with(http, seal_id)
        assert refused.status_code == 403 and refused.json()["code"] == "APPROVAL_REQUIRED"
    assert seal_with(viewer, seal_id).json()["code"] == "GRANT_REQUIRED"
    assert seal_with(contracts, seal_id).json()["code"] == "CATEGORY_NOT_ALLOWED"
    assert seal_with(contracts, seal_id, category="发票").json()["code"] == \
        "CATEGORY_NOT_ALLOWED"
    assert seal_with(contracts, seal_id, category="合同").status_code == 200


def test_role_grants_reach_every_holder_and_history_per_user(
        world: World, admin: TestClient, custodian: TestClient) -> None:
    seal_id = new_seal(custodian)
    user_id, clerk = new_person(world, admin)
    made = grant(custodian, seal_id, role="seal_user").json()
    assert seal_with(clerk, seal_id).status_code == 200
    reaching = clerk.get(f"{API}/users/{user_id}/grants").json()
    assert made["id"] in {g["id"] for g in reaching["grants"]}
    assert reaching["roles"] == ["seal_user"]


def test_hard_conflicts_are_refused_by_name(world: World, a: Party, admin: TestClient,
                                            custodian: TestClient) -> None:
    seal_id = new_seal(custodian)
    beyond = grant(custodian, seal_id, user_id=a.admin_id)
    assert beyond.status_code == 409 and beyond.json()["code"] == "GRANT_EXCEEDS_ROLE"
    start = datetime.now(UTC)
    too_long = grant(custodian, seal_id, user_id=a.member_id,
                     valid_until=(start + timedelta(days=800)).isoformat())
    assert too_long.status_code == 409 and too_long.json()["code"] == "GRANT_EXCEEDS_POLICY"
    assert "366" in too_long.json()["detail"]
    both = admin.post(f"{API}/users/{a.custodian_id}/roles",
                      json={"roles": ["custodian", "org_admin"], "reason": "兼任"})
    assert both.status_code == 409 and both.json()["code"] == "SOD_ROLES"
    own = admin.post(f"{API}/users/{a.admin_id}/roles",
                     json={"roles": ["org_admin", "seal_user"], "reason": "自己"})
    assert own.status_code == 403 and own.json()["code"] == "ROLE_SELF_CHANGE"


def test_one_person_may_not_request_and_alone_approve(world: World, a: Party,
                                                      admin: TestClient,
                                                      custodian: TestClient) -> None:
    away = admin.post(f"{API}/users/{a.approver_id}/disable")  # the world's own approver
    assert away.status_code == 200, away.text
    try:
        _sole_approver_case(world, admin, custodian)
    finally:
        assert admin.post(f"{API}/users/{a.approver_id}/enable").status_code == 200


def _sole_approver_case(world: World, admin: TestClient, custodian: TestClient) -> None:
    seal_id = new_seal(custodian)
    user_id, _ = new_person(world, admin)
    assert grant(custodian, seal_id, user_id=user_id, level="request").status_code == 201
    sole = admin.post(f"{API}/users/{user_id}/roles",
                      json={"roles": ["seal_user", "approver"], "reason": "兼任审批"})
    assert sole.status_code == 409, sole.text
    assert sole.json()["code"] == "SOD_REQUEST_AND_SOLE_APPROVER"
    assert "approve" in sole.json()["conflicts"][0]["en"]
    other_id, _ = new_person(world, admin, "approver")  # a second approver: four eyes again
    fine = admin.post(f"{API}/users/{user_id}/roles",
                      json={"roles": ["seal_user", "approver"], "reason": "兼任审批"})
    assert fine.status_code == 200 and fine.json()["roles"] == ["approver", "seal_user"]
    leaving = admin.post(f"{API}/users/{other_id}/disable")
    assert leaving.status_code == 200
    report = custodian.get(f"{API}/governance/conflicts").json()
    assert any(f["code"] == "SOD_REQUEST_AND_SOLE_APPROVER" and f["user_id"] == user_id
               for f in report)


def test_conflicts_report_lists_overlapping_grants(world: World, admin: TestClient,
                                                   custodian: TestClient) -> None:
    seal_id = new_seal(custodian)
    user_id, _ = new_person(world, admin)
    first = grant(custodian, seal_id, user_id=user_id).json()
    second = grant(custodian, seal_id, role="seal_user").json()
    report = admin.get(f"{API}/governance/conflicts")
    assert report.status_code == 200
    overlap = [f for f in report.json() if f["code"] == "GRANT_OVERLAP"
               and f["user_id"] == user_id and f["seal_id"] == seal_id]
    assert overlap and set(overlap[0]["grant_ids"]) == {first["id"], second["id"]}
    assert overlap[0]["severity"] == "warning"


def test_role_map_is_published(world: World, a: Party) -> None:
    body = world.login(a.member).get(f"{API}/governance/roles").json()
    roles = {r["role"]: set(r["permissions"]) for r in body["roles"]}
    assert "seals:use" not in roles["org_admin"] and "audit:read" not in roles["org_admin"]
    assert body["levels"] == ["view", "request", "use", "manage"]
    assert ["custodian", "org_admin"] in body["incompatible"]


def test_only_custodians_manage_grants(world: World, a: Party, admin: TestClient) -> None:
    for http in (admin, world.login(a.member)):
        refused = http.post(f"{API}/grants/{a.grant_id}/revoke", json={"reason": "no"})
        assert refused.status_code == 403 and refused.json()["code"] == "FORBIDDEN"
    assert world.login(a.member).get(f"{API}/grants/{a.grant_id}").status_code == 200  # own


def test_cli_grant_and_role_commands(world: World, a: Party, tmp_path: Path) -> None:
    env = {**os.environ, "OPENSEAL_HOME": str(world.wiring.settings.home), "OPENSEAL_LANG": "en"}

    def cli(*args: str, expect: int = 0) -> dict[str, Any]:
        done = subprocess.run([sys.executable, "-m", "openseal", *args, "--json"], env=env,
                              capture_output=True, text=True)
        assert done.returncode == expect, done.stdout + done.stderr
        return dict(json.loads(done.stdout))

    made = cli("grant", "create", "--seal", a.seal_id, "--user", a.member, "--level", "use",
               "--max-uses", "3", "--reason", "命令行")
    assert made["max_uses"] == 3 and made["grantee"] == a.member_id
    assert cli("grant", "change", made["id"], "--max-uses", "2", "--reason", "少一次")[
        "max_uses"] == 2
    assert cli("grant", "revoke", made["id"], "--reason", "撤销")["status"] == "revoked"
    assert cli("grant", "restore", made["id"], "--reason", "恢复")["status"] == "active"
    actions = [e["action"] for e in cli("grant", "history", made["id"])["history"]]
    assert actions == ["create", "change", "revoke", "restore"]
    assert made["id"] in {g["id"] for g in cli("grant", "list", "--seal", a.seal_id)["grants"]}
    assert any(r["role"] == "auditor" for r in cli("role", "map")["roles"])
    refused = cli("role", "set", a.custodian, "custodian", "auditor", "--reason", "x",
                  expect=2)
    assert refused["error"] == "SOD_ROLES"
    assert "conflicts" in cli("grant", "conflicts", "--org", a.org_id)
