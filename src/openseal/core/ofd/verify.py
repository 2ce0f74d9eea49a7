"""Verifying the signatures and seals of an OFD file (GB/T 33190 §18, GB/T 38540).

``verify_ofd(data)`` opens the package (``package.py``), reads every DocBody's Signatures.xml
and each Signature.xml (``signatures_xml.py``) and checks, per signature:

1. every Reference: SM3 of the stored bytes equals its CheckValue (``ok`` / ``changed`` /
   ``missing``; ``unchecked`` when CheckMethod is not SM3: MD5 and SHA1 are reported as
   unsupported, never accepted);
2. which files no Reference covers (see *Files added* below);
3. ``Type="Seal"``: SignedValue.dat is a GB/T 38540 SES_Signature (``ses.py``): dataHash =
   SM3(Signature.xml bytes), the signer's SM2 signature over TBS_Sign, the maker's signature
   over the seal, the signer certificate in the seal's list, the signer certificate and the
   seal valid at ``timeInfo`` (the signing time in the signature, not today), Seal.esl (when
   SignedInfo/Seal names one) equal to the seal embedded in the signature;
4. ``Type="Sign"``: SignedValue.dat is a bare DER SM2 signature over the Signature.xml bytes,
   checked with the certificates the caller passes (``extra_signer_certs``); none given means
   INDETERMINATE (``SIGN_NO_CERTIFICATE``).

Each finding is a reason code (``REASONS``: severity, Chinese, English); a signature's status
is derived from its codes (any INVALID code: INVALID, else any INDETERMINATE code:
INDETERMINATE, else VALID), the document's from its signatures (the worst one; none at all:
INDETERMINATE, ``NO_SIGNATURES``).

Trust: there are no trust anchors for the seal makers' and signers' roots yet, so chains are
not built. ``status`` speaks about integrity (the file is intact and cryptographically
consistent); ``trusted`` is always False until anchors exist. The product's report maps the
two onto its own schema.

Files added: the package does not record which files existed when a signature was made, so
the rule is: for signature *i*, every file that no Reference of *i* covers, that is not one
of *i*'s own files (its Signature.xml, SignedValue.dat and Seal.esl) and not one of the own
files of the signatures listed after it in Signatures.xml, is *not covered*
(``files_not_covered``). Of those, the files that must have existed at signing time are not
"added": OFD.xml (the package root), the signature list (Signatures.xml, which lists *i*),
the DocBody's Document.xml, and the own and protected files of the signatures listed before
*i* (they were there when *i* was made; their own signatures guard them). OFD.xml and
Document.xml left unprotected get the warning ``OFD_FILE_NOT_PROTECTED`` (changes to them
cannot be detected); an unprotected Signatures.xml gets nothing (it is left open on purpose
so that later signatures can be added). Every other uncovered file is reported as
``OFD_FILE_ADDED`` (INDETERMINATE: the signature is intact, but the package holds content it
does not vouch for). A file added and then covered by a later signature that is itself VALID
is reported as ``OFD_FILE_ADDED_LATER_SIGNED`` instead (a warning).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final

from asn1crypto import x509

from openseal.core.gm import sm2
from openseal.core.ofd.package import DocBody, OfdPackage, Page, normalise
from openseal.core.ofd.signatures_xml import (
    SignatureEntry,
    SignatureXml,
    read_signature_list,
    read_signature_xml,
)
from openseal.errors import InvalidInput

VALID: Final = "VALID"
INVALID: Final = "INVALID"
INDETERMINATE: Final = "INDETERMINATE"
WARNING: Final = "WARNING"

# code -> (severity, Chinese, English)
REASONS: Final[dict[str, tuple[str, str, str]]] = {
    "NO_SIGNATURES": (INDETERMINATE, "文件中没有签名或印章", "The document carries no signature"),
    "OFD_REFERENCE_CHANGED": (INVALID, "签章后受保护的文件被修改",
                              "A file protected by the signature was changed after signing"),
    "OFD_REFERENCE_MISSING": (INVALID, "受签章保护的文件已不在文件包中",
                              "A file protected by the signature is missing from the package"),
    "OFD_NO_REFERENCES": (INDETERMINATE, "签名没有保护任何文件",
                          "The signature protects no file"),
    "OFD_DIGEST_UNSUPPORTED": (INDETERMINATE, "签名使用了不支持的摘要算法（仅支持 SM3），无法验证",
                               "The signature uses an unsupported digest (only SM3 is "
                               "supported) and cannot be checked"),
    "OFD_FILE_ADDED": (INDETERMINATE, "签章后文件包中新增了未受保护的文件",
                       "A file that the signature does not protect was added to the package"),
    "OFD_FILE_ADDED_LATER_SIGNED": (WARNING, "签章后新增的文件已由之后的有效签章保护",
                                    "A file added after this signature is protected by a "
                                    "later valid signature"),
    "OFD_FILE_NOT_PROTECTED": (WARNING, "该文件不受签章保护，其修改无法被发现",
                               "This file is not protected by the signature: changes to it "
                               "cannot be detected"),
    "OFD_SIGNATURE_MISSING": (INVALID, "签名列表中的签名描述文件不存在",
                              "A signature listed in Signatures.xml is missing"),
    "OFD_SIGNATURE_MALFORMED": (INDETERMINATE, "签名描述文件格式错误，无法验证",
                                "The signature file is malformed and cannot be checked"),
    "OFD_SIGNED_VALUE_MISSING": (INVALID, "签名值文件（SignedValue.dat）不存在",
                                 "The signature value (SignedValue.dat) is missing"),
    "OFD_DATA_HASH_MISMATCH": (INVALID, "签名描述文件（Signature.xml）在签章后被修改",
                               "The signature description (Signature.xml) was changed after "
                               "signing"),
    "OFD_PROPERTY_INFO_MISMATCH": (WARNING, "电子签章中记录的签名文件路径与实际位置不同",
                                   "The signature file path recorded in the electronic "
                                   "signature differs from its place in the package"),
    "OFD_SEAL_ESL_MISMATCH": (INVALID, "文件包中的印章文件（Seal.esl）与签章中的印章不一致",
                              "The seal file (Seal.esl) in the package differs from the seal "
                              "in the signature"),
    "SES_FORMAT": (INDETERMINATE, "电子签章数据格式错误或不受支持，无法验证",
                   "The electronic signature data is malformed or unsupported and cannot be "
                   "checked"),
    "SES_UNAVAILABLE": (INDETERMINATE, "电子签章（GB/T 38540）验证模块不可用",
                        "The GB/T 38540 signature checker is not available"),
    "SES_SIGNATURE_INVALID": (INVALID, "签章人的签名无效",
                              "The signer's signature is invalid"),
    "SES_SEAL_SIGNATURE_INVALID": (INVALID, "电子印章的制章者签名无效",
                                   "The seal maker's signature over the seal is invalid"),
    "SES_SIGNER_NOT_IN_SEAL": (INVALID, "签章人证书不在印章的授权证书列表中",
                               "The signer's certificate is not in the seal's certificate list"),
    "SIGNING_TIME_UNKNOWN": (INDETERMINATE, "无法读取签章时间，无法判断证书和印章当时是否有效",
                             "The signing time cannot be read, so the validity of the "
                             "certificate and the seal at that time cannot be judged"),
    "CERT_NOT_VALID_AT_SIGNING": (INVALID, "签章时签章人证书不在有效期内",
                                  "The signer's certificate was not valid at the signing time"),
    "CERT_UNREADABLE": (INDETERMINATE, "无法读取签章人证书",
                        "The signer's certificate cannot be read"),
    "SEAL_NOT_VALID_AT_SIGNING": (INVALID, "签章时电子印章不在有效期内",
                                  "The seal was not within its validity period at the signing "
                                  "time"),
    "SIGN_NO_CERTIFICATE": (INDETERMINATE, "数字签名（Type=Sign）不含证书，且未提供签名者证书，"
                            "无法验证", "A plain digital signature (Type=Sign) carries no "
                            "certificate and none was given, so it cannot be checked"),
    "SIGN_SIGNATURE_INVALID": (INVALID, "数字签名无法用所提供的任何证书验证通过",
                               "The digital signature does not verify with any of the given "
                               "certificates"),
}


@dataclass(frozen=True)
class Reason:
    code: str
    file: str | None = None
    detail: str = ""

    @property
    def severity(self) -> str:
        return REASONS.get(self.code, (INDETERMINATE, "", ""))[0]

    def message(self, lang: str = "zh") -> str:
        _, zh, en = REASONS.get(self.code, (INDETERMINATE, self.code, self.code))
        text = en if lang.startswith("en") else zh
        return f"{text}: {self.file}" if self.file else text


@dataclass(frozen=True)
class ReferenceCheck:
    file: str
    """The FileRef as written."""
    status: str
    """``ok``, ``changed``, ``missing``, or ``unchecked`` (unsupported CheckMethod)."""


@dataclass(frozen=True)
class StampPlacement:
    id: str
    page_ref: str
    page_index: int | None
    """0-based index of the page whose ID PageRef names; None when no page has that ID."""
    page_file: str | None
    boundary_mm: tuple[float, ...] | None
    clip: tuple[float, ...] | None


@dataclass(frozen=True)
class SealSummary:
    name: str
    es_id: str
    vendor: str
    version: int
    seal_type: int
    picture_kind: str
    picture_width_mm: int
    picture_height_mm: int
    valid_from: datetime
    valid_until: datetime


@dataclass(frozen=True)
class SignatureCheck:
    id: str
    type: str
    path: str | None
    provider: str
    provider_company: str
    provider_version: str
    method: str
    check_method: str
    signature_time_text: str
    signing_time: datetime | None
    """TBS_Sign.timeInfo (Type=Seal); the claimed SignatureDateTime (Type=Sign)."""
    references: tuple[ReferenceCheck, ...]
    files_not_covered: tuple[str, ...]
    files_added: tuple[str, ...]
    data_hash_ok: bool | None
    signer_signature_ok: bool | None
    maker_signature_ok: bool | None
    signer_in_seal_list: bool | None
    signer_cert_valid_at_signing: bool | None
    seal_valid_at_signing: bool | None
    seal_esl_matches: bool | None
    """None when SignedInfo names no Seal.esl."""
    stamps: tuple[StampPlacement, ...]
    seal: SealSummary | None
    signer_subject: str
    maker_subject: str
    reasons: tuple[Reason, ...]
    status: str


@dataclass(frozen=True)
class OfdVerification:
    status: str
    """VALID / INVALID / INDETERMINATE: integrity, see ``trusted``."""
    trusted: bool
    """Always False for now: no trust anchors for seal makers and signers exist yet."""
    signatures: tuple[SignatureCheck, ...]
    reasons: tuple[Reason, ...]
    """Document-level reasons (NO_SIGNATURES)."""
    leading_bytes: int = 0


def status_of(reasons: Sequence[Reason]) -> str:
    severities = {r.severity for r in reasons}
    if INVALID in severities:
        return INVALID
    return INDETERMINATE if INDETERMINATE in severities else VALID


def verify_ofd(data: bytes, *, extra_signer_certs: Sequence[bytes] = ()) -> OfdVerification:
    """Verify every signature of the OFD file ``data``.

    Raises InvalidInput (codes ``OFD_*``) when the file is not a readable, safe OFD package:
    not a zip, a zip bomb, duplicate or escaping names, XML with a DOCTYPE ...
    """
    package = OfdPackage.open(data)
    checks: list[SignatureCheck] = []
    for body in package.doc_bodies():
        checks.extend(_verify_body(package, body, tuple(extra_signer_certs)))
    if not checks:
        reason = Reason("NO_SIGNATURES")
        return OfdVerification(INDETERMINATE, False, (), (reason,), package.leading_bytes)
    statuses = {c.status for c in checks}
    worst = INVALID if INVALID in statuses else (
        INDETERMINATE if INDETERMINATE in statuses else VALID)
    return OfdVerification(worst, False, tuple(checks), (), package.leading_bytes)


# ---------------------------------------------------------------- per DocBody


@dataclass
class _Parsed:
    entry: SignatureEntry
    xml: SignatureXml | None = None
    error: InvalidInput | None = None
    own: set[str] = field(default_factory=set)


def _parse_entry(package: OfdPackage, entry: SignatureEntry) -> _Parsed:
    parsed = _Parsed(entry)
    if entry.path is None:
        return parsed
    parsed.own.add(entry.path)
    try:
        parsed.xml = read_signature_xml(package, entry.path)
    except InvalidInput as exc:
        if exc.code not in ("OFD_SIGNATURE_MALFORMED", "OFD_XML_MALFORMED"):
            raise
        parsed.error = exc
        return parsed
    for path in (parsed.xml.signed_value_path, parsed.xml.seal_path):
        if path is not None:
            parsed.own.add(path)
    return parsed


def _verify_body(package: OfdPackage, body: DocBody,
                 certs: tuple[bytes, ...]) -> list[SignatureCheck]:
    list_path = package.signatures_path(body)
    if list_path is None:
        return []
    signature_list = read_signature_list(package, list_path)
    pages = _pages(package, body)
    parsed = [_parse_entry(package, e) for e in signature_list.entries]
    # files that existed when any signature of this DocBody was made
    root_files = {p for p in (package.find("OFD.xml"), body.doc_root, list_path) if p}
    checks = []
    for i, item in enumerate(parsed):
        later: set[str] = set()
        for other in parsed[i + 1:]:
            later |= other.own
        existed = set(root_files)
        for other in parsed[:i]:
            existed |= other.own
            if other.xml is not None:
                existed |= {r.path for r in other.xml.references if r.path}
        checks.append(_verify_one(package, item, later, existed, pages, certs))
    return _credit_later_signatures(checks, [p.xml for p in parsed])


def _pages(package: OfdPackage, body: DocBody) -> list[Page]:
    """The DocBody's pages; none when Document.xml is malformed (its Reference says why)."""
    if body.doc_root is None:
        return []
    try:
        return package.pages(body.doc_root)
    except InvalidInput as exc:
        if exc.code != "OFD_XML_MALFORMED":
            raise
        return []


