"""Long-term validation: PAdES B-LT and B-LTA, chosen per operation (``--level``).

* **B-T** (default): the seal's signature with a signature timestamp.
* **B-LT**: plus, in a second incremental update, the document security store (DSS): the
  certificates and CRLs of OpenSeal's CAs that validate the seal and its timestamp, so the
  seal can be validated later without asking anyone (pyHanko's ``add_validation_info``).
* **B-LTA**: plus a document timestamp over all of it (pyHanko's ``PdfTimeStamper``), with
  the timestamp authority's own validation data, so the evidence stays verifiable after
  the certificates expire, and can be timestamped again before the TSA's does.

The validation data is OpenSeal's own (its roots and current CRLs): nothing is fetched.
"""

from __future__ import annotations

import io

from asn1crypto import crl, x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation.dss import async_add_validation_info
from pyhanko_certvalidator import ValidationContext

from openseal.core.aio import run_sync
from openseal.errors import InvalidInput

B_T, B_LT, B_LTA = "B-T", "B-LT", "B-LTA"
LEVELS = (B_T, B_LT, B_LTA)
ARCHIVE_FIELD_PREFIX = "OpenSealArchive"


def checked_level(level: str | None) -> str:
    found = (level or B_T).upper()
    if found not in LEVELS:
        raise InvalidInput("SIGNATURE_LEVEL", f"签名级别只能是 {' / '.join(LEVELS)}",
                           f"The signature level is one of {', '.join(LEVELS)}",
                           field="level", levels=list(LEVELS))
    return found


def validation_context(roots: list[x509.Certificate], crls: list[crl.CertificateList]
                       ) -> ValidationContext:
    """What validates OpenSeal's seals and timestamps, supplied locally (no fetching)."""
    return ValidationContext(trust_roots=roots, crls=crls, allow_fetching=False,
                             revocation_mode="hard-fail")


def extend(sealed: bytes, field_name: str, level: str, context: ValidationContext,
           timestamper: TimeStamper) -> bytes:
    """``sealed`` (a B-T seal in ``field_name``) brought to ``level``."""
    if level == B_T:
        return sealed
    reader = PdfFileReader(io.BytesIO(sealed))
    embedded = next(s for s in reader.embedded_signatures if s.field_name == field_name)
    out = io.BytesIO()
    run_sync(async_add_validation_info(embedded, context, output=out))
    if level == B_LT:
        return out.getvalue()
    return archive_timestamp(out.getvalue(), context, timestamper)


def archive_timestamp(pdf: bytes, context: ValidationContext, timestamper: TimeStamper
                      ) -> bytes:
    """A new document timestamp over ``pdf``, with its validation data (B-LTA; also how an
    archived document is timestamped again)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    name = _next_name(writer)
    out = io.BytesIO()
    run_sync(signers.PdfTimeStamper(timestamper, field_name=name).async_timestamp_pdf(
        writer, "sha256", validation_context=context, output=out))
    return out.getvalue()


def _next_name(writer: IncrementalPdfFileWriter) -> str:
    existing = {name for name, _, _ in fields.enumerate_sig_fields(writer.prev)}
    n = 1
    while f"{ARCHIVE_FIELD_PREFIX}{n}" in existing:
        n += 1
    return f"{ARCHIVE_FIELD_PREFIX}{n}"
