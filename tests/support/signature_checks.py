"""Independent checks of a sealed PDF's signature (RSA seals, tests/interfaces/
test_rsa_seals.py and test_api_rsa_seals.py): pyHanko's validation, the CMS blob and the
bytes it signs (for ``openssl cms`` / ``openssl pkeyutl``), the key size of a certificate."""

from __future__ import annotations

import io
from typing import Any

from asn1crypto import cms, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext


def rsa_bits(cert: x509.Certificate) -> int:
    assert cert.public_key.algorithm == "rsa"
    return int(cert.public_key.bit_size)


def signer_info(pdf: bytes, index: int = -1) -> tuple[bytes, bytes, cms.SignerInfo]:
    """(the CMS blob of signature ``index``, the bytes it signs, its SignerInfo)."""
    sig = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[index]
    blob = cms.ContentInfo.load(bytes(sig.pkcs7_content), strict=False).dump()
    start1, len1, start2, len2 = (int(n) for n in sig.byte_range)
    signed = pdf[start1:start1 + len1] + pdf[start2:start2 + len2]
    return blob, signed, sig.signer_info


def pyhanko_status(pdf: bytes, roots: list[x509.Certificate], index: int = -1) -> Any:
    sig = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[index]
    return validate_pdf_signature(sig, ValidationContext(trust_roots=roots,
                                                          allow_fetching=False))