def _credit_later_signatures(checks: list[SignatureCheck],
                             xmls: list[SignatureXml | None]) -> list[SignatureCheck]:
    """Files added after signature i but covered by a later VALID signature: a warning."""
    result = []
    for i, check in enumerate(checks):
        vouched: set[str] = set()
        for j in range(i + 1, len(checks)):
            xml = xmls[j]
            if checks[j].status == VALID and xml is not None:
                vouched |= {r.path for r in xml.references if r.path}
        if not vouched & set(check.files_added):
            result.append(check)
            continue
        reasons = tuple(
            Reason("OFD_FILE_ADDED_LATER_SIGNED", r.file)
            if r.code == "OFD_FILE_ADDED" and r.file in vouched else r
            for r in check.reasons)
        result.append(replace(check, reasons=reasons, status=status_of(reasons)))
    return result


# ---------------------------------------------------------------- one signature


class _Findings:
    def __init__(self) -> None:
        self.reasons: list[Reason] = []
        self.values: dict[str, Any] = {
            "data_hash_ok": None, "signer_signature_ok": None, "maker_signature_ok": None,
            "signer_in_seal_list": None, "signer_cert_valid_at_signing": None,
            "seal_valid_at_signing": None, "seal_esl_matches": None, "seal": None,
            "signer_subject": "", "maker_subject": "", "signing_time": None,
        }

    def add(self, code: str, file: str | None = None, detail: str = "") -> None:
        self.reasons.append(Reason(code, file, detail))

    def check(self, name: str, ok: bool | None, code: str, file: str | None = None) -> None:
        self.values[name] = ok
        if ok is False:
            self.add(code, file)


