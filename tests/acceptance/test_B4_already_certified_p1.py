"""B4: a document certified by someone else with "no changes allowed" (DocMDP P=1) is
refused as DOCUMENT_FORBIDS_CHANGES; nothing is sealed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import producers
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
