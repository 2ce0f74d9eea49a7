"""Long-term validation (ETSI EN 319 102-1 §5.6, PAdES B-LTA) as of the validation time.

Document timestamps are judged newest first: the newest at the validation time, each older
one, if it fails then, at the time of the next proven one (its proof of existence). A
signature that fails at the validation time only because time has passed (a certificate on
its path has expired since) is validated again at its best signature time (its signature
timestamp's time, else the time of the oldest proven document timestamp after it), with
the document's own validation data (DSS) and revocation data issued later accepted. If it
is trusted then, and a proven document timestamp covers it, it is VALID with
``LONG_TERM_VALIDATED`` and ``proof_time``; without such a timestamp it is INDETERMINATE
``CERTIFICATE_EXPIRED``, and a document timestamp whose authority's certificate has expired
is ``ARCHIVE_TIMESTAMP_EXPIRED`` (re-timestamp in time). A certificate found revoked at that
earlier time is INVALID ``REVOKED``, whatever the document timestamps. See docs/adr/0003.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from asn1crypto import crl, ocsp
from pyhanko.pdf_utils.decode_limits import DecodePurpose
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore

from openseal.core.verification import judge
from openseal.core.verification import reasons as R
from openseal.core.verification.policy import NO_EVIDENCE, Evidence
from openseal.core.verification.signature import Checked, Inputs, Past, check_field

TIME_CODES = frozenset({R.UNTRUSTED_SIGNER, R.REVOCATION_UNAVAILABLE, R.TIMESTAMP_UNTRUSTED})
"""What the passing of time can cause: certificates expired, revocation data out of date."""


def needs_past(item: Checked) -> bool:
    """Intact and valid, failing only on trust: maybe because time has passed."""
    report = item.report
    return (report.verdict != R.VALID and bool(report.intact) and bool(report.valid)
            and bool(set(report.reasons) & TIME_CODES)
            and all(R.severity(code) != R.INVALID for code in report.reasons))


async def long_term(checked: list[Checked], inputs: Inputs, at: datetime,
                    reader: PdfFileReader) -> list[Checked]:
    """``checked`` (in revision order) with the long-term verdicts; unchanged when every
    signature stands on its own at ``at``."""
    if not any(needs_past(item) for item in checked):
        return checked
    evidence = document_evidence(reader)
    judged = list(checked)
    proofs: list[tuple[int, datetime]] = []
    horizon: datetime | None = None
    for index in reversed(range(len(judged))):
        if judged[index].is_doc_timestamp:
            judged[index] = await _stamp(judged[index], inputs, evidence, at, horizon)
            horizon = _proven_time(judged[index], at)
            if horizon is not None:
                proofs.insert(0, (judged[index].signed_revision, horizon))
    for index, item in enumerate(judged):
        if not item.is_doc_timestamp:
            proof = next((t for rev, t in proofs if rev > item.signed_revision), None)
            judged[index] = await _signature(item, inputs, evidence, at, proof)
    return judged


async def trusted_when_made(item: Checked, inputs: Inputs) -> bool:
    """Whether a signature untrusted as of ``inputs.at`` was trusted at its own signature
    timestamp's time, its certificates having expired since (a seal we know, expired)."""
    at = inputs.at or datetime.now(UTC)
    if not needs_past(item):
        return False
    again = await _again(item, inputs, item.report.timestamp_time, NO_EVIDENCE, at)
    return again is not None and bool(again.report.trusted)


async def _stamp(item: Checked, inputs: Inputs, evidence: Evidence, at: datetime,
                 horizon: datetime | None) -> Checked:
    """A document timestamp: VALID as it is, or at the time the next one proves."""
    if not needs_past(item):
        return item
    proven = await _again(item, inputs, horizon, evidence, at) if horizon else None
    if proven is not None:
        return proven if proven.report.revoked else _long_term(proven, horizon, inputs)
    return await _expired(item, inputs, evidence, at, item.report.timestamp_time,
                          R.ARCHIVE_TIMESTAMP_EXPIRED)


async def _signature(item: Checked, inputs: Inputs, evidence: Evidence, at: datetime,
                     proof: datetime | None) -> Checked:
    if not needs_past(item):
        return item
    own = item.report.timestamp_time
    if proof is not None:
        best = own if own is not None and own <= proof else proof
        proven = await _again(item, inputs, best, evidence, at)
        if proven is not None:
            return proven if proven.report.revoked else _long_term(proven, best, inputs)
    return await _expired(item, inputs, evidence, at, own, R.CERTIFICATE_EXPIRED)


async def _again(item: Checked, inputs: Inputs, moment: datetime | None,
                 evidence: Evidence, at: datetime) -> Checked | None:
    """``item`` checked again at ``moment``, if its certificate was revoked then (INVALID
    ``REVOKED``), or if it is trusted then and a certificate on its path has expired by
    ``at`` (else the trouble is not the passing of time): else None."""
    if item.source is None or moment is None or moment > at:
        return None
    again = await check_field(item.source, replace(inputs, past=Past(moment, evidence)))
    report = again.report
    if report.revoked and R.REVOKED in report.reasons:
        return again
    if not report.trusted or set(report.reasons) & TIME_CODES:
        return None
    if again.path_expiry is None or again.path_expiry > at:
        return None
    return again


async def _expired(item: Checked, inputs: Inputs, evidence: Evidence, at: datetime,
                   moment: datetime | None, code: str) -> Checked:
    """Without proof of existence: ``code`` instead of "untrusted" when the signature was
    trusted at ``moment`` (its own timestamp's time) and has expired since."""
    again = await _again(item, inputs, moment, evidence, at)
    if again is None or again.report.revoked:
        return again or item
    codes = R.merge([c for c in item.report.reasons if c not in TIME_CODES], (code,))
    return _with_codes(item, codes, inputs)


def _long_term(proven: Checked, moment: datetime | None, inputs: Inputs) -> Checked:
    codes = R.merge(proven.report.reasons, (R.LONG_TERM_VALIDATED,))
    proven = _with_codes(proven, codes, inputs)
    return replace(proven, report=replace(proven.report, proof_time=moment))


def _with_codes(item: Checked, codes: tuple[str, ...], inputs: Inputs) -> Checked:
    verdict = judge.signature_verdict(codes, inputs.policy.require_timestamp)
    return replace(item, report=replace(item.report, reasons=codes, verdict=verdict))


def _proven_time(item: Checked, at: datetime) -> datetime | None:
    """The time a VALID document timestamp proves (everything before it existed then)."""
    when = item.report.timestamp_time
    if item.report.verdict != R.VALID or when is None or when > at:
        return None
    return when


def document_evidence(reader: PdfFileReader) -> Evidence:
    """The certificates, CRLs and OCSP responses of the document's DSS (none if it has no
    readable DSS)."""
    try:
        dss = DocumentSecurityStore.read_dss(reader)
        crls = tuple(crl.CertificateList.load(ref.get_object().read_data(DecodePurpose.CRL))
                     for ref in dss.crls)
        ocsps = tuple(ocsp.OCSPResponse.load(
            ref.get_object().read_data(DecodePurpose.OCSP_RESPONSE)) for ref in dss.ocsps)
        return Evidence(tuple(dss.load_certs()), crls, ocsps)
    except Exception:  # noqa: BLE001 - a missing or broken DSS is no evidence
        return NO_EVIDENCE
