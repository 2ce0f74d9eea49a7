"""C3 revoked_permission_immediate: a custodian revokes "use seal S" while the user holds a
live session (and an API client its token): the very next request is 403; while 20 of the
user's sealing requests are in flight, no seal commits after the revocation commits.

The ordering is read from the audit log: its sequence numbers are taken under the head-row
lock inside each transaction, so they are the commit order. Sealing spends one use of the
grant with a conditional UPDATE of the grant row just before it commits; the revocation
updates the same row, so on PostgreSQL the row lock and on SQLite the write lock put every
sealing either wholly before the revocation or refused after it.
"""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

import httpx
from fastapi.testclient import TestClient

from openseal.core.governance.assign import set_roles
from openseal.core.governance.grants import revoke_grant
from openseal.core.signing import service as signing_service
from openseal.interfaces.cli.operator import operator
from tests.acceptance import api_world
from tests.acceptance.api_world import audit
from tests.support.api import World
from tests.support.pdfs import reportlab_pdf

world = api_world.world  # the fixture each test takes (sqlite, postgresql)

IN_FLIGHT = 20
REVOKED_CODES = {"GRANT_REVOKED", "GRANT_REQUIRED"}


def _seal(http: TestClient, seal_id: str, n: int = 0) -> httpx.Response:
    pdf = reportlab_pdf(title=f"合同 {n}")
    answer: httpx.Response = http.post("/api/v1/documents/seal", data={"seal_id": seal_id},
                                       files={"file": (f"c{n}.pdf", pdf, "application/pdf")})
    return answer


def _sealed(world: World) -> int:
    with world.wiring.context() as c:
        return c.repos.count_sealed_documents()


def _revoke(world: World, grant_id: str, reason: str = "调岗 / changed jobs",
            custodian: TestClient | None = None) -> None:
    custodian = custodian or world.login(world.parties["A"].custodian)
    answer = custodian.post(f"/api/v1/grants/{grant_id}/revoke", json={"reason": reason})
    assert answer.status_code == 200 and answer.json()["status"] == "revoked", answer.text


def test_C3_revoked_permission_immediate_for_session_and_token(world: World) -> None:
    a = world.parties["A"]
    member, client = world.login(a.member), world.bearer(a.client_secret)
    assert _seal(member, a.seal_id).status_code == 200
    assert _seal(client, a.seal_id).status_code == 200
    client_grant = [g for g in world.login(a.custodian).get(
        f"/api/v1/seals/{a.seal_id}/grants").json() if g["grantee_kind"] == "client"][0]
    _revoke(world, a.grant_id)
    _revoke(world, client_grant["id"])
    before = _sealed(world)
    for http, who in ((member, f"user:{a.member}"), (client, "client:ERP A")):
        refused = _seal(http, a.seal_id)
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "GRANT_REQUIRED"
        denial = audit(world, "authz.denied")[-1]
        assert denial["actor"] == who and denial["target"] == f"seal:{a.seal_id}"
        assert denial["details"]["error"] == "GRANT_REQUIRED"
    assert _sealed(world) == before
    restored = world.login(a.custodian).post(f"/api/v1/grants/{a.grant_id}/restore",
                                             json={"reason": "回到原岗位 / back"})
    assert restored.status_code == 200, restored.text
    assert _seal(member, a.seal_id).status_code == 200


def test_C3_revoked_permission_immediate_inside_the_sealing_transaction(
        world: World, monkeypatch: Any) -> None:
    """The grant is revoked (and committed) after the request was authorised and while the
    PDF is being signed: the sealing transaction sees it when it spends the use."""
    a = world.parties["A"]
    real = signing_service.spend_grant

    def revoked_meanwhile(*args: Any) -> None:
        world.wiring.run(lambda c: revoke_grant(c.repos, c.clock, operator(a.org_id),
                                                a.grant_id, "撤销", audit=c.audit))
        real(*args)

    monkeypatch.setattr(signing_service, "spend_grant", revoked_meanwhile)
    before = _sealed(world)
    refused = _seal(world.login(a.member), a.seal_id)
    assert refused.status_code == 403 and refused.json()["code"] == "GRANT_REVOKED", \
        refused.text
    assert _sealed(world) == before


