"""B7 active_content_policy: the documented policy (core/signing/active_content.py, docs/
governance.md). JavaScript, launch actions and the like are refused (422 ACTIVE_CONTENT,
nothing sealed, the refusal audited) both when sealing and when asking for approval; an
embedded file is allowed, shown to the approver as a warning before approval, and kept in
the audit entry of the seal."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.acceptance import api_world
from tests.acceptance.api_world import audit
from tests.support import active
from tests.support.api import World
from tests.support.approvals import approve, made, request_use, seal_with, ticket_of

world = api_world.world  # the fixture each test takes (sqlite, postgresql)

REFUSED: dict[str, tuple[Callable[[], bytes], str]] = {
    "document-javascript": (active.document_javascript, "JAVASCRIPT"),
    "open-action-javascript": (active.open_action_javascript, "JAVASCRIPT"),
    "launch-link": (active.launch_link, "LAUNCH"),
}


def _sealed(world: World) -> int:
    with world.wiring.context() as c:
        return c.repos.count_sealed_documents()


@pytest.mark.parametrize("name", list(REFUSED))
def test_B7_active_content_is_refused(world: World, name: str) -> None:
    make, kind = REFUSED[name]
    a = world.parties["A"]
    member = world.login(a.member)
    before = _sealed(world)
    refused = seal_with(member, a.seal_id, make())
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "ACTIVE_CONTENT" and kind in refused.json()["found"]
    assert _sealed(world) == before
    entry = audit(world, "seal.use")[-1]
    assert entry["outcome"] == "refused" and entry["details"]["error"] == "ACTIVE_CONTENT"
    asked = request_use(member, a.seal_id, make())
    assert asked.status_code == 422 and asked.json()["code"] == "ACTIVE_CONTENT"


def test_B7_embedded_file_is_sealed_with_a_warning_the_approver_sees(world: World) -> None:
    a = world.parties["A"]
    member = world.login(a.member)
    pdf = active.embedded_file()
    request = made(member, a.seal_id, pdf)
    inbox = world.login(a.approver).get("/api/v1/approvals/inbox").json()
    shown = next(r for r in inbox if r["id"] == request["id"])
    assert shown["documents"][0]["warnings"] == ["EMBEDDED_FILES"]  # before approving
    ticket = ticket_of(approve(world.login(a.approver), request["id"]))
    sealed = seal_with(member, a.seal_id, pdf, ticket)
    assert sealed.status_code == 200, sealed.text
    entry = audit(world, "seal.use")[-1]
    assert entry["outcome"] == "success" and entry["details"]["warnings"] == ["EMBEDDED_FILES"]
