"""Opening an untrusted PDF with pyHanko: reader, signature fields, cross-reference layout."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields

_FALLBACK_TRIES = 4
_MAX_REVISIONS = 100  # earlier revisions searched for signatures that disappeared
_TRACEBACK_LOGGERS = ("pyhanko", "pyhanko_certvalidator")


@dataclass(frozen=True)
class OpenedPdf:
    reader: PdfFileReader
    parsed_length: int
    """How many leading bytes were parsed: less than the file when junk follows the last %%EOF."""


@dataclass(frozen=True)
class SigField:
    name: str
    field: generic.PdfObject


def open_pdf(data: bytes) -> OpenedPdf:
    """Parse ``data``; if that fails, the longest prefix ending in %%EOF that has signatures.

    pyHanko looks for %%EOF only in the last 1 KiB, so a signed file followed by junk does not
    parse; the prefix lets the verifier still check the signature and report the junk.
    Raises the original parse error when no prefix helps.
    """
    try:
        return OpenedPdf(_reader(data), len(data))
    except Exception as first_error:
        for end in _eof_prefix_ends(data):
            try:
                reader = _reader(data[:end])
                if signature_fields(reader)[0]:
                    return OpenedPdf(reader, end)
            except Exception:  # noqa: BLE001, S112 - try the next candidate
                continue
        raise first_error


def _reader(data: bytes) -> PdfFileReader:
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    _ = reader.root  # force the catalog to resolve now, not later in an odd place
    return reader


def _eof_prefix_ends(data: bytes) -> list[int]:
    ends: list[int] = []
    pos = len(data)
    while len(ends) < _FALLBACK_TRIES:
        eof = data.rfind(b"%%EOF", 0, pos)
        if eof < 0:
            break
        end = eof + 5
        end += 2 if data[end:end + 2] == b"\r\n" else int(data[end:end + 1] in (b"\r", b"\n"))
        if end < len(data):
            ends.append(end)
        pos = eof
    return ends


def signature_fields(reader: PdfFileReader) -> tuple[list[SigField], bool]:
    """The filled signature fields, and whether enumerating them failed part way."""
    found: list[SigField] = []
    try:
        for name, _value, field in enumerate_sig_fields(reader, filled_status=True):
            found.append(SigField(str(name), field))
    except Exception:  # noqa: BLE001 - a broken form tree is a malformed signature
        return found, True
    return found, False


def value_ref(field: generic.PdfObject) -> generic.Reference | None:
    """The reference of a signature field's /V (the signature dictionary), if indirect."""
    try:
        value = field.get_object().raw_get("/V")
    except Exception:  # noqa: BLE001
        return None
    return value.reference if isinstance(value, generic.IndirectObject) else None


def certification_ref(reader: PdfFileReader) -> generic.Reference | None:
    """The signature dictionary of the certification signature (/Perms /DocMDP), if any."""
    try:
        perms = reader.root["/Perms"]
        docmdp = perms.raw_get("/DocMDP") if isinstance(perms, generic.DictionaryObject) \
            else None
    except Exception:  # noqa: BLE001 - no /Perms, or a broken one: not certified
        return None
    return docmdp.reference if isinstance(docmdp, generic.IndirectObject) else None


def removed_signature_fields(reader: PdfFileReader, current: list[SigField]) -> list[SigField]:
    """Filled signature fields of earlier revisions whose signature the current document
    no longer has (a new /Root, a form without them): one entry per signature."""
    present = {value_ref(f.field) for f in current}
    found: dict[generic.Reference, SigField] = {}
    try:
        total = reader.xrefs.total_revisions
    except Exception:  # noqa: BLE001 - no revision history: nothing to compare
        return []
    for revision in range(max(0, total - 1 - _MAX_REVISIONS), total - 1):
        try:
            old = reader.get_historical_resolver(revision)
            for name, _value, field in enumerate_sig_fields(old, filled_status=True):
                ref = value_ref(field)
                if ref is not None and ref not in present:
                    found.setdefault(ref, SigField(str(name), field))
        except Exception:  # noqa: BLE001, S112 - a revision that does not read: skip it
            continue
    return list(found.values())


def all_signature_field_names(reader: PdfFileReader) -> set[str]:
    try:
        return {str(name) for name, _, _ in enumerate_sig_fields(reader)}
    except Exception:  # noqa: BLE001
        return set()


def xref_layout(reader: PdfFileReader) -> tuple[set[int], int | None]:
    """Offsets where xref sections say objects start, and the newest revision's startxref."""
    xrefs = reader.xrefs
    offsets: set[int] = set()
    for revision in range(xrefs.total_revisions):
        meta = xrefs.get_xref_container_info(revision)
        offsets.update((meta.declared_startxref, meta.start_location))
        data = xrefs.get_xref_data(revision)
        offsets.update(offset for _, offset in data.standard_xrefs.values())
        if data.hybrid is not None:
            hybrid = data.hybrid.xref_data.standard_xrefs.values()
            offsets.update(offset for _, offset in hybrid)
    if not xrefs.total_revisions:
        return offsets, None
    return offsets, xrefs.get_startxref_for_revision(xrefs.total_revisions - 1)


def has_dss(reader: PdfFileReader) -> bool:
    try:
        return "/DSS" in reader.root
    except Exception:  # noqa: BLE001
        return False


class _NoTracebacks(logging.Filter):
    """Keep pyHanko's warnings about broken input, drop their stack traces (STANDARDS §5.2)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True


_FILTER = _NoTracebacks()


def quiet_tracebacks() -> None:
    """Attach the filter to every pyHanko logger (logger filters are not inherited)."""
    for name in list(logging.Logger.manager.loggerDict):
        if name.split(".")[0] in _TRACEBACK_LOGGERS:
            logger = logging.getLogger(name)
            if _FILTER not in logger.filters:
                logger.addFilter(_FILTER)
