"""The verifier's result: one report per document, one entry per signature."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from openseal.core.verification.reasons import describe, family_of, family_text

_VERDICT_TEXT = {
    "VALID": ("有效", "VALID"),
    "INVALID": ("无效", "INVALID"),
    "INDETERMINATE": ("无法确定", "INDETERMINATE"),
}


def iso_utc(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class OfdExtras:
    """What an OFD signature adds to the common report (see docs/verify-json.md, OFD)."""

    signature_type: str
    """``Seal`` (an electronic seal, GB/T 38540) or ``Sign`` (a plain digital signature)."""
    provider: str
    seal: dict[str, Any] | None = None
    """name, es_id, vendor, version, picture_kind, width_mm, height_mm, maker (subject)."""
    stamps: tuple[dict[str, Any], ...] = ()
    """Where the seal is shown: page (1-based, null if unknown), boundary_mm, clip."""
    references: tuple[dict[str, str], ...] = ()
    """The protected files that did not check out: {file, status: changed|missing|unchecked}."""
    files_added: tuple[str, ...] = ()
    details: tuple[dict[str, str | None], ...] = ()
    """Every finding with the file it is about: {code, file, detail}."""
    picture: bytes | None = field(default=None, compare=False, repr=False)
    """The seal picture's bytes (not in the JSON; the public page shows PNG/GIF/JPEG)."""

    def to_dict(self) -> dict[str, Any]:
        return {"signature_type": self.signature_type, "provider": self.provider,
                "seal": self.seal, "stamps": list(self.stamps),
                "references": list(self.references), "files_added": list(self.files_added),
                "details": list(self.details)}


@dataclass(frozen=True)
class SignatureReport:
    """What was found about one signature (or document timestamp)."""

    field: str
    verdict: str
    reasons: tuple[str, ...] = ()
    signer: str | None = None
    organization: str | None = None
    seal_name: str | None = None
    signing_time: datetime | None = None
    timestamp_time: datetime | None = None
    intact: bool | None = None
    valid: bool | None = None
    trusted: bool | None = None
    revoked: bool | None = None
    coverage: str | None = None
    modification: str | None = None
    pades_level: str | None = None
    test_seal: bool = False
    """Certified by a sandbox (test) root given as ``test_roots``: no legal effect."""
    approval: dict[str, Any] | None = None
    """The approval chain the seal carries (ticket, requester, approvers), if any."""
    signed_revision_bytes: int | None = None
    """The length of the file prefix the signature covers (the end of its /ByteRange),
    when the byte range is standard: ``data[:n]`` is the revision that was signed."""
    anchor: str | None = None
    """The trust anchor (root) a trusted signer chains to: OpenSeal's own or an imported one."""
    proof_time: datetime | None = None
    """Set when validated long-term (``LONG_TERM_VALIDATED``): the earlier time, proven by
    document timestamps, at which the signature was validated."""
    ofd: OfdExtras | None = None
    """An OFD signature's own facts (seal, stamps, files): its keys join the JSON."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON; ``proof_time`` only when the signature was validated long-term, the
        OFD members only for an OFD signature."""
        found: dict[str, Any] = {
            "field": self.field, "verdict": self.verdict, "reasons": list(self.reasons),
            "signer": self.signer, "organization": self.organization,
            "seal_name": self.seal_name, "signing_time": iso_utc(self.signing_time),
            "timestamp_time": iso_utc(self.timestamp_time), "intact": self.intact,
            "valid": self.valid, "trusted": self.trusted, "revoked": self.revoked,
            "coverage": self.coverage, "modification": self.modification,
            "pades_level": self.pades_level, "test_seal": self.test_seal,
            "approval": self.approval, "signed_revision_bytes": self.signed_revision_bytes,
            "anchor": self.anchor,
        }
        if self.proof_time is not None:
            found["proof_time"] = iso_utc(self.proof_time)
        if self.ofd is not None:
            found.update(self.ofd.to_dict())
        return found


