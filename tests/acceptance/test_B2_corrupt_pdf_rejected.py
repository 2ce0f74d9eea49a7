"""B2: damaged PDFs are refused quickly as PDF_DAMAGED: no partial output, no stack trace,
and the recursion limit is not raised to cope with deep nesting."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from openseal.errors import InvalidInput
from tests.support import producers
from tests.support.instance import TestInstance
from tests.support.producers import assert_refused, sealed_count, sign_cli

MAX_SECONDS = 2.0

CASES = list(producers.DAMAGED)


@pytest.mark.parametrize("name", CASES)
def test_damaged_pdf_is_refused(name: str, fresh_instance: TestInstance,
                                tmp_path: Path) -> None:
    data = producers.DAMAGED[name]()
    assert data.startswith(b"%PDF-"), "every damaged sample still looks like a PDF"
    before = sealed_count(fresh_instance)
    limit = sys.getrecursionlimit()

    started = time.perf_counter()
    with pytest.raises(InvalidInput) as refused:
        fresh_instance.seal(data)
    elapsed = time.perf_counter() - started
    assert refused.value.code == "PDF_DAMAGED", refused.value.code
    assert elapsed < MAX_SECONDS, f"refusing took {elapsed:.2f} s"
    assert sys.getrecursionlimit() == limit

    infile = tmp_path / f"{name}.pdf"
    infile.write_bytes(data)
    result = sign_cli(fresh_instance.wiring.settings.home, infile,
                      fresh_instance.seals["contract"].id, "--json", lang="en")
    assert_refused(result, "PDF_DAMAGED")
    assert "damaged" in result.stderr
    assert sealed_count(fresh_instance) == before
