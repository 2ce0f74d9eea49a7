"""Verifying sealed and signed PDFs: a verdict (VALID / INVALID / INDETERMINATE) with reasons.

``verify_pdf`` never raises on bad input and never fetches anything from the network. The
rules (STANDARDS §5) are documented in docs/verify-json.md; in short: pyHanko validates each
signature with difference analysis on, every fact (intact, valid, trusted, revoked, coverage,
modification level, DocMDP, timestamp) yields its own reason code, the raw bytes are checked
for a standard /ByteRange and for unsigned trailing data, and the document is VALID only if
every signature is. A signer that chains only to one of ``test_roots`` (the sandbox CA) is
reported as a test seal (``TEST_SEAL``, ``test_seal: true``), never VALID.

Everything is judged as of ``now`` (default: the current time). A signature whose
certificates have expired by then is VALID only by long-term validation: a chain of document
timestamps (PAdES B-LTA) proves it existed while they were valid (long_term.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from asn1crypto import x509

from openseal.core.aio import run_sync
from openseal.core.verification import reasons as R
from openseal.core.verification.byterange import unsigned_trailing_bytes
from openseal.core.verification.long_term import long_term, trusted_when_made
from openseal.core.verification.ofd_report import OfdTrust, looks_like_ofd, verify_ofd_report
from openseal.core.verification.pdf import (
    OpenedPdf,
    SigField,
    all_signature_field_names,
    certification_ref,
    has_dss,
    open_pdf,
    quiet_tracebacks,
    removed_signature_fields,
    signature_fields,
    value_ref,
    xref_layout,
)
from openseal.core.verification.policy import DEFAULT_POLICY, VerificationPolicy
from openseal.core.verification.reasons import (
    INDETERMINATE,
    INVALID,
    REASONS,
    VALID,
)
from openseal.core.verification.report import SignatureReport, VerificationReport
from openseal.core.verification.signature import Checked, Inputs, check_field

__all__ = ["INDETERMINATE", "INVALID", "REASONS", "VALID", "SignatureReport",
           "VerificationPolicy", "VerificationReport", "document_format", "verify_document",
           "verify_pdf"]


def document_format(data: bytes) -> str | None:
    """``PDF`` (a ``%PDF-`` header in the first KiB), ``OFD`` (a zip that is no PDF: an OFD
    package, once it opens) or None."""
    if b"%PDF-" in data[:1024]:
        return "PDF"
    return "OFD" if looks_like_ofd(data) else None


def verify_document(data: bytes, trust_roots: list[x509.Certificate],
                    filename: str | None = None, policy: VerificationPolicy = DEFAULT_POLICY,
                    test_roots: Sequence[x509.Certificate] = (), now: datetime | None = None,
                    *, sm2_anchors: Sequence[bytes] = (),
                    extra_signer_certs: Sequence[bytes] = (),
                    sm2_crls: Sequence[bytes] = ()) -> VerificationReport:
    """Verify a PDF or an OFD file, told apart by content, in one report schema.

    A PDF goes to ``verify_pdf`` (``trust_roots``, ``policy``, ``test_roots``, ``now``); an
    OFD package (a zip with OFD.xml) is checked by ``core.ofd.verify`` and mapped onto the
    same report (``ofd_report``): its signers chained to ``sm2_anchors`` (DER SM2 roots) at
    their signing time (a verified timestamp's, else the claimed one), their timestamp
    tokens checked against ``trust_roots`` (where the instance TSA chains) with the CRLs of
    ``policy``, their revocation against ``sm2_crls`` (DER CRLs of our SM2 CAs; others:
    ``policy.revocation_mode``). Anything else is INDETERMINATE ``MALFORMED_PDF`` ("neither
    a readable PDF nor an OFD file"). Never raises on bad input.
    """
    if document_format(data) == "OFD":
        at = None if now is None else (now if now.tzinfo else now.replace(tzinfo=UTC))
        base = VerificationReport(verdict=INDETERMINATE, file=filename,
                                  sha256=hashlib.sha256(data).hexdigest(),
                                  validation_time=at or datetime.now(UTC), as_of=at is not None)
        trust = OfdTrust(tuple(bytes(a) for a in sm2_anchors), tuple(trust_roots), policy,
                         tuple(bytes(c) for c in sm2_crls), at)
        report = verify_ofd_report(data, base, trust, extra_signer_certs)
        if report is not None:
            return report
    return verify_pdf(data, trust_roots, filename=filename, policy=policy,
                      test_roots=test_roots, now=now)



def verify_pdf(data: bytes, trust_roots: list[x509.Certificate], filename: str | None = None,
               policy: VerificationPolicy = DEFAULT_POLICY,
               test_roots: Sequence[x509.Certificate] = (),
               now: datetime | None = None) -> VerificationReport:
    """Verify every signature in ``data`` against ``trust_roots`` (and nothing else), as of
    ``now`` (default: the current time; a naive ``now`` is taken as UTC).

    A signer that does not chain to ``trust_roots`` but does to one of ``test_roots`` is a
    test seal: ``TEST_SEAL``, ``test_seal: true``, INDETERMINATE at best.
    """
    at = None if now is None else (now if now.tzinfo else now.replace(tzinfo=UTC))
    base = VerificationReport(verdict=INDETERMINATE, file=filename,
                              sha256=hashlib.sha256(data).hexdigest(),
                              validation_time=at or datetime.now(UTC), as_of=at is not None,
                              format="PDF" if b"%PDF-" in data[:1024] else None)
    quiet_tracebacks()
    try:
        return run_sync(_verify(data, list(trust_roots), tuple(test_roots), policy, base, at))
    except Exception as exc:  # noqa: BLE001 - STANDARDS §5.2: never a crash, never VALID
        return _with(base, (R.MALFORMED_PDF,), details=(f"{type(exc).__name__}: {exc}",))


async def _verify(data: bytes, roots: list[x509.Certificate],
                  test_roots: tuple[x509.Certificate, ...], policy: VerificationPolicy,
                  base: VerificationReport, at: datetime | None) -> VerificationReport:
    try:
        opened = open_pdf(data)
    except Exception as exc:  # noqa: BLE001
        return _with(base, (R.MALFORMED_PDF,), details=(f"{type(exc).__name__}: {exc}",))
    quiet_tracebacks()  # loggers pyHanko created while parsing
    fields, enumeration_failed = signature_fields(opened.reader)
    broken = (R.MALFORMED_SIGNATURE,) if enumeration_failed else ()
    removed = removed_signature_fields(opened.reader, fields)
    if not fields and not removed:
        return _with(base, broken or (R.NO_SIGNATURES,))
    inputs = Inputs(data, opened.reader, roots, policy,
                    all_signature_field_names(opened.reader), test_roots,
                    certification_ref(opened.reader), at=at)
    checked, inputs = await _check_all(fields, inputs)
    checked += [_removed(await check_field(field, inputs)) for field in removed]
    checked.sort(key=lambda c: c.signed_revision)
    checked = await long_term(checked, inputs, base.validation_time or datetime.now(UTC),
                              opened.reader)
    reports = _with_lta_levels(checked, has_dss(opened.reader))
    trailing = _trailing(data, opened, checked)
    codes = R.merge(broken, *(r.reasons for r in reports),
                    (R.UNSIGNED_TRAILING_DATA,) if trailing else ())
    return _with(base, codes, reports, trailing, policy.require_timestamp)


async def _check_all(fields: list[SigField], inputs: Inputs
                     ) -> tuple[list[Checked], Inputs]:
    """Every field, the certification signature first: whether its signer is a seal we
    know (now, or when it was made if its certificate has expired since) decides how
    strictly the changes after it are read (modification.py)."""
    checked = []
    for field in sorted(fields, key=lambda f: not _certifies(f, inputs)):
        done = await check_field(field, inputs)
        if _certifies(field, inputs):
            ours = bool(done.report.trusted) or done.report.test_seal \
                or await trusted_when_made(done, inputs)
            inputs = replace(inputs, certifier_ours=ours)
        checked.append(done)
    return checked, inputs


def _certifies(field: SigField, inputs: Inputs) -> bool:
    return inputs.certification is not None and value_ref(field.field) == inputs.certification


def _removed(checked: Checked) -> Checked:
    """A signature of an earlier revision that the current document no longer has:
    whatever else is true of it, the document was modified after it was made."""
    codes = R.merge((R.MODIFIED_AFTER_SEAL,), checked.report.reasons)
    return replace(checked, report=replace(checked.report, reasons=codes,
                                           verdict=R.verdict_of(codes)))


def _trailing(data: bytes, opened: OpenedPdf, checked: list[Checked]) -> int:
    ends = [c.signed_end for c in checked if c.signed_end is not None]
    if not ends:
        return 0  # no usable byte range: the signatures are already not VALID
    try:
        offsets, last_startxref = xref_layout(opened.reader)
    except Exception:  # noqa: BLE001 - without a layout, everything after the range counts
        offsets, last_startxref = set(), None
    return unsigned_trailing_bytes(data, max(ends), offsets, last_startxref)


def _with_lta_levels(checked: list[Checked], dss: bool) -> tuple[SignatureReport, ...]:
    """B-T becomes B-LT with a DSS, and B-LTA when a document timestamp follows."""
    reports = []
    for item in checked:
        level = item.report.pades_level
        if level == "B-T" and dss:
            later_ts = any(c.is_doc_timestamp and c.signed_revision > item.signed_revision
                           for c in checked)
            level = "B-LTA" if later_ts else "B-LT"
        reports.append(replace(item.report, pades_level=level))
    return tuple(reports)


def _with(base: VerificationReport, codes: tuple[str, ...],
          signatures: tuple[SignatureReport, ...] = (), trailing: int = 0,
          require_timestamp: bool = False, details: tuple[str, ...] = ()) -> VerificationReport:
    """The document verdict: from its codes, and never better than its worst signature."""
    verdict = R.verdict_of(codes) if codes else VALID
    if not signatures and verdict == VALID:
        verdict = INDETERMINATE
    worst = {s.verdict for s in signatures}
    if INVALID in worst:
        verdict = INVALID
    elif INDETERMINATE in worst and verdict == VALID:
        verdict = INDETERMINATE
    if verdict == VALID and require_timestamp and R.NO_TIMESTAMP in codes:
        verdict = INDETERMINATE
    return VerificationReport(verdict=verdict, reasons=codes, signatures=signatures,
                              file=base.file, sha256=base.sha256,
                              unsigned_trailing_bytes=trailing, details=details,
                              validation_time=base.validation_time, as_of=base.as_of,
                              format=base.format)
