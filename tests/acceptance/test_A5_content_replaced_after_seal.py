"""A5: a sealed document whose page content is replaced by an incremental update is INVALID."""

from __future__ import annotations

import re
from pathlib import Path

from openseal.core.verification import verify_pdf
from tests.support.attacks import replace_page_content
from tests.support.instance import TestInstance

SRC = Path(__file__).resolve().parents[2] / "src"
VERIFIER = SRC / "openseal" / "core" / "verification"




def test_untouched_sealed_document_is_valid(sealing_instance: TestInstance,
                                            sample_pdf: bytes) -> None:
    sealed = sealing_instance.seal(sample_pdf)
    report = verify_pdf(sealed, sealing_instance.roots)
    assert report.verdict == "VALID", report.to_dict()


def test_replaced_content_is_invalid(sealing_instance: TestInstance, sample_pdf: bytes) -> None:
    tampered = replace_page_content(sealing_instance.seal(sample_pdf))
    report = verify_pdf(tampered, sealing_instance.roots)
    assert report.verdict == "INVALID"
    assert "MODIFIED_AFTER_SEAL" in report.reasons
    (sig,) = report.to_dict()["signatures"]
    assert sig["intact"] is True  # the seal's own bytes are fine: the update is what's wrong
    assert sig["modification"] == "OTHER"


def test_replaced_content_after_two_seals_is_invalid(sealing_instance: TestInstance,
                                                     sample_pdf: bytes) -> None:
    twice = sealing_instance.seal(sealing_instance.seal(sample_pdf), seal_type="official",
                                  x=100, y=100)
    report = verify_pdf(replace_page_content(twice), sealing_instance.roots)
    assert report.verdict == "INVALID"
    assert all(s.verdict == "INVALID" for s in report.signatures)


def test_no_code_skips_difference_analysis() -> None:
    offenders = [str(p) for p in SRC.rglob("*.py")
                 if re.search(r"skip_diff\s*=\s*True", p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_bottom_line_is_never_a_verdict_input() -> None:
    """pyHanko's bottom_line may be named only in comments/docstrings, never read."""
    for path in VERIFIER.rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            code = line.split("#", 1)[0]
            assert not re.search(r"\.bottom_line\b", code), f"{path}: {line}"
