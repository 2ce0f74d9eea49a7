"""C6 approval_single_use: one ticket replayed sequentially, and used by 10 requests at once:
exactly one seal is applied, every other answer is 409 ``TICKET_USED``, and the audit trail
holds exactly one successful ``seal.use`` (SEAL_APPLIED) with that ticket.

The 10 concurrent uses are made to overlap for certain: each, once its ticket was checked
and its PDF signed, waits at a barrier until all 10 are there, then all race to commit. The
ticket's conditional UPDATE lets exactly one through (PostgreSQL: row lock, then the
predicate is evaluated again; SQLite: the write lock)."""

from __future__ import annotations

import threading
from typing import Any

import httpx

from openseal.core.signing import service as signing_service
from tests.acceptance import api_world
from tests.acceptance.api_world import audit
from tests.support.api import World
from tests.support.approvals import add_approver, approved_ticket, contract, seal_with

world = api_world.world  # the fixture each test takes (sqlite, postgresql)
CONCURRENT = 10


def _applied(world: World, ticket: str) -> list[dict[str, Any]]:
    return [e for e in audit(world, "seal.use")
            if e["outcome"] == "success" and e["details"].get("ticket") == ticket]


def _sealed(world: World) -> int:
    with world.wiring.context() as c:
        return c.repos.count_sealed_documents()


def test_C6_approval_single_use_sequential_replay(world: World) -> None:
    a = world.parties["A"]
    member = world.login(a.member)
    approver, _ = add_approver(world, a)
    pdf = contract()
    ticket = approved_ticket(member, approver, a.seal_id, pdf)
    assert seal_with(member, a.seal_id, pdf, ticket).status_code == 200
    before = _sealed(world)
    for _ in range(3):
        again = seal_with(member, a.seal_id, pdf, ticket)
        assert again.status_code == 409 and again.json()["code"] == "TICKET_USED", again.text
    assert _sealed(world) == before
    assert len(_applied(world, ticket)) == 1
    assert member.get(f"/api/v1/tickets/{ticket}").json()["status"] == "used"


def test_C6_approval_single_use_ten_at_once(world: World, monkeypatch: Any) -> None:
    a = world.parties["A"]
    member = world.login(a.member)
    approver, _ = add_approver(world, a)
    pdf = contract()
    ticket = approved_ticket(member, approver, a.seal_id, pdf)
    barrier = threading.Barrier(CONCURRENT, timeout=120)
    real = signing_service.spend_grant
    arrived = []

    def together(*args: Any) -> None:
        arrived.append(1)
        barrier.wait()  # every use has passed the ticket check and signed its PDF
        real(*args)

    monkeypatch.setattr(signing_service, "spend_grant", together)
    answers: list[httpx.Response] = []

    def one() -> None:
        http = world.client()
        http.cookies.update(member.cookies)
        http.headers["X-CSRF-Token"] = member.headers["X-CSRF-Token"]
        answers.append(seal_with(http, a.seal_id, pdf, ticket))

    before = _sealed(world)
    threads = [threading.Thread(target=one) for _ in range(CONCURRENT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    assert len(arrived) == CONCURRENT
    codes = sorted(r.status_code for r in answers)
    assert codes == [200] + [409] * (CONCURRENT - 1), [r.text[:200] for r in answers]
    assert {r.json()["code"] for r in answers if r.status_code == 409} == {"TICKET_USED"}
    assert _sealed(world) == before + 1
    assert len(_applied(world, ticket)) == 1