def _verify_one(package: OfdPackage, item: _Parsed, later: set[str], existed: set[str],
                pages: list[Page], certs: tuple[bytes, ...]) -> SignatureCheck:
    found = _Findings()
    entry, sx = item.entry, item.xml
    if entry.path is None:
        found.add("OFD_SIGNATURE_MISSING", entry.base_loc)
    elif sx is None:
        found.add("OFD_SIGNATURE_MALFORMED", entry.path,
                  item.error.en if item.error is not None else "")
    references: tuple[ReferenceCheck, ...] = ()
    not_covered: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    if sx is not None:
        references = _check_references(package, sx, found)
        not_covered, added = _coverage(package, sx, item.own | later, existed, found)
        if entry.type.strip().lower() == "sign":
            _check_sign(package, sx, certs, found)
        else:
            _check_seal(package, sx, found)
    values = found.values
    return SignatureCheck(
        id=entry.id, type=entry.type, path=entry.path,
        provider=sx.provider_name if sx else "",
        provider_company=sx.provider_company if sx else "",
        provider_version=sx.provider_version if sx else "",
        method=sx.signature_method if sx else "", check_method=sx.check_method if sx else "",
        signature_time_text=sx.signature_datetime if sx else "",
        signing_time=values["signing_time"],
        references=references, files_not_covered=not_covered, files_added=added,
        data_hash_ok=values["data_hash_ok"], signer_signature_ok=values["signer_signature_ok"],
        maker_signature_ok=values["maker_signature_ok"],
        signer_in_seal_list=values["signer_in_seal_list"],
        signer_cert_valid_at_signing=values["signer_cert_valid_at_signing"],
        seal_valid_at_signing=values["seal_valid_at_signing"],
        seal_esl_matches=values["seal_esl_matches"],
        stamps=_stamps(sx, pages) if sx else (), seal=values["seal"],
        signer_subject=values["signer_subject"], maker_subject=values["maker_subject"],
        reasons=tuple(found.reasons), status=status_of(found.reasons))


