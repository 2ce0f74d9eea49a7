"""Sign a report PDF with the platform's report key: an invisible PAdES B-T signature.

pyHanko does the signing (``PdfSigner``) with our ``KeyStoreSigner`` (the key never leaves
the KeyStore) and the instance's in-process TSA. The signature certifies the report with
"no changes allowed" (DocMDP P=1): a report is final, and any change made to it afterwards,
even a comment, makes its verification fail.
"""

from __future__ import annotations

import io

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from openseal.core.aio import run_sync
from openseal.core.keys.model import KeyStore
from openseal.core.pki.report_key import ReportKey
from openseal.core.pki.tsa import InProcessTimeStamper
from openseal.core.signing.signer import KeyStoreSigner

REPORT_FIELD = "OpenSealReport"
REASON = "OpenSeal 验证报告 / verification report"


def sign_report(pdf: bytes, key: ReportKey, keystore: KeyStore) -> bytes:
    """``pdf`` with the report key's certifying signature and a signature timestamp."""
    signer = KeyStoreSigner(keystore, key.key_id, key.certificate, key.chain)
    meta = signers.PdfSignatureMetadata(
        field_name=REPORT_FIELD, reason=REASON, location=key.instance_name,
        md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        certify=True, docmdp_permissions=fields.MDPPerm.NO_CHANGES)
    pdf_signer = signers.PdfSigner(meta, signer=signer,
                                   timestamper=InProcessTimeStamper(key.tsa))
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    out = io.BytesIO()
    run_sync(pdf_signer.async_sign_pdf(writer, output=out,
                                       bytes_reserved=_reserve_size(key)))
    return out.getvalue()


def _reserve_size(key: ReportKey) -> int:
    """Bytes for the CMS blob: our certificates and the TSA's (in the token), plus margin."""
    certs = (key.certificate, *key.chain, key.tsa.certificate)
    return 8192 + 2 * sum(len(c.dump()) for c in certs)
