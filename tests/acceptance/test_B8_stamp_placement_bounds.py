"""B8: impossible placements (no such page, off the page, absurd size) are refused with a
field-specific error; nothing is sealed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.instance import TestInstance
from tests.support.pdfs import reportlab_pdf
from tests.support.producers import assert_refused, sealed_count, sign_cli

CASES = {
    "page-0": (["--page", "0"], "PAGE_NOT_FOUND", "page"),
    "page-999": (["--page", "999"], "PAGE_NOT_FOUND", "page"),
    "negative-x": (["--x=-5", "--y", "50"], "POSITION_OFF_PAGE", "position"),
    "negative-y": (["--x", "30", "--y=-0.5"], "POSITION_OFF_PAGE", "position"),
    "huge-x": (["--x", "10000", "--y", "50"], "POSITION_OFF_PAGE", "position"),
    "huge-y": (["--x", "30", "--y", "10000"], "POSITION_OFF_PAGE", "position"),
    "hangs-over-right-edge": (["--x", "190", "--y", "50"], "POSITION_OFF_PAGE", "position"),
    "size-1000": (["--size", "1000"], "SEAL_SIZE", "size"),
    "size-0": (["--size", "0"], "SEAL_SIZE", "size"),
}


@pytest.mark.parametrize("case", CASES)
def test_impossible_placement_is_refused(case: str, fresh_instance: TestInstance,
                                         tmp_path: Path) -> None:
    options, code, field = CASES[case]
    infile = tmp_path / "three-pages.pdf"
    infile.write_bytes(reportlab_pdf(3))
    before = sealed_count(fresh_instance)

    result = sign_cli(fresh_instance.wiring.settings.home, infile,
                      fresh_instance.seals["contract"].id, "--json", *options, lang="en")
    payload = assert_refused(result, code)
    assert payload["field"] == field, payload
    if code == "PAGE_NOT_FOUND":
        assert payload["pages"] == 3
    assert sealed_count(fresh_instance) == before
