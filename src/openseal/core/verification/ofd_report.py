"""OFD files in the common report: ``verify_ofd``'s result mapped onto ``VerificationReport``.

One report schema for PDF and OFD (docs/verify-json.md, "OFD"). Per signature:

- ``field``: the signature's ID in Signatures.xml; ``seal_name``: the seal's name (SES_Seal);
  ``organization`` / ``signer``: O and CN of the signer's certificate;
- ``signing_time``: TBS_Sign.timeInfo (Type="Seal") or SignatureDateTime (Type="Sign"), only
  claimed; ``timestamp_time``: genTime of the timeStamp token, only when the token verified
  and its TSA is trusted (``ofd_timestamp``): that time is then the signing time everything
  is judged at (certificate and seal validity, the path, revocation). A token that does not
  match the signature or is broken: ``SES_TIMESTAMP_INVALID``; from a TSA not trusted:
  ``SES_TIMESTAMP_UNTRUSTED``; no token: ``NO_TIMESTAMP`` (the claimed time is used);
- ``intact``: every Reference matches and dataHash = SM3(Signature.xml); ``valid``: the
  signer's SM2 signature and the seal maker's signature verify; ``trusted``: the signer's
  certificate chains (``sm2_chain``, judged at the signing time) to one of the SM2 anchors
  given, through the seal's certificates and the issuers an OpenSeal seal lists
  (``core.ofd.chain_ext``); none given: ``SM2_NO_TRUST_ANCHOR``;
- ``revoked``: every certificate of that path below the anchor against the SM2 CRLs given
  (``ofd_revocation``): ``REVOKED``, ``REVOKED_AFTER_TIMESTAMP``, ``REVOCATION_UNAVAILABLE``
  for our own CAs, ``REVOCATION_NOT_CHECKED`` (soft-fail) for others;
- ``approval``: the approval chain (an ExtData of TBS_Sign, see core.signing.approval) of a
  seal applied with a ticket, only when the signature is intact and valid;
  ``document_matches`` is null (the file as approved cannot be rebuilt from the package);
- ``coverage`` ``REFERENCED_FILES``, ``modification`` ``NONE`` or ``FILES_ADDED``,
  ``pades_level`` null; the OFD extras (seal, stamps, references, files added, details) in
  ``SignatureReport.ofd``.

The verdict comes from the codes with the report's severities (``reasons.REASONS``, where an
expired certificate or seal at the claimed signing time is INDETERMINATE, not INVALID as in
``core.ofd.reasons``), and a signature is VALID only when intact, valid and trusted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from asn1crypto import cms, x509

from openseal.core.ofd.chain_ext import read_issuers
from openseal.core.ofd.results import SignatureCheck
from openseal.core.ofd.verify import verify_ofd
from openseal.core.pki.sm2_chain import sm2_chain
from openseal.core.signing.approval import read_approval_ext
from openseal.core.verification import reasons as R
from openseal.core.verification.ofd_revocation import NOT_CHECKED, check_revocation
from openseal.core.verification.ofd_timestamp import TimestampCheck, check_timestamp, times_at
from openseal.core.verification.policy import DEFAULT_POLICY, VerificationPolicy
from openseal.core.verification.report import OfdExtras, SignatureReport, VerificationReport
from openseal.errors import InvalidInput

OFD: str = "OFD"
NOT_OFD = frozenset({"OFD_NOT_ZIP", "OFD_STRUCTURE"})
"""Refusals that mean "this is no OFD at all" (the caller then says: neither PDF nor OFD)."""


def looks_like_ofd(data: bytes) -> bool:
    """A zip (its end record is there) that is not a PDF: worth reading as an OFD."""
    return b"PK\x05\x06" in data and b"%PDF-" not in data[:1024]


@dataclass(frozen=True)
class OfdTrust:
    """What an OFD verification trusts and knows, all supplied locally (nothing is fetched)."""

    sm2_anchors: tuple[bytes, ...] = ()
    """SM2 roots (DER) the signers are chained to."""
    tsa_roots: tuple[x509.Certificate, ...] = ()
    """Roots the timestamp authorities are chained to (the PDF trust roots: the instance
    TSA's certificate is issued by the instance root)."""
    policy: VerificationPolicy = DEFAULT_POLICY
    """The TSA certificates' CRLs, and ``revocation_mode`` for signers outside our SM2 CAs."""
    sm2_crls: tuple[bytes, ...] = ()
    """CRLs (DER) of our SM2 CAs (``PkiService.sm2_revocation_lists``)."""
    at: datetime | None = None
    """The validation time (None: now)."""


def verify_ofd_report(data: bytes, base: VerificationReport, trust: OfdTrust = OfdTrust(),
                      extra_signer_certs: Sequence[bytes] = ()) -> VerificationReport | None:
    """The report for the OFD file ``data``; None when ``data`` is no OFD package at all.

    ``trust.sm2_anchors`` (DER certificates) are the SM2 roots trusted; they and
    ``extra_signer_certs`` are also the certificates a plain signature (Type="Sign", which
    carries none) is checked with.
    """
    anchors = trust.sm2_anchors
    if trust.at is None:
        trust = replace(trust, at=base.validation_time)
    try:
        result = verify_ofd(data, extra_signer_certs=(*extra_signer_certs, *anchors))
        signatures = tuple(signature_report(c, trust) for c in result.signatures)
    except InvalidInput as exc:
        if exc.code in NOT_OFD:
            return None
        return replace(base, verdict=R.INDETERMINATE, reasons=(R.MALFORMED_OFD,),
                       details=(f"{exc.code}: {exc.en}",), format=OFD)
    except Exception as exc:  # noqa: BLE001 - never a crash, never VALID
        return replace(base, verdict=R.INDETERMINATE, reasons=(R.MALFORMED_OFD,),
                       details=(f"{type(exc).__name__}: {exc}",), format=OFD)
    codes = R.merge([r.code for r in result.reasons], *(s.reasons for s in signatures))
    verdict = R.verdict_of(codes) if codes else R.VALID
    worst = {s.verdict for s in signatures}
    if not signatures or R.INVALID in worst:
        verdict = R.INDETERMINATE if not signatures else R.INVALID
    elif R.INDETERMINATE in worst and verdict == R.VALID:
        verdict = R.INDETERMINATE
    details = tuple(f"{s.field}: {d['code']} {d['file']}" for s in signatures if s.ofd
                    for d in s.ofd.details if d.get("file"))
    return replace(base, verdict=verdict, reasons=codes, signatures=signatures,
                   details=details, format=OFD)


def signature_report(check: SignatureCheck, trust: OfdTrust = OfdTrust()) -> SignatureReport:
    """One signature in the common report (see the module docstring)."""
    stamp = _timestamp(check, trust)
    proven = stamp.gen_time if stamp is not None and stamp.trusted else None
    codes = [r.code for r in check.reasons]
    if proven is not None:  # the trusted time replaces the claimed one
        codes = [c for c in codes if c not in TIME_CODES] + times_at(check, proven)
    trusted, anchor, chain_code, path = _trust(check, trust.sm2_anchors,
                                               proven or check.signing_time)
    if chain_code is not None:
        codes.append(chain_code)
    if stamp is None:
        codes.append(R.NO_TIMESTAMP)
    elif stamp.code is not None:
        codes.append(stamp.code)
    revocation = NOT_CHECKED
    if trusted:
        revocation = check_revocation(path, trust.sm2_crls, trust.at or datetime.now(UTC),
                                      proven, trust.policy.revocation_mode,
                                      lambda der: trust.policy.is_ours(
                                          x509.Certificate.load(der)))
    codes += revocation.codes
    intact, valid = _intact(check), _valid(check)
    merged = R.merge(codes)
    verdict = R.verdict_of(merged)
    if verdict == R.VALID and not (intact and valid and trusted):
        merged = R.merge(merged, (R.MALFORMED_SIGNATURE,))  # never VALID on a gap
        verdict = R.verdict_of(merged)
    organization, common_name = subject_names(check.signer_cert)
    approval = None
    if intact and valid:  # signed with TBS_Sign: as authentic as the seal itself
        chain = read_approval_ext(check.ext_datas)
        # the file as approved is not recoverable from the sealed package
        approval = None if chain is None else {**chain, "document_matches": None}
    return SignatureReport(
        field=check.id, verdict=verdict, reasons=merged, signer=common_name,
        organization=organization, seal_name=check.seal.name if check.seal else None,
        signing_time=check.signing_time, timestamp_time=proven, intact=intact,
        valid=valid, trusted=trusted, revoked=revocation.revoked, coverage="REFERENCED_FILES",
        modification="FILES_ADDED" if check.files_added else "NONE", pades_level=None,
        anchor=anchor, ofd=_extras(check, stamp), approval=approval)


TIME_CODES = frozenset({"CERT_NOT_VALID_AT_SIGNING", "SEAL_NOT_VALID_AT_SIGNING",
                        "SIGNING_TIME_UNKNOWN"})
"""The codes about the claimed signing time, judged again at a trusted timestamp's."""


def _timestamp(check: SignatureCheck, trust: OfdTrust) -> TimestampCheck | None:
    if check.timestamp is None:
        return None
    return check_timestamp(check.timestamp, check.signature_value or b"",
                           list(trust.tsa_roots), trust.policy, trust.at)


def _intact(check: SignatureCheck) -> bool | None:
    statuses = {r.status for r in check.references}
    if statuses & {"changed", "missing"} or check.data_hash_ok is False:
        return False
    if not statuses or statuses != {"ok"}:
        return None  # nothing protected, or an unsupported digest
    if check.type.strip().lower() == "sign":
        return True  # Signature.xml itself is what the signature value covers
    return check.data_hash_ok


def _valid(check: SignatureCheck) -> bool | None:
    parts = [check.signer_signature_ok]
    if check.type.strip().lower() != "sign":
        parts.append(check.maker_signature_ok)
    if False in parts:
        return False
    return True if all(p is True for p in parts) else None


def _trust(check: SignatureCheck, anchors: tuple[bytes, ...], when: datetime | None
           ) -> tuple[bool | None, str | None, str | None, tuple[bytes, ...]]:
    """(trusted, the anchor's CN, the code when not trusted, the path when trusted), the
    path judged at ``when`` (the trusted timestamp's time, else the claimed signing time)."""
    if not anchors:
        return False, None, R.SM2_NO_TRUST_ANCHOR, ()
    if check.signer_cert is None or when is None:
        return None, None, None, ()  # the signature's own codes say why
    try:
        candidates = (*check.seal_certs, *read_issuers(check.ext_datas))
        found = sm2_chain(check.signer_cert, candidates, anchors, when)
    except Exception:  # noqa: BLE001 - a certificate from the file: never a crash
        return None, None, None, ()  # not trusted; signature_report keeps it from VALID
    if found.ok:
        return True, subject_names(found.path[-1])[1], None, found.path
    code = found.code if found.code in R.SM2_CHAIN_REASONS else R.SM2_NO_TRUST_ANCHOR
    return False, None, code, ()


def subject_names(der: bytes | None) -> tuple[str | None, str | None]:
    """(O, CN) of a certificate's subject (SM2 or not); Nones when unreadable."""
    if der is None:
        return None, None
    try:
        names = x509.Certificate.load(der).subject.native
    except Exception:  # noqa: BLE001 - asn1crypto raises many kinds on junk
        return None, None

    def first(key: str) -> str | None:
        value = names.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        return str(value) if value else None

    return first("organization_name"), first("common_name")


def gen_time(token: bytes) -> datetime | None:
    """genTime of an RFC 3161 timestamp token (CMS SignedData over a TSTInfo) as written,
    NOT verified (``ofd_timestamp.check_timestamp`` does that); None if it cannot be read."""
    try:
        signed = cms.ContentInfo.load(token)["content"]
        info = signed["encap_content_info"]["content"].parsed
        when = info["gen_time"].native
    except Exception:  # noqa: BLE001 - a foreign token: the time stays unknown
        return None
    return when if isinstance(when, datetime) else None


def _extras(check: SignatureCheck, stamp: TimestampCheck | None) -> OfdExtras:
    seal: dict[str, Any] | None = None
    if check.seal is not None:
        s = check.seal
        seal = {"name": s.name, "es_id": s.es_id, "vendor": s.vendor, "version": s.version,
                "picture_kind": s.picture_kind, "width_mm": s.picture_width_mm,
                "height_mm": s.picture_height_mm, "maker": check.maker_subject or None}
    stamps = tuple({"page": None if p.page_index is None else p.page_index + 1,
                    "boundary_mm": list(p.boundary_mm) if p.boundary_mm else None,
                    "clip": list(p.clip) if p.clip else None} for p in check.stamps)
    references = tuple({"file": r.file, "status": r.status} for r in check.references
                       if r.status != "ok")
    details = tuple({"code": r.code, "file": r.file, "detail": r.detail or None}
                    for r in check.reasons)
    if stamp is not None and stamp.code is not None:  # what the token said, not relied on
        said = f"genTime {stamp.claimed_time.isoformat()}; " if stamp.claimed_time else ""
        tsa = f"TSA {stamp.tsa}; " if stamp.tsa else ""
        details += ({"code": stamp.code, "file": None, "detail": f"{said}{tsa}{stamp.detail}"},)
    return OfdExtras(signature_type=check.type, provider=check.provider, seal=seal,
                     stamps=stamps, references=references, files_added=check.files_added,
                     details=details, picture=check.picture)