def test_C3_role_removed_inside_the_sealing_transaction(world: World, monkeypatch: Any
                                                        ) -> None:
    """The user's seal_user role is taken away (and committed) while their PDF is being
    signed: the grant is still active, but the re-check at commit reads the roles anew."""
    a = world.parties["A"]
    real = signing_service.spend_grant

    def moved_meanwhile(*args: Any) -> None:
        world.wiring.run(lambda c: set_roles(c.repos, operator(a.org_id), a.member_id,
                                             ["auditor"], "调岗 / new job", audit=c.audit))
        real(*args)

    monkeypatch.setattr(signing_service, "spend_grant", moved_meanwhile)
    member = world.login(a.member)
    before = _sealed(world)
    refused = _seal(member, a.seal_id)
    assert refused.status_code == 403 and refused.json()["code"] == "ROLE_REVOKED", \
        refused.text
    assert _sealed(world) == before
    denial = audit(world, "authz.denied")[-1]
    assert denial["target"] == f"user:{a.member_id}"


def test_C3_revoked_permission_immediate_with_20_requests_in_flight(
        world: World, monkeypatch: Any) -> None:
    """20 sealing requests of one user at once; the grant is revoked while they run. Which
    of them are still in flight is made certain, not left to timing: each request, once
    authorised and signed, waits at the point where it spends its use: the first 5 go on,
    the next 7 go on when the revocation starts (a real race), the next 5 only after it
    committed (they must be refused), the last 3 go on whenever they get there."""
    a = world.parties["A"]
    member, custodian = world.login(a.member), world.login(a.custodian)
    answers: list[httpx.Response] = []
    revoking, revoked = threading.Event(), threading.Event()
    arrivals, lock = itertools.count(), threading.Lock()
    real = signing_service.spend_grant

    def gate(*args: Any) -> None:
        with lock:
            n = next(arrivals)
        if 5 <= n < 12:
            revoking.wait(120)
        elif 12 <= n < 17:
            revoked.wait(120)
        real(*args)

    def one(n: int) -> None:
        http = world.client()
        http.cookies.update(member.cookies)
        http.headers["X-CSRF-Token"] = member.headers["X-CSRF-Token"]
        answers.append(_seal(http, a.seal_id, n))

    monkeypatch.setattr(signing_service, "spend_grant", gate)
    before = _sealed(world)
    threads = [threading.Thread(target=one, args=(n,)) for n in range(IN_FLIGHT)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 120
    while sum(r.status_code == 200 for r in answers) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    revoking.set()
    _revoke(world, a.grant_id, custodian=custodian)
    revoked.set()
    for thread in threads:
        thread.join(120)
    ok = [r for r in answers if r.status_code == 200]
    refused = [r for r in answers if r.status_code == 403]
    assert len(ok) + len(refused) == IN_FLIGHT, [r.text[:200] for r in answers]
    assert {r.json()["code"] for r in refused} <= REVOKED_CODES
    assert len(ok) >= 5 and len(refused) >= 5, (len(ok), len(refused))
    assert _sealed(world) == before + len(ok)
    revoked_at = [e["seq"] for e in audit(world, "grant.revoke")][-1]
    applied = [e for e in audit(world, "seal.use")
               if e["outcome"] == "success" and e["details"].get("grant") == a.grant_id]
    assert len(applied) == len(ok), [(e["seq"], e["details"]) for e in audit(world, "seal.use")]
    assert all(e["seq"] < revoked_at for e in applied), "a seal committed after the revocation"
    grant = custodian.get(f"/api/v1/grants/{a.grant_id}").json()
    assert grant["uses"] == len(ok) and grant["status"] == "revoked"
