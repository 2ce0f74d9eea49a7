"""A11 third_party_multisig_wording: legitimate changes are worded "changed after sealing;
cannot confirm the changes are harmless" (``CHANGED_AFTER_SEAL_POSSIBLY_HARMLESS``, family
"changed"), never "signature broken", and the signed revision can be downloaded.

- A document certified with DocMDP P2 by a third party, then signed by a second party in a
  new *visible* signature field (what Acrobat users do; pyHanko rejects it after any
  certification). The certifier is not a seal this platform knows, so the change is read as
  Acrobat reads P2: permitted, but the new appearance may cover content. The same when the
  second party is OpenSeal itself (our seal on a third-party certified contract).
- Our seal, then a reviewer's highlight.
Negatives: the same certified document with anything else changed too, with the certifier
trusted (then the strict reading of A4 applies), or certified P1, is "modified"; a highlight
that writes text is "modified" (A3).
"""

from __future__ import annotations

import pytest
from cryptography import x509 as cx509
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient
from pyhanko.sign.fields import MDPPerm

from openseal.core.verification import reasons as R
from openseal.core.verification import verify_pdf
from openseal.interfaces.api.app import create_app
from tests.support.attacks import (
    Pki,
    add_annotation,
    make_pki,
    replace_page_content,
    sign_new_field,
)
from tests.support.instance import TestInstance
from tests.support.pdfs import reportlab_pdf

CERTIFIER_BOX = (72, 60, 200, 120)
SECOND_BOX = (300, 60, 420, 120)
HIGHLIGHT_AP = b"/GS0 gs 1 1 0 rg 0 0 360 35 re f"  # a yellow box, no text


def party(common_name: str, organization: str) -> Pki:
    return make_pki(cx509.Name([cx509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
                                cx509.NameAttribute(NameOID.COMMON_NAME, common_name)]))


@pytest.fixture(scope="module")
def parties() -> dict[str, Pki]:
    return {"certifier": party("Contracts", "Elsewhere Ltd."),
            "second": party("Purchasing", "Second Party Ltd.")}


def certified(parties: dict[str, Pki], perm: MDPPerm = MDPPerm.FILL_FORMS) -> bytes:
    return sign_new_field(reportlab_pdf(), parties["certifier"].signer(), "Certifier",
                          CERTIFIER_BOX, certify=perm)


def assert_changed_wording(instance: TestInstance, data: bytes, original: bytes,
                           roots: list[object] | None = None) -> None:
    report = verify_pdf(data, roots if roots is not None else instance.roots)
    codes = set(report.reasons)
    assert R.CHANGED_AFTER_SEAL_POSSIBLY_HARMLESS in codes, report.to_dict()
    assert not codes & {R.SIGNATURE_BROKEN, R.MODIFIED_AFTER_SEAL}, report.to_dict()
    assert report.verdict == R.INDETERMINATE
    assert R.family_of(report.reasons) == R.CHANGED
    first = report.signatures[0]
    assert first.intact is True and first.valid is True
    assert R.CHANGED_AFTER_SEAL_POSSIBLY_HARMLESS in first.reasons
    assert first.signed_revision_bytes == len(original)
    assert data[:first.signed_revision_bytes] == original  # the signed revision, downloadable
    en = report.summary("en")
    assert "changed after sealing" in en and "cannot be confirmed" in en
    assert "盖章后文件有改动" in report.summary("zh")


def test_A11_third_party_multisig_wording(sealing_instance: TestInstance,
                                          parties: dict[str, Pki]) -> None:
    original = certified(parties)
    signed = sign_new_field(original, parties["second"].signer(), "Second", SECOND_BOX)
    assert_changed_wording(sealing_instance, signed, original)
    second = verify_pdf(signed, sealing_instance.roots).signatures[1]
    assert second.field == "Second" and second.coverage == "ENTIRE_FILE"


def test_A11_third_party_certified_then_sealed_by_us(sealing_instance: TestInstance,
                                                     parties: dict[str, Pki]) -> None:
    original = certified(parties)
    sealed = sealing_instance.seal(original)
    assert_changed_wording(sealing_instance, sealed, original)
    ours = verify_pdf(sealed, sealing_instance.roots).signatures[1]
    assert ours.verdict == R.VALID and ours.organization == "北京开源印章科技有限公司"


