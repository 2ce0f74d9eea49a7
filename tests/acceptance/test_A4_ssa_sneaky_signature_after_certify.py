"""A4 ssa_sneaky_signature_after_certify: the Sneaky Signature Attack (Rohlmann et al.,
IEEE S&P 2021).

A document certified by an OpenSeal seal with DocMDP P2 (form filling and signing allowed)
gets, by an incremental update, a *new visible* signature field whose appearance sits over
the content, signed validly by another certificate: another OpenSeal seal (trusted) or an
outsider. The company seal's certification is INVALID ``MODIFIED_AFTER_SEAL``; the extra
signature is listed as its own entry with its own verdict; the document is INVALID. The
latest signature being valid never makes the document VALID.

Controls (what P2 does allow): a second seal in an invisible new field, or in the empty
field the certifier prepared, leaves everything VALID. P1 allows no signature at all.
"""

from __future__ import annotations

import pytest
from cryptography import x509 as cx509
from cryptography.x509.oid import NameOID
from pyhanko.sign import signers
from pyhanko.sign.fields import MDPPerm

from openseal.core.verification import reasons as R
from openseal.core.verification import verify_pdf
from tests.support.attacks import (
    add_empty_signature_field,
    certify_with_seal,
    make_pki,
    seal_signer,
    sign_existing_field,
    sign_new_field,
)
from tests.support.instance import TestInstance
from tests.support.pdfs import reportlab_pdf

SNEAKY_BOX = (60, 700, 420, 790)  # over the title and the parties' names


@pytest.fixture(scope="module")
def certified_p2(sealing_instance: TestInstance) -> bytes:
    return certify_with_seal(sealing_instance, reportlab_pdf(), MDPPerm.FILL_FORMS)


def other_signers(instance: TestInstance) -> dict[str, signers.Signer]:
    outsider = make_pki(cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "Mallory")]))
    return {"another-openseal-seal": seal_signer(instance, "official")[0],
            "outsider": outsider.signer()}


@pytest.mark.parametrize("who", ["another-openseal-seal", "outsider"])
def test_A4_ssa_sneaky_signature_after_certify(sealing_instance: TestInstance,
                                               certified_p2: bytes, who: str) -> None:
    signer = other_signers(sealing_instance)[who]
    attacked = sign_new_field(certified_p2, signer, "Sneaky", SNEAKY_BOX)
    report = verify_pdf(attacked, sealing_instance.roots)
    data = report.to_dict()
    assert report.verdict == R.INVALID, data
    assert R.MODIFIED_AFTER_SEAL in report.reasons
    company, extra = report.signatures
    assert company.field == "OpenSealCert" and company.organization == "北京开源印章科技有限公司"
    assert company.verdict == R.INVALID and R.MODIFIED_AFTER_SEAL in company.reasons
    assert company.intact is True and company.trusted is True  # not "forged": modified
    assert company.signed_revision_bytes == len(certified_p2)
    assert extra.field == "Sneaky" and extra.coverage == "ENTIRE_FILE"
    assert R.MODIFIED_AFTER_SEAL not in extra.reasons  # judged on its own
    if who == "another-openseal-seal":
        assert extra.verdict == R.VALID and extra.trusted is True  # the latest is valid...
    else:
        assert extra.verdict == R.INDETERMINATE and R.UNTRUSTED_SIGNER in extra.reasons
    assert [s["field"] for s in data["signatures"]] == ["OpenSealCert", "Sneaky"]
    assert data["verdict"] == R.INVALID  # ...and the document is still INVALID


def test_A4_sneaky_signature_on_p1_certification(sealing_instance: TestInstance) -> None:
    certified = certify_with_seal(sealing_instance, reportlab_pdf(), MDPPerm.NO_CHANGES)
    signer, _ = seal_signer(sealing_instance, "official")
    for box in (SNEAKY_BOX, None):  # P1: not even an invisible signature
        attacked = sign_new_field(certified, signer, "Sneaky", box, ignore_docmdp=True)
        report = verify_pdf(attacked, sealing_instance.roots)
        assert report.verdict == R.INVALID, report.to_dict()
        assert R.MODIFIED_AFTER_SEAL in report.signatures[0].reasons


def test_A4_invisible_countersignature_after_p2_is_valid(sealing_instance: TestInstance,
                                                         certified_p2: bytes) -> None:
    signer, tsa = seal_signer(sealing_instance, "official")
    signed = sign_new_field(certified_p2, signer, "Countersign", timestamper=tsa)
    report = verify_pdf(signed, sealing_instance.roots)
    assert report.verdict == R.VALID, report.to_dict()
    assert report.signatures[0].modification in ("LTA_UPDATES", "FORM_FILLING")


def test_A4_signing_the_prepared_field_after_p2_is_valid(sealing_instance: TestInstance) -> None:
    prepared = add_empty_signature_field(reportlab_pdf(), "Countersign", (300, 60, 420, 120))
    certified = certify_with_seal(sealing_instance, prepared, MDPPerm.FILL_FORMS)
    signer, _ = seal_signer(sealing_instance, "official")
    report = verify_pdf(sign_existing_field(certified, signer, "Countersign"),
                        sealing_instance.roots)
    assert report.verdict == R.VALID, report.to_dict()
    assert [s.verdict for s in report.signatures] == [R.VALID, R.VALID]
    assert report.signatures[0].modification == "FORM_FILLING"
