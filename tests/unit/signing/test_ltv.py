"""PAdES B-LT and B-LTA (``level``): the document security store carries what validates the
seal offline, a B-LTA document timestamp covers it all, and independent validators accept
the output."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore

from openseal.core.signing.pdf import SealRequest
from openseal.core.signing.service import seal_document
from openseal.core.verification import verify_pdf
from openseal.core.verification.policy import local_revocation_policy
from openseal.errors import InvalidInput
from openseal.interfaces.cli.operator import operator
from tests.support.instance import TestInstance
from tests.support.pdfs import reportlab_pdf
from tests.support.tools import require_tool


def _sealed(instance: TestInstance, level: str) -> bytes:
    with instance.wiring.context() as c:
        done = seal_document(c.repos, c.pki, c.keystore, c.clock, instance.cache,
                             instance.seals["contract"].id, reportlab_pdf(title=level),
                             SealRequest(), audit=c.audit, principal=operator(instance.org.id),
                             level=level)
    return done.pdf


def _report(instance: TestInstance, pdf: bytes) -> object:
    with instance.wiring.context() as c:
        crls = c.pki.revocation_lists()
    return verify_pdf(pdf, instance.roots, policy=local_revocation_policy(crls))


def _independent(pdf: bytes, tmp_path: Path) -> None:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    qpdf = subprocess.run([require_tool("qpdf"), "--check", str(path)], capture_output=True,
                          text=True, timeout=60)
    assert qpdf.returncode == 0, qpdf.stdout + qpdf.stderr
    out = subprocess.run([require_tool("pdfsig"), str(path)], capture_output=True, text=True,
                         timeout=60).stdout
    assert "Signature Validation: Signature is Valid." in out, out


@pytest.mark.parametrize("level", ["B-LT", "B-LTA"])
def test_level_is_reached_and_accepted(sealing_instance: TestInstance, level: str,
                                       tmp_path: Path) -> None:
    pdf = _sealed(sealing_instance, level)
    report = _report(sealing_instance, pdf)
    assert report.verdict == "VALID", report.to_dict()  # type: ignore[attr-defined]
    assert report.signatures[0].pades_level == level  # type: ignore[attr-defined]
    _independent(pdf, tmp_path)


def test_the_dss_alone_validates_the_seal_offline(sealing_instance: TestInstance) -> None:
    """No CRL is handed to the validator: revocation is required (hard-fail) and answered
    from the document's own security store."""
    reader = PdfFileReader(io.BytesIO(_sealed(sealing_instance, "B-LT")))
    dss = DocumentSecurityStore.read_dss(reader)
    assert dss.crls, "the DSS holds OpenSeal's CRLs"
    context = dss.as_validation_context({"trust_roots": sealing_instance.roots,
                                         "allow_fetching": False,
                                         "revocation_mode": "hard-fail"})
    status = validate_pdf_signature(reader.embedded_signatures[0], context)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()


def test_b_lta_adds_a_document_timestamp(sealing_instance: TestInstance) -> None:
    reader = PdfFileReader(io.BytesIO(_sealed(sealing_instance, "B-LTA")))
    kinds = [s.sig_object_type for s in reader.embedded_signatures]
    assert kinds == ["/Sig", "/DocTimeStamp"]


def test_unknown_level_is_refused_before_anything_is_signed(fresh_instance: TestInstance
                                                            ) -> None:
    with pytest.raises(InvalidInput) as caught:
        _sealed(fresh_instance, "B-XYZ")
    assert caught.value.code == "SIGNATURE_LEVEL"
    with fresh_instance.wiring.context() as c:
        assert c.repos.count_sealed_documents() == 0
