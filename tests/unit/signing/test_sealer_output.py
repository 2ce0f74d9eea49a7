"""The optimised sealer still produces valid PAdES B-T seals (pyHanko and poppler agree)."""

from __future__ import annotations

import hashlib
import io
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from asn1crypto import cms, tsp
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import simple_cms_attribute
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from openseal.core.signing.cms_parts import CmsParts, signature_timestamp_attrs
from openseal.core.signing.pdf import SealRequest
from tests.support.instance import TestInstance
from tests.support.tools import require_tool


def _last_signature(pdf: bytes):  # type: ignore[no-untyped-def]
    return PdfFileReader(io.BytesIO(pdf)).embedded_signatures[-1]


def _assert_valid(pdf: bytes, instance: TestInstance) -> None:
    context = ValidationContext(trust_roots=instance.roots, allow_fetching=False)
    status = validate_pdf_signature(_last_signature(pdf), signer_validation_context=context,
                                    ts_validation_context=context)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    ts = status.timestamp_validity
    assert ts is not None and ts.intact and ts.valid and ts.trusted


def _tst_info(pdf: bytes) -> tsp.TSTInfo:
    signer_info = _last_signature(pdf).signer_info
    token = signer_info["unsigned_attrs"][0]["values"][0]
    return token["content"]["encap_content_info"]["content"].parsed


def _reencoded(value):  # type: ignore[no-untyped-def]
    """A fresh copy of ``value`` made from asn1crypto's own encoding of it (untagged)."""
    return type(value).load(value.untag().dump(force=True))


def test_sealed_document_validates_with_pyhanko(
    sealing_instance: TestInstance, sample_pdf: bytes
) -> None:
    _assert_valid(sealing_instance.seal(sample_pdf), sealing_instance)


def test_pdfsig_accepts_the_whole_document(
    sealing_instance: TestInstance, sample_pdf: bytes, tmp_path: Path
) -> None:
    pdfsig = require_tool("pdfsig")
    path = tmp_path / "sealed.pdf"
    path.write_bytes(sealing_instance.seal(sample_pdf))
    out = subprocess.run([pdfsig, str(path)], capture_output=True, text=True).stdout
    assert "Signature is Valid." in out, out
    assert "Total document signed" in out, out


def test_one_sealer_serves_two_threads_at_once(
    sealing_instance: TestInstance, sample_pdf: bytes
) -> None:
    with sealing_instance.wiring.context() as c:
        sealer = sealing_instance.cache.get(sealing_instance.seals["contract"], c.pki,
                                            c.keystore)
    with ThreadPoolExecutor(max_workers=2) as pool:
        outputs = list(pool.map(lambda _: sealer.seal(sample_pdf, SealRequest())[0],
                                range(2)))
    for pdf in outputs:
        _assert_valid(pdf, sealing_instance)


def test_each_document_gets_its_own_timestamp(
    sealing_instance: TestInstance, sample_pdf: bytes
) -> None:
    first, second = (_tst_info(sealing_instance.seal(sample_pdf)) for _ in range(2))
    assert first["serial_number"].native != second["serial_number"].native
    assert first["message_imprint"].dump() != second["message_imprint"].dump()


def test_preencoded_signed_data_equals_asn1crypto_encoding(
    sealing_instance: TestInstance, sample_pdf: bytes
) -> None:
    """The DER joined from pre-encoded parts is what asn1crypto would encode itself.

    Every parsed input is re-encoded by asn1crypto (``dump(force=True)``) once, on its own,
    and the expected structure is built from those encodings: the same bytes as a forced
    dump of the whole tree, which re-encodes the nested values over and over (a minute)."""
    signer_info = _last_signature(sealing_instance.seal(sample_pdf)).signer_info
    with sealing_instance.wiring.context() as c:
        seal = sealing_instance.seals["contract"]
        cert, chain = c.pki.certificate(seal.cert_id), c.pki.chain(seal.cert_id)
    parts = CmsParts.build(cert, chain, signer_info["signature_algorithm"])
    digest = bytes(range(32))
    attrs = parts.signed_attrs(digest)
    got = parts.signed_data(attrs, b"sig", signer_info["unsigned_attrs"])
    expected = cms.ContentInfo({"content_type": "signed_data", "content": {
        "version": "v1", "digest_algorithms": [{"algorithm": "sha256"}],
        "encap_content_info": {"content_type": "data"},
        "certificates": [cms.CertificateChoices(name="certificate", value=_reencoded(x))
                         for x in (cert, *chain)],
        "signer_infos": [{
            "version": "v1", "sid": {"issuer_and_serial_number": {
                "issuer": _reencoded(cert.issuer), "serial_number": cert.serial_number}},
            "digest_algorithm": {"algorithm": "sha256"},
            "signed_attrs": _reencoded(cms.CMSAttributes.load(attrs.dump())),
            "signature_algorithm": _reencoded(signer_info["signature_algorithm"]),
            "signature": b"sig",
            "unsigned_attrs": _reencoded(signer_info["unsigned_attrs"])}]}})
    assert got.dump() == expected.dump()
    assert simple_cms_attribute("message_digest", digest).dump() in attrs.dump()


def test_timestamp_attribute_is_asn1crypto_encoding_over_the_signature(
    sealing_instance: TestInstance, sample_pdf: bytes
) -> None:
    """The unsigned attributes joined from the token's DER: what pyHanko's default provider
    would build, a timestamp on the SHA-256 of this signature's value."""
    signer_info = _last_signature(sealing_instance.seal(sample_pdf)).signer_info
    unsigned = signer_info["unsigned_attrs"]
    token = unsigned[0]["values"][0]
    expected = cms.CMSAttributes([simple_cms_attribute("signature_time_stamp_token", token)])
    assert unsigned.untag().dump() == expected.dump(force=True)
    assert signature_timestamp_attrs(token).dump() == expected.dump(force=True)
    imprint = token["content"]["encap_content_info"]["content"].parsed["message_imprint"]
    assert imprint["hashed_message"].native == hashlib.sha256(
        signer_info["signature"].native).digest()
