"""The verifier: verdicts and reasons for good, broken, tampered and foreign documents."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

import openseal.core.verification.pdf as pdf_module
from openseal.core.verification import VerificationPolicy, judge, verify_pdf
from openseal.core.verification import reasons as R
from openseal.core.verification.byterange import (
    is_standard_byte_range,
    unsigned_trailing_bytes,
)
from tests.support.instance import TestInstance

SIGNATURE_KEYS = {"field", "verdict", "reasons", "signer", "organization", "seal_name",
                  "signing_time", "timestamp_time", "intact", "valid", "trusted", "revoked",
                  "coverage", "modification", "pades_level", "test_seal", "approval",
                  "signed_revision_bytes", "anchor"}


@pytest.fixture(scope="module")
def sealed(sealing_instance: TestInstance, sample_pdf: bytes) -> bytes:
    return sealing_instance.seal(sample_pdf)


def add_annotation(pdf: bytes, subtype: str = "/Highlight") -> bytes:
    """A reviewer's comment on page 1, added by an incremental update."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    page_ref = writer.root["/Pages"].raw_get("/Kids")[0]
    page = page_ref.get_object()
    annot = generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Annot"), pdf_name("/Subtype"): pdf_name(subtype),
        pdf_name("/Rect"): generic.ArrayObject(generic.NumberObject(v)
                                               for v in (72, 700, 300, 720)),
        pdf_name("/Contents"): generic.TextStringObject("reviewed"), pdf_name("/P"): page_ref,
    })
    annots = page["/Annots"]
    annots.append(writer.add_object(annot))
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_sealed_document_is_valid_b_t(sealed: bytes, sealing_instance: TestInstance) -> None:
    report = verify_pdf(sealed, sealing_instance.roots, filename="c.pdf")
    assert report.verdict == "VALID" and report.reasons == ()
    (sig,) = report.to_dict()["signatures"]
    assert sig["verdict"] == "VALID"
    assert sig["pades_level"] == "B-T"
    assert sig["timestamp_time"] and sig["timestamp_time"].endswith("Z")
    assert sig["signing_time"]
    assert sig["organization"] == "北京开源印章科技有限公司"
    assert sig["signer"] == sig["seal_name"] == "合同专用章"
    assert (sig["intact"], sig["valid"], sig["trusted"], sig["revoked"]) == (
        True, True, True, False)
    assert (sig["coverage"], sig["modification"]) == ("ENTIRE_FILE", "NONE")


def test_without_trust_roots_the_signer_is_untrusted(sealed: bytes) -> None:
    report = verify_pdf(sealed, [])
    assert report.verdict != "VALID"
    assert "UNTRUSTED_SIGNER" in report.reasons
    assert report.signatures[0].trusted is False


@pytest.mark.parametrize("data", [b"", b"hello, not a pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
                                  b"%PDF-1.7\n" + b"[" * 100_000])
def test_garbage_is_malformed_not_an_exception(data: bytes) -> None:
    report = verify_pdf(data, [])
    assert report.verdict == "INDETERMINATE"
    assert report.reasons == ("MALFORMED_PDF",)