def _check_references(package: OfdPackage, sx: SignatureXml,
                      found: _Findings) -> tuple[ReferenceCheck, ...]:
    if not sx.references:
        found.add("OFD_NO_REFERENCES")
    if sx.digest is None:
        found.add("OFD_DIGEST_UNSUPPORTED", None, sx.check_method or "MD5 (default)")
        return tuple(ReferenceCheck(r.file_ref, "unchecked") for r in sx.references)
    checks = []
    for ref in sx.references:
        if ref.path is None:
            status = "missing"
            found.add("OFD_REFERENCE_MISSING", ref.file_ref)
        elif ref.check_value is None or sm2.sm3(package.read(ref.path)) != ref.check_value:
            status = "changed"
            found.add("OFD_REFERENCE_CHANGED", ref.file_ref)
        else:
            status = "ok"
        checks.append(ReferenceCheck(ref.file_ref, status))
    return tuple(checks)


def _coverage(package: OfdPackage, sx: SignatureXml, exempt: set[str], existed: set[str],
              found: _Findings) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(files not covered, files added): see the module's docstring for the rule."""
    covered = {r.path for r in sx.references if r.path}
    not_covered = tuple(n for n in package.names() if n not in covered and n not in exempt)
    added = tuple(n for n in not_covered if n not in existed)
    for name in not_covered:
        if name in existed and _is_root_file(name):
            found.add("OFD_FILE_NOT_PROTECTED", name)
    for name in added:
        found.add("OFD_FILE_ADDED", name)
    return not_covered, added


