"""A3 eaa_annotation_after_seal: the Evil Annotation Attack (Rohlmann, Mladenov, Mainka,
Schwenk: "Breaking the Specification: PDF Certification", IEEE S&P 2021).

A FreeText or Stamp annotation whose appearance paints a white box and new text over the
sealed content, added by an incremental update:
- to a document certified by an OpenSeal seal with DocMDP P1 (no changes) or P2 (form
  filling and signing only): INVALID ``MODIFIED_AFTER_SEAL``, DocMDP forbids annotations;
- with P3 (annotations allowed) and on OpenSeal's usual approval seal: INVALID as well. An
  overlay writes new words on the page; only reviewer's marks are "possibly harmless" (A11),
  and a "highlight" whose appearance writes text is an overlay too.
The seal itself stays intact, and the report gives the length of the signed revision, so a
UI can offer exactly what was sealed: ``data[:signed_revision_bytes]`` is the certified
document, and it verifies VALID on its own.

OpenSeal's sealing service makes approval seals only; the certification seals are made here
with the seal's own key, certificate and TSA through pyHanko (tests/support/attacks.py).
"""

from __future__ import annotations

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.sign.fields import MDPPerm

from openseal.core.verification import reasons as R
from openseal.core.verification import verify_pdf
from tests.support.attacks import add_annotation, certify_with_seal, overlay_appearance
from tests.support.instance import TestInstance
from tests.support.pdfs import reportlab_pdf

PERMISSIONS = {"P1": MDPPerm.NO_CHANGES, "P2": MDPPerm.FILL_FORMS, "P3": MDPPerm.ANNOTATE}
OVERLAYS = ("/FreeText", "/Stamp")


@pytest.fixture(scope="module")
def certified(sealing_instance: TestInstance) -> dict[str, bytes]:
    pdf = reportlab_pdf()
    return {name: certify_with_seal(sealing_instance, pdf, perm)
            for name, perm in PERMISSIONS.items()}


@pytest.fixture(scope="module")
def approval_sealed(sealing_instance: TestInstance) -> bytes:
    return sealing_instance.seal(reportlab_pdf())


def assert_modified_with_signed_revision(instance: TestInstance, attacked: bytes,
                                         original: bytes) -> None:
    report = verify_pdf(attacked, instance.roots)
    assert report.verdict == R.INVALID, report.to_dict()
    assert R.MODIFIED_AFTER_SEAL in report.reasons
    assert R.SIGNATURE_BROKEN not in report.reasons
    (seal,) = report.signatures
    assert seal.intact is True and seal.valid is True and seal.trusted is True
    assert seal.signed_revision_bytes == len(original)
    assert report.to_dict()["signatures"][0]["signed_revision_bytes"] == len(original)
    signed = attacked[:seal.signed_revision_bytes]
    assert signed == original
    assert verify_pdf(signed, instance.roots).verdict == R.VALID


def test_A3_certified_documents_are_valid(sealing_instance: TestInstance,
                                          certified: dict[str, bytes]) -> None:
    for name, data in certified.items():
        report = verify_pdf(data, sealing_instance.roots)
        assert report.verdict == R.VALID, (name, report.to_dict())
        (seal,) = report.signatures
        assert (seal.organization, seal.pades_level) == ("北京开源印章科技有限公司", "B-T")


@pytest.mark.parametrize("subtype", OVERLAYS)
@pytest.mark.parametrize("perm", list(PERMISSIONS))
def test_A3_eaa_annotation_after_seal_on_certified_document(
        sealing_instance: TestInstance, certified: dict[str, bytes], perm: str,
        subtype: str) -> None:
    attacked = add_annotation(certified[perm], subtype, appearance=overlay_appearance())
    assert_modified_with_signed_revision(sealing_instance, attacked, certified[perm])


@pytest.mark.parametrize("subtype", OVERLAYS)
def test_A3_eaa_annotation_after_seal_on_approval_seal(
        sealing_instance: TestInstance, approval_sealed: bytes, subtype: str) -> None:
    attacked = add_annotation(approval_sealed, subtype, appearance=overlay_appearance())
    assert_modified_with_signed_revision(sealing_instance, attacked, approval_sealed)


@pytest.mark.parametrize("subtype", OVERLAYS)
def test_A3_eaa_annotation_without_appearance_is_still_modified(
        sealing_instance: TestInstance, approval_sealed: bytes, subtype: str) -> None:
    """A viewer draws a FreeText's text (and a Stamp's icon) even without /AP."""
    attacked = add_annotation(approval_sealed, subtype)
    assert_modified_with_signed_revision(sealing_instance, attacked, approval_sealed)


@pytest.mark.parametrize("subtype", ["/Highlight", "/Text", "/Square"])
def test_A3_eaa_disguised_as_reviewer_mark(sealing_instance: TestInstance,
                                           approval_sealed: bytes, subtype: str) -> None:
    """A reviewer's mark whose appearance writes text is an overlay, not a comment."""
    attacked = add_annotation(approval_sealed, subtype, appearance=overlay_appearance())
    assert_modified_with_signed_revision(sealing_instance, attacked, approval_sealed)


def test_A3_eaa_reviewer_mark_with_an_action(sealing_instance: TestInstance,
                                             approval_sealed: bytes) -> None:
    """A sticky note that runs JavaScript (or opens a link) when clicked is not a comment."""
    action = generic.DictionaryObject({
        pdf_name("/S"): pdf_name("/JavaScript"),
        pdf_name("/JS"): generic.TextStringObject("app.alert('paid');")})
    attacked = add_annotation(approval_sealed, "/Text", extra={pdf_name("/A"): action})
    assert_modified_with_signed_revision(sealing_instance, attacked, approval_sealed)


@pytest.mark.parametrize("perm", ["P1", "P2"])
def test_A3_even_a_plain_highlight_breaks_a_p1_p2_certification(
        sealing_instance: TestInstance, certified: dict[str, bytes], perm: str) -> None:
    """DocMDP P1/P2 forbid every annotation, harmless-looking or not."""
    attacked = add_annotation(certified[perm], "/Highlight")
    assert_modified_with_signed_revision(sealing_instance, attacked, certified[perm])
