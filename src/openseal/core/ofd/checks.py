"""The checks of one OFD signature (see ``verify.py`` for the rules)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openseal.core.gm import sm2
from openseal.core.ofd.certs import certificate_info
from openseal.core.ofd.package import OfdPackage, Page, normalise
from openseal.core.ofd.reasons import Reason, status_of
from openseal.core.ofd.results import (
    ReferenceCheck,
    SealSummary,
    SignatureCheck,
    StampPlacement,
)
from openseal.core.ofd.signatures_xml import SignatureEntry, SignatureXml
from openseal.errors import InvalidInput


@dataclass
class Parsed:
    entry: SignatureEntry
    xml: SignatureXml | None = None
    error: InvalidInput | None = None
    own: set[str] = field(default_factory=set)


class _Findings:
    def __init__(self) -> None:
        self.reasons: list[Reason] = []
        self.values: dict[str, Any] = {
            "data_hash_ok": None, "signer_signature_ok": None, "maker_signature_ok": None,
            "signer_in_seal_list": None, "signer_cert_valid_at_signing": None,
            "seal_valid_at_signing": None, "seal_esl_matches": None, "seal": None,
            "signer_subject": "", "maker_subject": "", "signing_time": None,
            "signer_cert": None, "seal_certs": (), "picture": None, "timestamp": None,
            "signature_value": None, "ext_datas": (),
        }

    def add(self, code: str, file: str | None = None, detail: str = "") -> None:
        self.reasons.append(Reason(code, file, detail))

    def check(self, name: str, ok: bool | None, code: str, file: str | None = None) -> None:
        self.values[name] = ok
        if ok is False:
            self.add(code, file)


def verify_one(package: OfdPackage, item: Parsed, later: set[str], existed: set[str],
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
        reasons=tuple(found.reasons), status=status_of(found.reasons),
        signer_cert=values["signer_cert"], seal_certs=values["seal_certs"],
        picture=values["picture"], timestamp=values["timestamp"],
        signature_value=values["signature_value"], ext_datas=values["ext_datas"])


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
            found.values["signer_cert"] = cert
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
    found.values.update(signing_time=sig.signed_at, signer_cert=sig.signer_cert,
                        seal_certs=(*sig.seal.signer_certs, sig.seal.maker_cert),
                        picture=sig.seal.picture.data, timestamp=sig.timestamp,
                        signature_value=sig.signature, ext_datas=sig.ext_datas)
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