@dataclass(frozen=True)
class VerificationReport:
    """The document verdict, its reasons, and every signature's own report."""

    verdict: str
    reasons: tuple[str, ...] = ()
    signatures: tuple[SignatureReport, ...] = ()
    file: str | None = None
    sha256: str = ""
    unsigned_trailing_bytes: int = 0
    details: tuple[str, ...] = field(default=(), compare=False)
    """Diagnostics (exception texts); not part of the JSON, never used for the verdict."""
    validation_time: datetime | None = field(default=None, compare=False)
    """The time the document was verified as of (``verify_pdf(now=...)``, else the time of
    the verification)."""
    as_of: bool = field(default=False, compare=False)
    """Whether ``validation_time`` was asked for (``now=``) rather than the current time."""
    format: str | None = None
    """``PDF`` or ``OFD``: what the file was read as; None when it is neither."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON; ``validation_time`` only when the verification was "as of" a time."""
        found: dict[str, Any] = {
            "file": self.file, "format": self.format, "sha256": self.sha256,
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "signatures": [s.to_dict() for s in self.signatures],
            "unsigned_trailing_bytes": self.unsigned_trailing_bytes,
        }
        if self.as_of:
            found["validation_time"] = iso_utc(self.validation_time)
        return found

    def summary(self, lang: str = "zh") -> str:
        """A multi-line human summary in Chinese ("zh") or English ("en")."""
        en = lang.startswith("en")
        zh_text, en_text = _VERDICT_TEXT.get(self.verdict, (self.verdict, self.verdict))
        lines = [f"{'Verdict' if en else '验证结论'}: {en_text if en else zh_text}"]
        family = family_of(self.reasons) if self.verdict != "VALID" else None
        if family is not None:
            lines.append(f"  {family_text(family, lang)}")
        if self.file:
            lines.append(f"{'File' if en else '文件'}: {self.file}")
        if self.format:
            lines.append(f"{'Format' if en else '格式'}: {self.format}")
        lines.append(f"SHA-256: {self.sha256}")
        if self.validation_time is not None:
            lines.append(f"{'Validation time' if en else '验证时间'}: "
                         f"{iso_utc(self.validation_time)}")
        lines.extend(f"  - {describe(code, lang)} [{code}]" for code in self.reasons)
        if self.unsigned_trailing_bytes:
            lines.append(f"{'Unsigned trailing bytes' if en else '未签名的附加字节'}: "
                         f"{self.unsigned_trailing_bytes}")
        for n, sig in enumerate(self.signatures, 1):
            lines.extend(_signature_lines(n, sig, lang))
        return "\n".join(lines)


def _signature_lines(n: int, sig: SignatureReport, lang: str) -> list[str]:
    en = lang.startswith("en")
    zh_text, en_text = _VERDICT_TEXT.get(sig.verdict, (sig.verdict, sig.verdict))
    who = " / ".join(x for x in (sig.organization, sig.seal_name) if x) or "?"
    signer = "Signer" if en else "签署方"
    if not sig.trusted:  # a lookalike certificate can claim any name: never shown as verified
        signer = ("Signer (as the certificate claims; NOT verified)" if en
                  else "签署方（证书自称，未经验证）")
    lines = [f"{'Signature' if en else '签名'} {n} ({sig.field}): {en_text if en else zh_text}",
             f"    {signer}: {who}"]
    if sig.timestamp_time or sig.signing_time:
        label = "Timestamp" if sig.timestamp_time else ("Claimed time" if en else "自述时间")
        if not en and sig.timestamp_time:
            label = "时间戳"
        lines.append(f"    {label}: {iso_utc(sig.timestamp_time or sig.signing_time)}")
    if sig.pades_level:
        lines.append(f"    PAdES: {sig.pades_level}")
    if sig.proof_time:
        label = "Validated long-term as of" if en else "长期验证，验证时间点"
        lines.append(f"    {label}: {iso_utc(sig.proof_time)}")
    if sig.approval is not None:
        lines.extend(_approval_lines(sig.approval, en))
    if sig.ofd is not None:
        return lines + _ofd_lines(sig, lang)
    lines.extend(f"    - {describe(code, lang)} [{code}]" for code in sig.reasons)
    return lines


def _ofd_lines(sig: SignatureReport, lang: str) -> list[str]:
    """An OFD signature's seal, and each reason with the files it is about."""
    assert sig.ofd is not None
    en = lang.startswith("en")
    lines = []
    seal = sig.ofd.seal
    if seal:
        lines.append(f"    {'Seal' if en else '印章'}: {seal.get('name')} "
                     f"({'ID' if en else '编号'} {seal.get('es_id')}, {seal.get('vendor')}, "
                     f"{seal.get('width_mm')}x{seal.get('height_mm')} mm)")
    files: dict[str, list[str]] = {}
    for item in sig.ofd.details:
        if item.get("file"):
            files.setdefault(str(item["code"]), []).append(str(item["file"]))
    for code in sig.reasons:
        named = files.get(code)
        where = f": {', '.join(named[:10])}{' ...' if len(named) > 10 else ''}" if named else ""
        lines.append(f"    - {describe(code, lang)} [{code}]{where}")
    return lines


def _approval_lines(approval: dict[str, Any], en: bool) -> list[str]:
    """Who asked for this use of the seal and who approved it (signed into the seal)."""
    requester = approval.get("requester")
    asked = requester.get("name") if isinstance(requester, dict) else None
    approvers = approval.get("approvers")
    names = ", ".join(str(a.get("name")) for a in approvers if isinstance(a, dict)) \
        if isinstance(approvers, list) else ""
    matches = approval.get("document_matches")
    lines = [f"    {'Requested by' if en else '用印申请人'}: {asked or '?'}",
             f"    {'Approved by' if en else '审批人'}: {names or '?'}",
             f"    {'Ticket' if en else '用印凭证'}: {approval.get('ticket')}"]
    if matches is False:
        lines.append("    " + ("The sealed document is not the one approved" if en
                              else "盖章的文件与审批时的文件不一致"))
    return lines
