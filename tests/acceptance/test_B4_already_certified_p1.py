"""B4: a document certified by someone else with "no changes allowed" (DocMDP P=1) is
refused as DOCUMENT_FORBIDS_CHANGES; nothing is sealed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import producers
from tests.support.api import make_world
from tests.support.approvals import approved_ticket, contract, request_use, seal_with
from tests.support.instance import TestInstance
from tests.support.producers import assert_refused, sealed_count, sign_cli

INPUTS = {
    "certified-p1": producers.certified_no_changes,
    "certified-p1-indirect-perms": producers.certified_no_changes_indirect_perms,
}


@pytest.mark.parametrize("make", INPUTS.values(), ids=list(INPUTS))
def test_certified_no_changes_is_refused(make: Callable[[], bytes],
                                         fresh_instance: TestInstance, tmp_path: Path) -> None:
    infile = tmp_path / "certified.pdf"
    infile.write_bytes(make())
    before = sealed_count(fresh_instance)

    result = sign_cli(fresh_instance.wiring.settings.home, infile,
                      fresh_instance.seals["contract"].id, "--json", lang="en")
    payload = assert_refused(result, "DOCUMENT_FORBIDS_CHANGES")
    assert payload["kind"] == "conflict"
    assert "no changes allowed" in result.stderr
    assert sealed_count(fresh_instance) == before


def test_certified_no_changes_cannot_even_be_requested(tmp_path: Path) -> None:
    """A request to use a seal on such a document is refused at once: no approval is spent
    on a document that can never be sealed."""
    world = make_world(tmp_path / "home")
    a = world.parties["A"]
    member = world.login(a.member)
    before = member.get("/api/v1/requests").json()
    refused = request_use(member, a.seal_id, producers.certified_no_changes())
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "DOCUMENT_FORBIDS_CHANGES"
    assert member.get("/api/v1/requests").json() == before


def test_a_refused_sealing_leaves_the_ticket_unused(tmp_path: Path) -> None:
    """Approved, then refused at sealing (no such page): the sealing transaction rolls back,
    the ticket is not consumed, and the same ticket then seals the document."""
    world = make_world(tmp_path / "home")
    a = world.parties["A"]
    member = world.login(a.member)
    pdf = contract("B4")
    ticket = approved_ticket(member, world.login(a.approver), a.seal_id, pdf)
    refused = member.post("/api/v1/documents/seal", data={
        "seal_id": a.seal_id, "ticket": ticket, "page": "9"},
        files={"file": ("c.pdf", pdf, "application/pdf")})
    assert refused.status_code == 422 and refused.json()["code"] == "PAGE_NOT_FOUND"
    assert member.get(f"/api/v1/tickets/{ticket}").json()["status"] == "unused"
    assert seal_with(member, a.seal_id, pdf, ticket).status_code == 200
