"""B4: a document certified by someone else with "no changes allowed" (DocMDP P=1) is
refused as DOCUMENT_FORBIDS_CHANGES; nothing is sealed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import producers
from tests.support.api import make_world
from tests.support.approvals import approved_ticket, seal_with
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


def test_certified_no_changes_leaves_the_ticket_unused(tmp_path: Path) -> None:
    """Approved, then refused at sealing: the sealing transaction rolls back, so the
    ticket is not consumed (approval not consumed, as B4 requires)."""
    world = make_world(tmp_path / "home")
    a = world.parties["A"]
    member = world.login(a.member)
    certified = producers.certified_no_changes()
    ticket = approved_ticket(member, world.login(a.approver), a.seal_id, certified)
    refused = seal_with(member, a.seal_id, certified, ticket)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "DOCUMENT_FORBIDS_CHANGES"
    assert member.get(f"/api/v1/tickets/{ticket}").json()["status"] == "unused"