def _is_root_file(name: str) -> bool:
    return name.lower() == "ofd.xml" or name.lower().endswith("/document.xml")


def _stamps(sx: SignatureXml, pages: list[Page]) -> tuple[StampPlacement, ...]:
    by_id = {p.id: p for p in pages}
    placements = []
    for stamp in sx.stamp_annots:
        page = by_id.get(stamp.page_ref)
        placements.append(StampPlacement(
            stamp.id, stamp.page_ref, page.index if page else None,
            page.path if page else None, stamp.boundary, stamp.clip))
    return tuple(placements)


# ---------------------------------------------------------------- Type="Sign"


def _check_sign(package: OfdPackage, sx: SignatureXml, certs: tuple[bytes, ...],
                found: _Findings) -> None:
    found.values["signing_time"] = sx.signature_time
    if sx.signed_value_path is None:
        found.add("OFD_SIGNED_VALUE_MISSING", sx.signed_value_loc or None)
        return
    if not certs:
        found.add("SIGN_NO_CERTIFICATE")
        return
    signed = package.read(sx.path)
    value = package.read(sx.signed_value_path)
    for cert in certs:
        info = certificate_info(cert)
        if info is not None and info.public_key and sm2.verify(info.public_key, signed, value):
            found.values["signer_signature_ok"] = True
            found.values["signer_subject"] = info.subject
            found.check("signer_cert_valid_at_signing", info.valid_at(sx.signature_time),
                        "CERT_NOT_VALID_AT_SIGNING")
            return
    found.check("signer_signature_ok", False, "SIGN_SIGNATURE_INVALID")


# ---------------------------------------------------------------- Type="Seal"


