"""Signatures.xml and Signature.xml (GB/T 33190 §18), read leniently.

Real files break the schema in small ways (GBT38540-OFD.md §2.2): children of ``SignedInfo``
in any order, ``SignedValue`` before ``SignedInfo``, ``MaxSignId`` anywhere, numeric IDs,
relative ``BaseLoc``, ``CheckMethod`` as the SM3 OID or ``SM3``, several date formats. All of
that is accepted; elements are matched by local name, whatever their namespace. The parsed
values keep the raw text next to the resolved path so a report can show what the file says.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree

from openseal.core.gm.sm2 import SM3_OID
from openseal.core.ofd.package import (
    OfdPackage,
    attr,
    child,
    children,
    descendants,
    folder,
    local,
    numbers,
    text,
)
from openseal.errors import InvalidInput

SM3 = "SM3"
CHINA_TIME = timezone(timedelta(hours=8), "CST")
"""Offset assumed for a SignatureDateTime without one (Chinese producers write local time)."""


@dataclass(frozen=True)
class SignatureEntry:
    id: str
    type: str
    """``Seal`` (the default when absent) or ``Sign``; other values are kept as written."""
    base_loc: str
    path: str | None
    """The stored name of its Signature.xml; None when the package lacks it."""


@dataclass(frozen=True)
class SignatureList:
    path: str
    max_sign_id: str | None
    entries: tuple[SignatureEntry, ...]


@dataclass(frozen=True)
class Reference:
    file_ref: str
    path: str | None
    """The stored name FileRef names; None when the package has no such file."""
    check_value: bytes | None
    """The decoded digest; None when CheckValue is not base64."""


@dataclass(frozen=True)
class StampAnnot:
    id: str
    page_ref: str
    boundary: tuple[float, ...] | None
    clip: tuple[float, ...] | None


@dataclass(frozen=True)
class SignatureXml:
    path: str
    provider_name: str
    provider_company: str
    provider_version: str
    signature_method: str
    signature_datetime: str
    signature_time: datetime | None
    """SignatureDateTime parsed (aware); a time without offset is taken as China time."""
    check_method: str
    digest: str | None
    """``SM3`` when CheckMethod names SM3 (OID or name, any case); None if unsupported."""
    references: tuple[Reference, ...]
    stamp_annots: tuple[StampAnnot, ...]
    seal_loc: str
    seal_path: str | None
    signed_value_loc: str
    signed_value_path: str | None


def _malformed(path: str, what: str, en: str) -> InvalidInput:
    return InvalidInput("OFD_SIGNATURE_MALFORMED", f"OFD 签名描述文件格式错误：{path}：{what}",
                        f"An OFD signature file is malformed: {path}: {en}",
                        field="file", path=path)


def read_signature_list(package: OfdPackage, path: str) -> SignatureList:
    root = package.xml(path)
    if local(root.tag) != "Signatures":
        raise _malformed(path, "根元素不是 Signatures", "the root element is not Signatures")
    base = folder(path)
    max_ids = descendants(root, "MaxSignId")
    entries = []
    for element in children(root, "Signature"):
        loc = attr(element, "BaseLoc")
        entries.append(SignatureEntry(
            id=attr(element, "ID"), type=attr(element, "Type") or "Seal", base_loc=loc,
            path=package.locate(loc, base) if loc else None))
    return SignatureList(path, text(max_ids[0]) if max_ids else None, tuple(entries))


def digest_of(check_method: str) -> str | None:
    """``SM3`` for the SM3 OID or name (any case); None for anything else (MD5, SHA1 ...).

    An absent CheckMethod means MD5 by the XSD's default, so it is unsupported too.
    """
    method = check_method.strip().lower()
    return SM3 if method in (SM3_OID, "sm3", "oid." + SM3_OID) else None


def read_signature_xml(package: OfdPackage, path: str) -> SignatureXml:
    root = package.xml(path)
    if local(root.tag) != "Signature":
        raise _malformed(path, "根元素不是 Signature", "the root element is not Signature")
    info = child(root, "SignedInfo")
    if info is None:
        raise _malformed(path, "缺少 SignedInfo", "SignedInfo is missing")
    base = folder(path)
    provider = child(info, "Provider")
    references = child(info, "References")
    method = attr(references, "CheckMethod") if references is not None else ""
    seal = child(info, "Seal")
    seal_loc = text(child(seal, "BaseLoc")) if seal is not None else ""
    signed_value_loc = text(child(root, "SignedValue"))
    when = text(child(info, "SignatureDateTime"))
    return SignatureXml(
        path=path,
        provider_name=attr(provider, "ProviderName") if provider is not None else "",
        provider_company=attr(provider, "Company") if provider is not None else "",
        provider_version=attr(provider, "Version") if provider is not None else "",
        signature_method=text(child(info, "SignatureMethod")),
        signature_datetime=when,
        signature_time=parse_time(when),
        check_method=method,
        digest=digest_of(method),
        references=tuple(_references(package, references, base)),
        stamp_annots=tuple(_stamp(e) for e in children(info, "StampAnnot")),
        seal_loc=seal_loc,
        seal_path=package.locate(seal_loc, base) if seal_loc else None,
        signed_value_loc=signed_value_loc,
        signed_value_path=package.locate(signed_value_loc, base) if signed_value_loc else None,
    )


def _references(package: OfdPackage, references: ElementTree.Element | None,
                 base: str) -> list[Reference]:
    if references is None:
        return []
    found = []
    for element in children(references, "Reference"):
        file_ref = attr(element, "FileRef")
        found.append(Reference(file_ref, package.locate(file_ref, base) if file_ref else None,
                               _base64(text(child(element, "CheckValue")))))
    return found


def _base64(value: str) -> bytes | None:
    try:
        return base64.b64decode("".join(value.split()), validate=True) or None
    except (binascii.Error, ValueError):
        return None


def _stamp(element: ElementTree.Element) -> StampAnnot:
    return StampAnnot(id=attr(element, "ID"), page_ref=attr(element, "PageRef"),
                      boundary=numbers(attr(element, "Boundary")),
                      clip=numbers(attr(element, "Clip")))


_COMPACT = re.compile(r"^(\d{14})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:?\d{2})?$")


def parse_time(value: str) -> datetime | None:
    """SignatureDateTime in the forms real files use; None when none fits.

    ``20201010151120``, ``20201004072855.302Z``, ``20200817111329Z``, ``2020-10-23 19:45:37``
    and ISO 8601 (``T``, offsets). Without an offset the time is taken as China time (UTC+8).
    """
    value = value.strip()
    if not value:
        return None
    compact = _COMPACT.match(value)
    try:
        if compact:
            digits, fraction, zone = compact.groups()
            iso = (f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}T{digits[8:10]}:{digits[10:12]}:"
                   f"{digits[12:14]}" + (f".{fraction.ljust(6, '0')}" if fraction else "")
                   + _zone(zone))
            parsed = datetime.fromisoformat(iso)
        else:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=CHINA_TIME)


def _zone(zone: str | None) -> str:
    if not zone:
        return ""
    if zone == "Z":
        return "+00:00"
    return zone if ":" in zone else f"{zone[:3]}:{zone[3:]}"
