"""A7 legit_countersignature_ok: what happens to sealed documents every day raises no alarm.

- our approval seal + a second OpenSeal approval seal: both VALID, the first FORM_FILLING;
  also on a document with a filled-in form field (pyHanko lists every form field as
  "changed" after any form filling; the verifier compares the fields itself);
- our seal + validation data (DSS) + a document timestamp from our TSA (pyHanko's
  ``add_validation_info`` and ``PdfTimeStamper``, revocation data supplied locally): all
  VALID, LTA_UPDATES, the seal B-LT / B-LTA; checked with the instance's own policy
  (revocation required for our seals, our CRLs) and over ``POST /api/v1/verify``.
And the negative: a document timestamp does not whitewash a later replaced page.
"""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.validation import add_validation_info
from pyhanko_certvalidator import ValidationContext

from openseal.core.verification import VerificationPolicy, verify_pdf
from openseal.core.verification import reasons as R
from openseal.core.verification.policy import local_revocation_policy
from openseal.interfaces.api.app import create_app
from tests.support import producers
from tests.support.attacks import replace_page_content, seal_signer
from tests.support.instance import TestInstance
from tests.support.pdfs import reportlab_pdf


def our_policy(instance: TestInstance) -> VerificationPolicy:
    with instance.wiring.context() as c:
        return local_revocation_policy(c.pki.revocation_lists())


def local_context(instance: TestInstance) -> ValidationContext:
    policy = our_policy(instance)
    return ValidationContext(trust_roots=instance.roots, crls=list(policy.crls),
                             allow_fetching=False, revocation_mode="require")


def with_dss(instance: TestInstance, pdf: bytes) -> bytes:
    """The validation data of the (first) signature added in a DSS update."""
    embedded = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    out = io.BytesIO()
    add_validation_info(embedded, local_context(instance), output=out)
    return out.getvalue()


def with_document_timestamp(instance: TestInstance, pdf: bytes) -> bytes:
    """A document timestamp from our TSA (and, as pyHanko does, its validation data)."""
    _, tsa = seal_signer(instance)
    out = io.BytesIO()
    signers.PdfTimeStamper(tsa).timestamp_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)), "sha256", local_context(instance),
        output=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def sealed(sealing_instance: TestInstance) -> bytes:
    return sealing_instance.seal(reportlab_pdf())


def assert_all_valid(instance: TestInstance, data: bytes) -> list[dict[str, object]]:
    for policy in (VerificationPolicy(), our_policy(instance)):
        report = verify_pdf(data, instance.roots, policy=policy)
        assert report.verdict == R.VALID, report.to_dict()
        assert report.reasons == ()
        assert all(s.verdict == R.VALID and s.reasons == () for s in report.signatures)
    return report.to_dict()["signatures"]  # type: ignore[no-any-return]


def test_A7_legit_countersignature_ok_two_seals(sealing_instance: TestInstance,
                                                sealed: bytes) -> None:
    twice = sealing_instance.seal(sealed, seal_type="official", x=110, y=40)
    first, second = assert_all_valid(sealing_instance, twice)
    assert (first["modification"], second["modification"]) == ("FORM_FILLING", "NONE")
    assert (first["seal_name"], second["seal_name"]) == ("合同专用章", "公章")
    assert first["signed_revision_bytes"] == len(sealed)
    assert second["signed_revision_bytes"] == len(twice)


def test_A7_legit_countersignature_ok_two_seals_on_a_form(
        sealing_instance: TestInstance) -> None:
    once = sealing_instance.seal(producers.with_form_field(), x=100, y=120)
    twice = sealing_instance.seal(once, seal_type="official", x=140, y=120)
    first, _ = assert_all_valid(sealing_instance, twice)
    assert first["modification"] == "FORM_FILLING"


def test_A7_legit_countersignature_ok_dss(sealing_instance: TestInstance,
                                          sealed: bytes) -> None:
    (seal,) = assert_all_valid(sealing_instance, with_dss(sealing_instance, sealed))
    assert (seal["modification"], seal["pades_level"]) == ("LTA_UPDATES", "B-LT")


def test_A7_legit_countersignature_ok_lta(sealing_instance: TestInstance,
                                          sealed: bytes) -> None:
    lta = with_document_timestamp(sealing_instance, with_dss(sealing_instance, sealed))
    seal, timestamp = assert_all_valid(sealing_instance, lta)
    assert (seal["modification"], seal["pades_level"]) == ("LTA_UPDATES", "B-LTA")
    assert timestamp["modification"] in ("NONE", "LTA_UPDATES")
    assert timestamp["timestamp_time"] is not None


def test_A7_legit_countersignature_ok_two_seals_then_lta(sealing_instance: TestInstance,
                                                         sealed: bytes) -> None:
    twice = sealing_instance.seal(sealed, seal_type="official", x=110, y=40)
    signatures = assert_all_valid(sealing_instance,
                                  with_document_timestamp(sealing_instance, twice))
    assert [s["modification"] for s in signatures] == [
        "FORM_FILLING", "LTA_UPDATES", "LTA_UPDATES"]


def test_A7_legit_countersignature_ok_over_the_api(sealing_instance: TestInstance,
                                                   sealed: bytes) -> None:
    lta = with_document_timestamp(sealing_instance, sealed)
    client = TestClient(create_app(sealing_instance.wiring), raise_server_exceptions=False)
    answer = client.post("/api/v1/verify", files={"file": ("lta.pdf", lta)})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["verdict"], body["reasons"]) == (R.VALID, []), body
    assert [s["verdict"] for s in body["signatures"]] == [R.VALID, R.VALID]


def test_A7_timestamp_does_not_whitewash_a_later_change(sealing_instance: TestInstance,
                                                        sealed: bytes) -> None:
    lta = with_document_timestamp(sealing_instance, sealed)
    report = verify_pdf(replace_page_content(lta), sealing_instance.roots)
    assert report.verdict == R.INVALID, report.to_dict()
    assert all(R.MODIFIED_AFTER_SEAL in s.reasons for s in report.signatures)
