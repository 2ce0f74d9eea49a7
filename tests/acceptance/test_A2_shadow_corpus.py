"""A2 shadow_corpus: shadow attacks built from an OpenSeal-sealed document never verify VALID.

The document is prepared by the "attacker" before sealing (tests/support/attacks_shadow.py):
content under an overlay, an optional content group that is off, a filled-in form field, a
hidden filled-in field, a pre-planted shadow page content and shadow catalog. OpenSeal seals
it (a real approval seal, PAdES B-T). One small incremental update per variant then hides,
replaces, or hides-and-replaces content. Each variant really changes what a viewer shows
(poppler renders a different page), and each is INVALID ``MODIFIED_AFTER_SEAL`` (or
INDETERMINATE ``MALFORMED_PDF``), never VALID; the sealed document untouched is VALID, and
filling in the one field that was empty when sealed is only "possibly harmless" (no
over-rejection). The defence is the post-seal difference analysis: the seal itself stays
intact and its signed revision can be cut out (``signed_revision_bytes``).
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest

from openseal.core.verification import reasons as R
from openseal.core.verification import verify_pdf
from tests.support.attacks_shadow import MANIPULATIONS, fill_empty_field, shadow_source
from tests.support.instance import TestInstance
from tests.support.tools import require_tool

ACCEPTED = {(R.INVALID, R.MODIFIED_AFTER_SEAL), (R.INDETERMINATE, R.MALFORMED_PDF)}


@pytest.fixture(scope="module")
def sealed(sealing_instance: TestInstance) -> bytes:
    return sealing_instance.seal(shadow_source())


@pytest.fixture(scope="module")
def sealed_twice(sealing_instance: TestInstance, sealed: bytes) -> bytes:
    return sealing_instance.seal(sealed, seal_type="official", x=120, y=40)


def render(pdf: bytes) -> bytes:
    """Page 1 as poppler draws it (grey, 36 dpi)."""
    pdftoppm = require_tool("pdftoppm")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp, "in.pdf")
        src.write_bytes(pdf)
        subprocess.run([pdftoppm, "-r", "36", "-gray", "-f", "1", "-l", "1", str(src),
                        str(Path(tmp, "page"))], check=True, capture_output=True, timeout=60)
        (page,) = Path(tmp).glob("page*.pgm")
        return page.read_bytes()


def test_A2_shadow_corpus_controls_are_valid(sealing_instance: TestInstance, sealed: bytes,
                                             sealed_twice: bytes) -> None:
    for data in (sealed, sealed_twice):
        report = verify_pdf(data, sealing_instance.roots)
        assert report.verdict == R.VALID, report.to_dict()
        assert report.reasons == ()


@pytest.mark.parametrize("name", list(MANIPULATIONS))
def test_A2_shadow_corpus_manipulated_never_valid(sealing_instance: TestInstance,
                                                  sealed: bytes, name: str) -> None:
    attacked = MANIPULATIONS[name](sealed)
    assert attacked.startswith(sealed)  # an incremental update of the sealed file
    report = verify_pdf(attacked, sealing_instance.roots, filename=f"{name}.pdf")
    assert any(report.verdict == v and code in report.reasons for v, code in ACCEPTED), \
        report.to_dict()
    assert all(s.verdict != R.VALID for s in report.signatures)
    if report.verdict == R.INVALID:
        (seal,) = report.signatures
        assert seal.intact is True and R.SIGNATURE_BROKEN not in seal.reasons
        assert seal.signed_revision_bytes == len(sealed)  # the sealed revision, to offer
        assert attacked[:seal.signed_revision_bytes] == sealed


@pytest.mark.parametrize("name", list(MANIPULATIONS))
def test_A2_shadow_corpus_manipulated_after_two_seals(sealing_instance: TestInstance,
                                                      sealed_twice: bytes, name: str) -> None:
    report = verify_pdf(MANIPULATIONS[name](sealed_twice), sealing_instance.roots)
    assert report.verdict in (R.INVALID, R.INDETERMINATE), report.to_dict()
    assert {R.MODIFIED_AFTER_SEAL, R.MALFORMED_PDF} & set(report.reasons), report.to_dict()
    assert all(s.verdict != R.VALID for s in report.signatures)


@pytest.mark.tools
@pytest.mark.parametrize("name", list(MANIPULATIONS))
def test_A2_shadow_corpus_attacks_are_real(sealed: bytes, name: str) -> None:
    """Each variant changes what a viewer shows: otherwise the test would prove nothing."""
    assert render(MANIPULATIONS[name](sealed)) != render(sealed), name


def test_A2_shadow_corpus_filling_an_empty_field_is_possibly_harmless(
        sealing_instance: TestInstance, sealed: bytes) -> None:
    """Guard against over-rejection: a field that was empty when sealed, filled in later, is
    "changed after sealing, possibly harmless", not "modified" (nothing sealed was replaced)."""
    report = verify_pdf(fill_empty_field(sealed), sealing_instance.roots)
    assert report.verdict == R.INDETERMINATE, report.to_dict()
    assert report.reasons == (R.CHANGED_AFTER_SEAL_POSSIBLY_HARMLESS,)
    assert report.signatures[0].modification == "FORM_FILLING"