def test_truncated_sealed_pdf_is_malformed(sealed: bytes) -> None:
    report = verify_pdf(sealed[: len(sealed) * 6 // 10], [])
    assert (report.verdict, report.reasons) == ("INDETERMINATE", ("MALFORMED_PDF",))


def test_unsigned_pdf_has_no_signatures(sample_pdf: bytes,
                                        sealing_instance: TestInstance) -> None:
    report = verify_pdf(sample_pdf, sealing_instance.roots)
    assert (report.verdict, report.reasons) == ("INDETERMINATE", ("NO_SIGNATURES",))


def test_two_seals_are_both_valid(sealed: bytes, sealing_instance: TestInstance) -> None:
    twice = sealing_instance.seal(sealed, seal_type="official", x=100, y=100)
    report = verify_pdf(twice, sealing_instance.roots)
    assert report.verdict == "VALID", report.to_dict()
    first, second = report.signatures
    assert first.verdict == second.verdict == "VALID"
    assert (first.coverage, first.modification) == ("ENTIRE_REVISION", "FORM_FILLING")
    assert second.seal_name == "公章"


def test_flipped_byte_breaks_the_signature(sealed: bytes,
                                           sealing_instance: TestInstance) -> None:
    data = bytearray(sealed)
    data[1000] ^= 0x01
    report = verify_pdf(bytes(data), sealing_instance.roots)
    assert report.verdict == "INVALID"
    assert {"SIGNATURE_BROKEN", "MODIFIED_AFTER_SEAL"} & set(report.reasons)


def test_annotation_after_seal_is_possibly_harmless(sealed: bytes,
                                                    sealing_instance: TestInstance) -> None:
    report = verify_pdf(add_annotation(sealed), sealing_instance.roots)
    assert report.verdict == "INDETERMINATE"
    assert report.reasons == ("CHANGED_AFTER_SEAL_POSSIBLY_HARMLESS",)
    assert "SIGNATURE_BROKEN" not in report.reasons
    sig = report.signatures[0]
    assert (sig.intact, sig.modification) == (True, "ANNOTATIONS")
    assert R.describe("CHANGED_AFTER_SEAL_POSSIBLY_HARMLESS", "en") != R.describe(
        "SIGNATURE_BROKEN", "en")


def test_to_dict_has_exactly_the_documented_keys(sealed: bytes,
                                                 sealing_instance: TestInstance) -> None:
    data = verify_pdf(sealed, sealing_instance.roots, filename="x.pdf").to_dict()
    assert set(data) == {"file", "format", "sha256", "verdict", "reasons", "signatures",
                         "unsigned_trailing_bytes"}
    assert data["file"] == "x.pdf" and len(data["sha256"]) == 64 and data["format"] == "PDF"
    assert set(data["signatures"][0]) == SIGNATURE_KEYS


def test_summary_in_both_languages(sealed: bytes, sealing_instance: TestInstance) -> None:
    report = verify_pdf(sealed + b"junk" * 10, sealing_instance.roots)
    zh, en = report.summary("zh"), report.summary("en")
    assert "验证结论" in zh and "合同专用章" in zh and "\n" in zh
    assert "Verdict" in en and "UNSIGNED_TRAILING_DATA" in en
    assert verify_pdf(b"", []).summary("en")


@pytest.mark.parametrize("exc", [RecursionError, TypeError, KeyError, AttributeError,
                                 ValueError, MemoryError])
def test_any_exception_while_parsing_is_a_verdict(sealed: bytes, exc: type[Exception],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_: object, **__: object) -> None:
        raise exc("crafted")

    monkeypatch.setattr(pdf_module, "PdfFileReader", boom)
    report = verify_pdf(sealed, [])
    assert (report.verdict, report.reasons) == ("INDETERMINATE", ("MALFORMED_PDF",))


def test_exception_while_validating_is_malformed_signature(
        sealed: bytes, sealing_instance: TestInstance, monkeypatch: pytest.MonkeyPatch) -> None:
    import openseal.core.verification.signature as signature_module

    async def boom(*_: object, **__: object) -> None:
        raise RecursionError("crafted")

    monkeypatch.setattr(signature_module, "async_validate_pdf_signature", boom)
    report = verify_pdf(sealed, sealing_instance.roots)
    assert report.verdict == "INDETERMINATE"
    assert report.reasons == ("MALFORMED_SIGNATURE",)


def test_require_timestamp_policy(sealed: bytes, sealing_instance: TestInstance) -> None:
    strict = VerificationPolicy(require_timestamp=True)
    assert verify_pdf(sealed, sealing_instance.roots, policy=strict).verdict == "VALID"
    with pytest.raises(ValueError):
        VerificationPolicy(revocation_mode="ignore-everything")


def test_weak_digest_is_invalid() -> None:
    status = SimpleNamespace(intact=True, valid=False)
    assert judge.integrity_reasons(status, weak=True) == ["WEAK_ALGORITHM"]
    assert R.verdict_of(("WEAK_ALGORITHM",)) == "INVALID"


def test_invalid_timestamp_is_not_valid() -> None:
    broken = SimpleNamespace(intact=False, valid=False, trusted=False)
    foreign = SimpleNamespace(intact=True, valid=True, trusted=False)
    assert judge.timestamp_reasons(SimpleNamespace(timestamp_validity=broken)) == [
        "TIMESTAMP_INVALID"]
    assert judge.timestamp_reasons(SimpleNamespace(timestamp_validity=foreign)) == [
        "TIMESTAMP_UNTRUSTED"]
    assert R.verdict_of(("TIMESTAMP_INVALID",)) == "INVALID"
    assert R.verdict_of(("TIMESTAMP_UNTRUSTED",)) == "INDETERMINATE"


def test_revoked_and_revocation_unavailable() -> None:
    revoked = SimpleNamespace(revoked=True, trusted=False, intact=True, valid=True)
    later = SimpleNamespace(revoked=False, trusted=False, intact=True, valid=True,
                            trust_problem_indic=SimpleNamespace(name="TRY_LATER"))
    assert judge.trust_reasons(revoked) == ["REVOKED"]
    assert judge.trust_reasons(later) == ["REVOCATION_UNAVAILABLE"]


def test_byte_range_checks() -> None:
    data = b"%PDF-1.7 head <" + b"ab" * 4 + b"> tail"
    a, b = data.index(b"<"), data.index(b">") + 1
    good = [0, a, b, len(data) - b]
    assert is_standard_byte_range(data, good, bytes.fromhex("ab" * 4))
    assert not is_standard_byte_range(data, good, b"other")
    assert not is_standard_byte_range(data, [1, a, b, len(data) - b], None)
    assert not is_standard_byte_range(data, [0, a + 1, b, len(data) - b], None)
    assert not is_standard_byte_range(data, [0, a, b, len(data)], None)
    assert not is_standard_byte_range(data, None, None)


def test_trailing_byte_count() -> None:
    doc = b"1 0 obj\n<<>>\nendobj\nxref\ntrailer\nstartxref\n0\n%%EOF\n"
    assert unsigned_trailing_bytes(doc + b"\r\n", len(doc), {0}, 0) == 0
    assert unsigned_trailing_bytes(doc + b"x" * 10, len(doc), {0}, 0) == 10
