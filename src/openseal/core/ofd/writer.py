"""Writing the XML and the zip of an OFD signature, strictly and byte-exactly.

Signature.xml is produced here once, as bytes, and those bytes are what is hashed
(dataHash = SM3 of them) and what goes into the zip: nothing is ever parsed and
re-serialised after hashing. Elements follow the XSD order (GB/T 33190 §18), the namespace
prefix is ``ofd``, the encoding UTF-8, IDs are ``sNNN``. The zip is written afresh with the
stored bytes of every file unchanged, entries in a fixed order with fixed metadata, so the
same inputs give the same output bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from openseal.core.ofd.package import parse_xml
from openseal.errors import InvalidInput

NAMESPACE = "http://www.ofdspec.org/2016"
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
SM2_WITH_SM3 = "1.2.156.10197.1.501"
SM3 = "1.2.156.10197.1.401"
CHINA = timezone(timedelta(hours=8))
_DOC_BODY_END = re.compile(rb"</([A-Za-z_][\w.-]*:)?DocBody\s*>")
_DOC_ROOT_END = re.compile(rb"</([A-Za-z_][\w.-]*:)?DocRoot\s*>")
_VERSIONS_END = re.compile(rb"</([A-Za-z_][\w.-]*:)?Versions\s*>"
                           rb"|<([A-Za-z_][\w.-]*:)?Versions\s*/>")


def escape(value: str) -> str:
    """Text or attribute value with &, <, >, " escaped (and no control characters)."""
    clean = "".join(c for c in value if c >= " " or c in "\t\n\r")
    return (clean.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def fmt(value: float) -> str:
    """A length in mm for a Boundary or Clip: at most 3 decimals, no trailing zeros."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def box(values: Sequence[float]) -> str:
    return " ".join(fmt(v) for v in values)


def sign_id(number: int) -> str:
    return f"s{number:03d}"


@dataclass(frozen=True)
class Annot:
    id: str
    page_ref: str
    boundary: tuple[float, float, float, float]
    clip: tuple[float, float, float, float] | None


def signature_xml(*, provider: str, version: str, company: str, date_time: str,
                  references: Iterable[tuple[str, str]], annots: Iterable[Annot],
                  seal_loc: str, signed_value_loc: str) -> bytes:
    """The bytes of Signature.xml; ``references`` are (FileRef, base64 SM3 CheckValue)."""
    refs = "".join(f'<ofd:Reference FileRef="{escape(ref)}"><ofd:CheckValue>{value}'
                   f"</ofd:CheckValue></ofd:Reference>" for ref, value in references)
    stamps = "".join(
        f'<ofd:StampAnnot ID="{escape(a.id)}" PageRef="{escape(a.page_ref)}" '
        f'Boundary="{box(a.boundary)}"' + (f' Clip="{box(a.clip)}"' if a.clip else "") + "/>"
        for a in annots)
    text = (DECLARATION
            + f'<ofd:Signature xmlns:ofd="{NAMESPACE}"><ofd:SignedInfo>'
            + f'<ofd:Provider ProviderName="{escape(provider)}" Version="{escape(version)}" '
              f'Company="{escape(company)}"/>'
            + f"<ofd:SignatureMethod>{SM2_WITH_SM3}</ofd:SignatureMethod>"
            + f"<ofd:SignatureDateTime>{escape(date_time)}</ofd:SignatureDateTime>"
            + f'<ofd:References CheckMethod="{SM3}">{refs}</ofd:References>'
            + stamps
            + f"<ofd:Seal><ofd:BaseLoc>{escape(seal_loc)}</ofd:BaseLoc></ofd:Seal>"
            + "</ofd:SignedInfo>"
            + f"<ofd:SignedValue>{escape(signed_value_loc)}</ofd:SignedValue>"
            + "</ofd:Signature>")
    return text.encode("utf-8")


def signatures_xml(max_sign_id: str, entries: Iterable[Sequence[tuple[str, str]]]) -> bytes:
    """The bytes of Signatures.xml: MaxSignId, then one Signature per entry, whose
    attributes (name, value) are written in the order given (existing ones as found)."""
    items = "".join(
        "<ofd:Signature" + "".join(f' {name}="{escape(value)}"' for name, value in entry) + "/>"
        for entry in entries)
    return (DECLARATION + f'<ofd:Signatures xmlns:ofd="{NAMESPACE}">'
            f"<ofd:MaxSignId>{escape(max_sign_id)}</ofd:MaxSignId>{items}"
            "</ofd:Signatures>").encode("utf-8")


def add_signatures_loc(ofd_xml: bytes, loc: str) -> bytes:
    """OFD.xml with ``<ofd:Signatures>loc</ofd:Signatures>`` added to its first DocBody.

    Inserted as text after DocRoot (or Versions, which comes before it in the XSD), with
    DocRoot's prefix; every other byte of the file stays as it was.
    """
    end = _DOC_BODY_END.search(ofd_xml)
    root = _DOC_ROOT_END.search(ofd_xml, 0, end.start() if end else len(ofd_xml))
    if end is None or root is None:
        raise _structure()
    after = root
    versions = _VERSIONS_END.search(ofd_xml, root.end(), end.start())
    if versions is not None:
        after = versions
    prefix = (root.group(1) or b"").decode("ascii")
    element = f"<{prefix}Signatures>{escape(loc)}</{prefix}Signatures>".encode("ascii")
    patched = ofd_xml[:after.end()] + element + ofd_xml[after.end():]
    parse_xml(patched, "OFD.xml")  # still well-formed
    return patched


def _structure() -> InvalidInput:
    return InvalidInput("OFD_STRUCTURE", "OFD.xml 中缺少 DocBody/DocRoot，无法添加签名列表",
                        "OFD.xml has no DocBody/DocRoot, so no signature list can be added",
                        field="file")


def zip_date(when: datetime) -> tuple[int, int, int, int, int, int]:
    """The DOS date of the entries: the signing time in China time (at least 1980)."""
    local = when.astimezone(CHINA)
    if local.year < 1980:
        return (1980, 1, 1, 0, 0, 0)
    return (local.year, local.month, local.day, local.hour, local.minute, local.second)


def write_zip(entries: Iterable[tuple[str, bytes]], when: datetime) -> bytes:
    """A zip of ``entries`` (name, bytes) in the order given: deflated, fixed metadata."""
    out = io.BytesIO()
    date = zip_date(when)
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in entries:
            info = zipfile.ZipInfo(name, date)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            archive.writestr(info, content, compresslevel=6)
    return out.getvalue()
