"""C4 approval_expired_or_rebound: a ticket used after it expired, on another document (H'),
with another seal (S') or by someone other than its requester is refused with 403
``APPROVAL_INVALID``, audited, and stays unused; the approved use then still works.
Approvals bind (document SHA-256, seal, requester, expiry)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.acceptance import api_world
from tests.acceptance.api_world import audit
from tests.support.api import World
from tests.support.approvals import add_approver, approved_ticket, contract, seal_with

world = api_world.world  # the fixture each test takes (sqlite, postgresql)


def _refused(world: World, answer: object, ticket: str) -> None:
    assert answer.status_code == 403, answer.text  # type: ignore[attr-defined]
    assert answer.json()["code"] == "APPROVAL_INVALID"  # type: ignore[attr-defined]
    denial = audit(world, "authz.denied")[-1]
    assert denial["target"] == f"ticket:{ticket}"
    assert denial["details"]["error"] == "APPROVAL_INVALID"


def _sealed(world: World) -> int:
    with world.wiring.context() as c:
        return c.repos.count_sealed_documents()


def _second_seal(custodian: TestClient) -> str:
    made = custodian.post("/api/v1/seals", json={"type": "contract", "name": "第二合同章"})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def test_C4_approval_expired_or_rebound(world: World) -> None:
    a = world.parties["A"]
    member, custodian = world.login(a.member), world.login(a.custodian)
    approver, _ = add_approver(world, a)
    h, h_prime = contract("H"), contract("H′")
    ticket = approved_ticket(member, approver, a.seal_id, h)
    before = _sealed(world)

    _refused(world, seal_with(member, a.seal_id, h_prime, ticket), ticket)  # H′ ≠ H
    _refused(world, seal_with(member, _second_seal(custodian), h, ticket), ticket)  # S′ ≠ S
    assert _sealed(world) == before
    assert member.get(f"/api/v1/tickets/{ticket}").json()["status"] == "unused"

    sealed = seal_with(member, a.seal_id, h, ticket)  # the approved use still works
    assert sealed.status_code == 200, sealed.text
    assert _sealed(world) == before + 1


def test_C4_approval_used_by_another_person(world: World) -> None:
    a = world.parties["A"]
    member = world.login(a.member)
    approver, _ = add_approver(world, a)
    colleague, colleague_id = add_approver(world, a, role="seal_user")
    granted = world.login(a.custodian).post(f"/api/v1/seals/{a.seal_id}/grants", json={
        "user_id": colleague_id, "level": "use", "reason": "同部门 / same team"})
    assert granted.status_code == 201, granted.text
    h = contract("H")
    ticket = approved_ticket(member, approver, a.seal_id, h)
    _refused(world, seal_with(colleague, a.seal_id, h, ticket), ticket)
    assert member.get(f"/api/v1/tickets/{ticket}").json()["status"] == "unused"


def test_C4_approval_expired(world: World) -> None:
    a = world.parties["A"]
    member = world.login(a.member)
    approver, _ = add_approver(world, a)
    h = contract("H")
    ticket = approved_ticket(member, approver, a.seal_id, h)
    policy = member.get(f"/api/v1/seals/{a.seal_id}/approval-policy").json()
    world.clock.advance(hours=policy["ticket_hours"], seconds=1)
    member = world.login(a.member)  # a fresh session (the old one idled out)
    before = _sealed(world)
    _refused(world, seal_with(member, a.seal_id, h, ticket), ticket)
    assert _sealed(world) == before


def test_C4_unknown_or_foreign_ticket_is_not_found(world: World) -> None:
    a, b = world.parties["A"], world.parties["B"]
    approver_b, _ = add_approver(world, b)
    h = contract("H")
    ticket_b = approved_ticket(world.login(b.member), approver_b, b.seal_id, h)
    member_a = world.login(a.member)
    for ticket in (ticket_b, "00000000-0000-0000-0000-000000000000"):
        answer = seal_with(member_a, a.seal_id, h, ticket)
        assert answer.status_code == 404 and answer.json()["code"] == "TICKET_NOT_FOUND", \
            answer.text
    assert member_a.get(f"/api/v1/tickets/{ticket_b}").status_code == 404
