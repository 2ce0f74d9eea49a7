"""Keeping archived documents verifiable: before the timestamp authority's certificate that
signed a document's latest document timestamp expires, add a new document timestamp over
everything, together with the validation data of the previous one (PAdES B-LTA renewal,
pyHanko's ``update_archival_timestamp_chain``). A document without a document timestamp
gets its first one (it becomes B-LTA)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko_certvalidator import ValidationContext

from openseal.core.aio import run_sync
from openseal.core.signing.ltv import archive_timestamp
from openseal.core.signing.preflight import damaged_pdf


@dataclass(frozen=True)
class ArchiveState:
    signed: bool
    last_timestamp_expires: datetime | None  # None: no document timestamp yet

    def due(self, now: datetime, margin: timedelta) -> bool:
        """Whether a new document timestamp is due now."""
        return self.signed and (self.last_timestamp_expires is None
                                or self.last_timestamp_expires - margin <= now)


def archive_state(pdf: bytes) -> ArchiveState:
    try:
        signatures = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
        stamps = [s for s in signatures if s.sig_object_type == "/DocTimeStamp"]
        if not stamps:
            return ArchiveState(bool(signatures), None)
        expires = stamps[-1].signer_cert["tbs_certificate"]["validity"]["not_after"].native
    except Exception as exc:  # noqa: BLE001 - anything unreadable is a damaged document
        raise damaged_pdf() from exc
    return ArchiveState(True, expires)


def renew(pdf: bytes, context: ValidationContext, timestamper: TimeStamper) -> bytes:
    """``pdf`` with a new document timestamp (and the previous one's validation data)."""
    if archive_state(pdf).last_timestamp_expires is None:
        return archive_timestamp(pdf, context, timestamper)
    out = io.BytesIO()
    run_sync(signers.PdfTimeStamper(timestamper).async_update_archival_timestamp_chain(
        PdfFileReader(io.BytesIO(pdf)), context, in_place=False, output=out))
    return out.getvalue()
