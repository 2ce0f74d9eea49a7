"""C5 four_eyes: the requester approving their own request, an administrator approving (or
requesting), and an approver who lost the role before approving are each refused with 403,
audited as ``authz.denied``, and the request stays pending."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.acceptance import api_world
from tests.acceptance.api_world import audit
from tests.support.api import Party, World
from tests.support.approvals import add_approver, approve, contract, made, request_use

world = api_world.world  # the fixture each test takes (sqlite, postgresql)


def _still_pending(http: TestClient, request_id: object) -> None:
    answer = http.get(f"/api/v1/requests/{request_id}").json()
    assert answer["status"] == "pending" and answer["decisions"] == [], answer


def _denied(world: World, answer: object, code: str, target: str) -> None:
    assert answer.status_code == 403, answer.text  # type: ignore[attr-defined]
    assert answer.json()["code"] == code  # type: ignore[attr-defined]
    denial = audit(world, "authz.denied")[-1]
    assert denial["target"] == target and denial["details"]["error"] == code, denial


def _set_roles(world: World, party: Party, user_id: str, *roles: str) -> None:
    changed = world.login(party.admin).post(f"/api/v1/users/{user_id}/roles", json={
        "roles": list(roles), "reason": "岗位调整 / new duties"})
    assert changed.status_code == 200, changed.text


def test_C5_requester_cannot_approve_own_request(world: World) -> None:
    a = world.parties["A"]
    add_approver(world, a)  # another approver exists: holding both roles is no conflict
    _, dual_id = add_approver(world, a, "dual-role")
    _set_roles(world, a, dual_id, "seal_user", "approver")
    granted = world.login(a.custodian).post(f"/api/v1/seals/{a.seal_id}/grants", json={
        "user_id": dual_id, "level": "request", "reason": "部门经理 / manager"})
    assert granted.status_code == 201, granted.text
    dual = world.login("dual-role")  # a fresh session with both roles
    request = made(dual, a.seal_id, contract())
    _denied(world, approve(dual, request["id"]), "SELF_APPROVAL", f"request:{request['id']}")
    _still_pending(dual, request["id"])


def test_C5_administrator_cannot_approve_nor_request(world: World) -> None:
    a = world.parties["A"]
    add_approver(world, a)
    member, admin = world.login(a.member), world.login(a.admin)
    request = made(member, a.seal_id, contract())
    _denied(world, approve(admin, request["id"]), "FORBIDDEN", "scope:requests:approve")
    _still_pending(member, request["id"])
    _denied(world, request_use(admin, a.seal_id, contract()), "FORBIDDEN",
            "scope:seals:request")


def test_C5_approver_who_lost_the_role_cannot_approve(world: World) -> None:
    a = world.parties["A"]
    add_approver(world, a)
    approver, approver_id = add_approver(world, a)
    member = world.login(a.member)
    request = made(member, a.seal_id, contract())
    _set_roles(world, a, approver_id, "seal_user")  # moved to another job meanwhile
    _denied(world, approve(approver, request["id"]), "FORBIDDEN", "scope:requests:approve")
    _still_pending(member, request["id"])


def test_C5_an_approver_decides_once_and_only_their_step(world: World) -> None:
    """Two steps: the first from the approver role, the second from one named person. The
    first approver cannot approve the second step too; someone else cannot take the named
    person's place."""
    a = world.parties["A"]
    first, _ = add_approver(world, a)
    second, _ = add_approver(world, a)
    named, named_id = add_approver(world, a)
    policy = world.login(a.custodian).put(f"/api/v1/seals/{a.seal_id}/approval-policy", json={
        "steps": [{"name": "部门", "required": 1, "role": "approver"},
                  {"name": "法务", "required": 1, "users": [named_id]}]})
    assert policy.status_code == 200, policy.text
    member = world.login(a.member)
    request = made(member, a.seal_id, contract())
    assert approve(first, request["id"]).json()["request"]["step"] == 1
    again = approve(first, request["id"])
    assert again.status_code == 403 and again.json()["code"] == "NOT_AN_APPROVER", again.text
    _denied(world, approve(second, request["id"]), "NOT_AN_APPROVER",
            f"request:{request['id']}")
    done = approve(named, request["id"])
    assert done.status_code == 200 and done.json()["request"]["status"] == "approved", \
        done.text
    assert len(done.json()["request"]["tickets"]) == 1