def _check_seal(package: OfdPackage, sx: SignatureXml, found: _Findings) -> None:
    if sx.signed_value_path is None:
        found.add("OFD_SIGNED_VALUE_MISSING", sx.signed_value_loc or None)
        return
    try:
        from openseal.core.ofd import ses
    except ImportError:  # pragma: no cover - only while ses.py is being written
        found.add("SES_UNAVAILABLE")
        return
    try:
        sig = ses.read_signature(package.read(sx.signed_value_path))
    except InvalidInput as exc:
        found.add("SES_FORMAT", sx.signed_value_path, exc.en)
        return
    found.values["signing_time"] = sig.signed_at
    found.check("data_hash_ok", sig.data_hash == sm2.sm3(package.read(sx.path)),
                "OFD_DATA_HASH_MISMATCH", sx.path)
    if normalise(sig.property_info or "") != sx.path:
        found.add("OFD_PROPERTY_INFO_MISMATCH", sx.path, sig.property_info)
    try:
        found.check("signer_signature_ok", ses.signature_valid(sig), "SES_SIGNATURE_INVALID")
        found.check("maker_signature_ok", ses.maker_signature_valid(sig.seal),
                    "SES_SEAL_SIGNATURE_INVALID")
        found.check("signer_in_seal_list", ses.signer_allowed(sig.seal, sig.signer_cert),
                    "SES_SIGNER_NOT_IN_SEAL")
    except InvalidInput as exc:
        found.add("SES_FORMAT", sx.signed_value_path, exc.en)
    _check_times(sig, found)
    _check_seal_file(package, sx, sig.seal.der, found)
    found.values["seal"] = summarise(sig.seal)
    maker = certificate_info(sig.seal.maker_cert)
    found.values["maker_subject"] = maker.subject if maker else ""


def _check_times(sig: Any, found: _Findings) -> None:
    signer = certificate_info(sig.signer_cert)
    if signer is None:
        found.add("CERT_UNREADABLE")
    else:
        found.values["signer_subject"] = signer.subject
    when = sig.signed_at
    if when is None:
        found.add("SIGNING_TIME_UNKNOWN")
        return
    if signer is not None:
        found.check("signer_cert_valid_at_signing", signer.valid_at(when),
                    "CERT_NOT_VALID_AT_SIGNING")
    seal = sig.seal
    found.check("seal_valid_at_signing", seal.valid_from <= when <= seal.valid_until,
                "SEAL_NOT_VALID_AT_SIGNING")


def _check_seal_file(package: OfdPackage, sx: SignatureXml, embedded: bytes,
                     found: _Findings) -> None:
    if not sx.seal_loc:
        return
    matches = sx.seal_path is not None and package.read(sx.seal_path) == embedded
    found.check("seal_esl_matches", matches, "OFD_SEAL_ESL_MISMATCH",
                sx.seal_path or sx.seal_loc)


def summarise(seal: Any) -> SealSummary:
    picture = seal.picture
    return SealSummary(
        name=seal.name, es_id=seal.es_id, vendor=seal.vendor, version=seal.version,
        seal_type=seal.seal_type, picture_kind=picture.kind,
        picture_width_mm=picture.width_mm, picture_height_mm=picture.height_mm,
        valid_from=seal.valid_from, valid_until=seal.valid_until)


# ---------------------------------------------------------------- certificates


@dataclass(frozen=True)
class CertificateInfo:
    subject: str
    not_before: datetime
    not_after: datetime
    public_key: bytes | None
    """The SM2 point 04 || x || y (or whatever the key bit string holds)."""

    def valid_at(self, when: datetime | None) -> bool | None:
        if when is None:
            return None
        return self.not_before <= when <= self.not_after


def certificate_info(der: bytes) -> CertificateInfo | None:
    """Subject, validity and raw public key of an X.509 certificate (SM2 or not); None if junk.

    The public key is read as the bare subjectPublicKey BIT STRING, because asn1crypto's key
    classes do not know the SM2 curve.
    """
    try:
        tbs = x509.Certificate.load(der)["tbs_certificate"]
        validity = tbs["validity"]
        key_bits = tbs["subject_public_key_info"]["public_key"].contents
        return CertificateInfo(
            subject=tbs["subject"].human_friendly,
            not_before=validity["not_before"].native,
            not_after=validity["not_after"].native,
            public_key=bytes(key_bits[1:]) if key_bits else None)
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
        return None