def test_A11_reviewer_highlight_after_our_seal(sealing_instance: TestInstance) -> None:
    sealed = sealing_instance.seal(reportlab_pdf())
    for appearance in (None, HIGHLIGHT_AP):
        marked = add_annotation(sealed, "/Highlight", appearance=appearance)
        assert_changed_wording(sealing_instance, marked, sealed)
        assert verify_pdf(marked, sealing_instance.roots).signatures[0].modification == \
            "ANNOTATIONS"


def test_A11_signed_revision_over_the_api(sealing_instance: TestInstance) -> None:
    sealed = sealing_instance.seal(reportlab_pdf())
    marked = add_annotation(sealed, "/Highlight", appearance=HIGHLIGHT_AP)
    client = TestClient(create_app(sealing_instance.wiring), raise_server_exceptions=False)
    body = client.post("/api/v1/verify", files={"file": ("m.pdf", marked)}).json()
    assert body["reasons"] == [R.CHANGED_AFTER_SEAL_POSSIBLY_HARMLESS], body
    cut = body["signatures"][0]["signed_revision_bytes"]
    assert marked[:cut] == sealed
    again = client.post("/api/v1/verify", files={"file": ("s.pdf", marked[:cut])}).json()
    assert again["verdict"] == R.VALID, again


def test_A11_other_changes_too_are_modified(sealing_instance: TestInstance,
                                            parties: dict[str, Pki]) -> None:
    signed = sign_new_field(certified(parties), parties["second"].signer(), "Second",
                            SECOND_BOX)
    report = verify_pdf(replace_page_content(signed), sealing_instance.roots)
    assert report.verdict == R.INVALID and R.MODIFIED_AFTER_SEAL in report.reasons


def test_A11_trusted_certifier_is_read_strictly(sealing_instance: TestInstance,
                                                parties: dict[str, Pki]) -> None:
    signed = sign_new_field(certified(parties), parties["second"].signer(), "Second",
                            SECOND_BOX)
    roots = [parties["certifier"].root, parties["second"].root]
    report = verify_pdf(signed, roots)
    assert report.verdict == R.INVALID, report.to_dict()
    assert R.MODIFIED_AFTER_SEAL in report.signatures[0].reasons


def test_A11_p1_certification_allows_no_second_signature(sealing_instance: TestInstance,
                                                         parties: dict[str, Pki]) -> None:
    signed = sign_new_field(certified(parties, MDPPerm.NO_CHANGES), parties["second"].signer(),
                            "Second", SECOND_BOX, ignore_docmdp=True)
    report = verify_pdf(signed, sealing_instance.roots)
    assert R.MODIFIED_AFTER_SEAL in report.signatures[0].reasons, report.to_dict()
    assert report.verdict == R.INVALID


def test_A11_families_word_every_code_once() -> None:
    assert set(R.FAMILY) == set(R.REASONS)
    assert set(R.FAMILY.values()) <= set(R.FAMILY_ORDER)
    assert R.family_of(()) is None
    assert R.family_of((R.NO_TIMESTAMP,)) == R.OTHER
    assert R.family_of((R.UNTRUSTED_SIGNER, R.CHANGED_AFTER_SEAL_POSSIBLY_HARMLESS)) == R.CHANGED
    assert R.family_of((R.CHANGED_AFTER_SEAL_POSSIBLY_HARMLESS, R.MODIFIED_AFTER_SEAL)) == \
        R.BROKEN
    assert R.family(R.SIGNATURE_BROKEN) != R.family(R.CHANGED_AFTER_SEAL_POSSIBLY_HARMLESS)
    assert R.family(R.UNSIGNED_TRAILING_DATA) == R.CHANGED
    assert {R.family(c) for c in (R.UNTRUSTED_SIGNER, R.TEST_SEAL)} == {R.UNKNOWN_SIGNER}
    for name in R.FAMILY_ORDER:
        assert R.family_text(name, "zh") != R.family_text(name, "en")
