"""Checking one signature field: raw byte range, then pyHanko's full validation."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from asn1crypto import x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature, async_validate_pdf_timestamp
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

from openseal.core.verification import judge
from openseal.core.verification import reasons as R
from openseal.core.verification.approval import approval_of
from openseal.core.verification.byterange import byte_range_ints, is_standard_byte_range
from openseal.core.verification.diffpolicy import DIFF_POLICY
from openseal.core.verification.modification import analyse
from openseal.core.verification.pdf import SigField
from openseal.core.verification.policy import (
    NO_EVIDENCE,
    Evidence,
    VerificationPolicy,
    validation_context,
)
from openseal.core.verification.report import SignatureReport
from openseal.core.verification.revocation_gap import explained

SUPPORTED_SUBFILTERS = frozenset({"/adbe.pkcs7.detached", "/ETSI.CAdES.detached",
                                  "/ETSI.RFC3161"})
PADES_SUBFILTER = "/ETSI.CAdES.detached"


@dataclass(frozen=True)
class Checked:
    report: SignatureReport
    signed_end: int | None = None
    """End of the signed bytes when the byte range is standard."""
    signed_revision: int = 1 << 30
    is_doc_timestamp: bool = False
    source: SigField | None = None
    """The field that was checked (to check it again at another time: long_term.py)."""
    path_expiry: datetime | None = None
    """When the first certificate on the trusted validation paths (the signer's and its
    timestamp's) expires; None when untrusted."""


@dataclass(frozen=True)
class Past:
    """Validation at an earlier ``moment`` that document timestamps prove (long_term.py),
    with the document's own validation data."""

    moment: datetime
    evidence: Evidence = NO_EVIDENCE


@dataclass(frozen=True)
class Inputs:
    data: bytes
    reader: PdfFileReader
    trust_roots: list[x509.Certificate]
    policy: VerificationPolicy
    signature_fields: set[str]
    test_roots: tuple[x509.Certificate, ...] = ()
    """Sandbox roots: a signer chaining only to one of them is a test seal, never VALID."""
    certification: generic.Reference | None = None
    """The certification signature's dictionary (/Perms /DocMDP), if the PDF is certified."""
    certifier_ours: bool = True
    """Whether that certification is by a seal we know (trusted or test seal): then new
    visible signature fields after it are read strictly (modification.py)."""
    at: datetime | None = None
    """The validation time; None: the current time."""
    past: Past | None = None
    """Set when checking again at a time proven by document timestamps."""


async def check_field(sig: SigField, inputs: Inputs) -> Checked:
    """Never raises: any failure becomes MALFORMED_SIGNATURE on this signature."""
    try:
        checked = await _check(sig, inputs)
    except Exception:  # noqa: BLE001 - STANDARDS §5.2: every exception is a verdict
        checked = _failed(sig.name, (R.MALFORMED_SIGNATURE,))
    return replace(checked, source=sig)


def _failed(name: str, codes: tuple[str, ...], signed_end: int | None = None) -> Checked:
    return Checked(SignatureReport(field=name, verdict=R.verdict_of(codes), reasons=codes,
                                   signed_revision_bytes=signed_end), signed_end)


async def _check(sig: SigField, inputs: Inputs) -> Checked:
    field = _resolve(sig.field)
    sig_object = field.raw_get("/V").get_object()
    if not isinstance(sig_object, generic.DictionaryObject):
        return _failed(sig.name, (R.MALFORMED_SIGNATURE,))
    byte_range = byte_range_ints(_raw(sig_object, "/ByteRange"))
    contents = _raw(sig_object, "/Contents")
    contents_bytes = bytes(contents) if isinstance(contents, (bytes, bytearray)) else None
    standard = is_standard_byte_range(inputs.data, byte_range, contents_bytes)
    range_codes = () if standard else (R.NONSTANDARD_BYTERANGE,)
    signed_end = byte_range[2] + byte_range[3] if standard and byte_range else None
    subfilter = str(_raw(sig_object, "/SubFilter"))
    if subfilter not in SUPPORTED_SUBFILTERS or contents_bytes is None:
        weak = (R.WEAK_ALGORITHM,) if "sha1" in subfilter.lower() else ()
        return _failed(sig.name, R.merge(range_codes, (R.MALFORMED_SIGNATURE,), weak),
                       signed_end)
    try:
        embedded = EmbeddedPdfSignature(inputs.reader, field, sig.name)
        checked = await _validate(embedded, inputs, subfilter)
    except Exception:  # noqa: BLE001 - pyHanko raises many kinds on crafted input
        return _failed(sig.name, R.merge(range_codes, (R.MALFORMED_SIGNATURE,)), signed_end)
    codes = R.merge(range_codes, checked.report.reasons)
    verdict = judge.signature_verdict(codes, inputs.policy.require_timestamp)
    return replace(checked, signed_end=signed_end,
                   report=replace(checked.report, reasons=codes, verdict=verdict,
                                  signed_revision_bytes=signed_end))


async def _validate(embedded: EmbeddedPdfSignature, inputs: Inputs, subfilter: str) -> Checked:
    if embedded.sig_object_type == "/DocTimeStamp":
        context = validation_context(inputs.trust_roots, inputs.policy, None,
                                     *_times(inputs))
        status: Any = await async_validate_pdf_timestamp(
            embedded, validation_context=context, diff_policy=DIFF_POLICY)
        codes = R.merge(judge.integrity_reasons(status, _is_weak(embedded)),
                        judge.trust_reasons(status),
                        _modification(embedded, status, inputs, bool(status.trusted)))
        return Checked(_report(embedded, status, codes, None, status.timestamp),
                       signed_revision=embedded.signed_revision, is_doc_timestamp=True,
                       path_expiry=_path_expiry(status))
    status, test_seal = await _signer_status(embedded, inputs)
    earlier = await _at_timestamp(embedded, inputs, status, test_seal)
    revoked_later = earlier is not None
    status = earlier or status
    codes = R.merge(judge.integrity_reasons(status, _is_weak(embedded)),
                    (R.REVOKED_AFTER_TIMESTAMP,) if revoked_later else (),
                    judge.trust_reasons(status),
                    _modification(embedded, status, inputs, bool(status.trusted) or test_seal),
                    judge.timestamp_reasons(status), judge.seed_value_reasons(status),
                    (R.TEST_SEAL,) if test_seal else ())
    token = status.timestamp_validity
    level = None
    if subfilter == PADES_SUBFILTER:
        level = "B-T" if token is not None else "B-B"
    report = _report(embedded, status, codes, level, token.timestamp if token else None)
    report = replace(report, signing_time=status.signer_reported_dt, test_seal=test_seal,
                     trusted=False if test_seal else report.trusted,
                     revoked=report.revoked or revoked_later,
                     approval=approval_of(embedded, inputs.data, status))
    return Checked(report, signed_revision=embedded.signed_revision,
                   path_expiry=_path_expiry(status, token) if status.trusted else None)


def _modification(embedded: EmbeddedPdfSignature, status: Any, inputs: Inputs,
                  ours: bool) -> list[str]:
    """The modification codes; a certification is read strictly when the certifier (this
    signature itself, or the one checked before it) is a seal we know."""
    is_certification = inputs.certification is not None and \
        inputs.certification == getattr(embedded.sig_field.raw_get("/V"), "reference", None)
    strict = ours if is_certification else inputs.certifier_ours
    changes = analyse(embedded, status, strict, inputs.signature_fields)
    return judge.modification_reasons(status, inputs.signature_fields, changes)


async def _signer_status(embedded: EmbeddedPdfSignature, inputs: Inputs) -> tuple[Any, bool]:
    """pyHanko's status against the trust roots; for a signer that does not chain to them,
    against the trust and test roots, and whether that makes it a test seal."""
    status = await _validate_signature(embedded, inputs.trust_roots, inputs)
    if not inputs.test_roots or judge.trust_reasons(status) != [R.UNTRUSTED_SIGNER]:
        return status, False
    fresh = EmbeddedPdfSignature(embedded.reader, embedded.sig_field, embedded.field_name)
    roots = [*inputs.trust_roots, *inputs.test_roots]
    retry = await _validate_signature(fresh, roots, inputs)
    if not _anchored_in(retry, inputs.test_roots):
        return status, False
    return retry, True


async def _validate_signature(embedded: EmbeddedPdfSignature, roots: list[x509.Certificate],
                              inputs: Inputs, moment: datetime | None = None) -> Any:
    """pyHanko's status; revocation required for our own seals (policy.mode_for), a
    missing CRL of ours told apart from a broken chain (revocation_gap.py)."""
    policy = inputs.policy
    earlier, at, evidence = _times(inputs)
    mode = policy.mode_for(embedded.signer_cert)
    context = validation_context(roots, policy, mode, moment or earlier, at, evidence)
    status = await async_validate_pdf_signature(
        embedded, signer_validation_context=context, diff_policy=DIFF_POLICY)
    return await explained(status, embedded, mode, roots, moment or earlier, at, evidence)


async def _at_timestamp(embedded: EmbeddedPdfSignature, inputs: Inputs, status: Any,
                        test_seal: bool) -> Any | None:
    """Point-in-time validation (ETSI EN 319 102-1 §5.5): when the signer's certificate was
    revoked (or put on hold) after the signature's trusted timestamp, the signature is
    validated again as of the timestamp's time, with the same locally supplied CRL/OCSP.
    Returns that status if it is trusted and not revoked then, else None. A signature
    without a trusted timestamp has no proof of when it was made: it stays REVOKED."""
    details = getattr(status, "revocation_details", None)
    token = getattr(status, "timestamp_validity", None)
    if details is None or token is None or not status.intact or not status.valid:
        return None
    if not (token.intact and token.valid and token.trusted):
        return None
    if token.timestamp >= details.revocation_date:
        return None
    roots = [*inputs.trust_roots, *inputs.test_roots] if test_seal else inputs.trust_roots
    fresh = EmbeddedPdfSignature(embedded.reader, embedded.sig_field, embedded.field_name)
    earlier = await _validate_signature(fresh, roots, inputs, token.timestamp)
    return earlier if earlier.trusted and not earlier.revoked else None


def _times(inputs: Inputs) -> tuple[datetime | None, datetime | None, Evidence]:
    """(point-in-time moment, validation time, document evidence) for a context."""
    if inputs.past is None:
        return None, inputs.at, NO_EVIDENCE
    return inputs.past.moment, inputs.at, inputs.past.evidence


def _anchored_in(status: Any, roots: tuple[x509.Certificate, ...]) -> bool:
    """Whether the signer's validation path starts at one of ``roots``."""
    path = getattr(status, "validation_path", None)
    if path is None:
        return False
    anchor = path.first
    return anchor is not None and any(anchor.dump() == root.dump() for root in roots)


def _report(embedded: EmbeddedPdfSignature, status: Any, codes: tuple[str, ...],
            level: str | None, timestamp: Any) -> SignatureReport:
    cert = status.signing_cert
    common_name = _name_part(cert, "common_name")
    return SignatureReport(
        field=embedded.field_name, verdict=R.verdict_of(codes), reasons=codes,
        signer=common_name, organization=_name_part(cert, "organization_name"),
        seal_name=common_name, timestamp_time=timestamp,
        intact=bool(status.intact), valid=bool(status.valid), trusted=bool(status.trusted),
        revoked=bool(status.revoked), coverage=_enum_name(status.coverage),
        modification=_enum_name(status.modification_level), pades_level=level,
        anchor=_anchor_name(status) if status.trusted else None,
    )


def _path_expiry(*statuses: Any) -> datetime | None:
    """The earliest expiry of the certificates on the trusted paths of ``statuses``."""
    ends: list[datetime] = []
    for status in statuses:
        path = getattr(status, "validation_path", None) if status is not None else None
        if path is None or not status.trusted:
            continue
        ends.extend(cert.not_valid_after for cert in path.iter_certs(include_root=True))
    return min(ends) if ends else None


def _anchor_name(status: Any) -> str | None:
    """The trust anchor the signer's path starts at (its CN, else its whole subject)."""
    path = getattr(status, "validation_path", None)
    anchor = getattr(path, "first", None) if path is not None else None
    if anchor is None:
        return None
    subject = anchor.subject.native
    name = subject.get("common_name")
    return str(name) if name else anchor.subject.human_friendly


def _is_weak(embedded: EmbeddedPdfSignature) -> bool:
    digests = {str(embedded.md_algorithm).lower(), str(embedded.external_md_algorithm).lower()}
    try:
        digests.add(str(embedded.signer_info["signature_algorithm"].hash_algo).lower())
    except Exception:  # noqa: BLE001 - e.g. EdDSA has no separate hash algorithm
        pass
    return bool(digests & judge.WEAK_DIGESTS)


def _name_part(cert: x509.Certificate | None, key: str) -> str | None:
    if cert is None:
        return None
    value = cert.subject.native.get(key)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return None if value is None else str(value)


def _enum_name(value: Any) -> str | None:
    return None if value is None else str(value.name)


def _resolve(obj: generic.PdfObject) -> generic.DictionaryObject:
    resolved = obj.get_object()
    if not isinstance(resolved, generic.DictionaryObject):
        raise TypeError("signature field is not a dictionary")
    return resolved


def _raw(obj: generic.DictionaryObject, key: str) -> Any:
    try:
        value = obj.raw_get(key)
    except KeyError:
        return None
    return value.get_object() if isinstance(value, generic.IndirectObject) else value
