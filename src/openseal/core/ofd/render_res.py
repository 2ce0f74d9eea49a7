"""What the OFD page renderer needs from around a page (GB/T 33190 §7.9, §15, §18): the
resources (fonts, images, drawing parameters) of the document and of each page, the template
pages, the page's annotation files and its seal appearances (StampAnnot + the seal picture
from the signature's SES_Seal).

Everything is read leniently through ``OfdPackage`` (bounded zip, safe XML): a resource file,
template, annotation list or signature that cannot be read is left out, never an exception.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from openseal.core.ofd.package import (
    DocBody,
    OfdPackage,
    attr,
    child,
    children,
    folder,
    local,
    normalise,
    text,
)
from openseal.core.ofd.ses_read import read_seal, read_signature
from openseal.core.ofd.signatures_xml import (
    SignatureXml,
    read_signature_list,
    read_signature_xml,
)
from openseal.errors import OpenSealError

_log = logging.getLogger(__name__)
MAX_RES_FILES = 64
MAX_SIGNATURES = 64
MAX_RELATIVE = 8
"""DrawParam ``Relative`` chains followed at most this deep (a loop ends there)."""


@dataclass(frozen=True)
class FontInfo:
    name: str
    bold: bool = False


@dataclass
class Resources:
    """Fonts, multimedia (ID -> package path) and DrawParam elements by ID."""

    fonts: dict[str, FontInfo] = field(default_factory=dict)
    media: dict[str, str] = field(default_factory=dict)
    draw_params: dict[str, Element] = field(default_factory=dict)

    def merged(self, other: Resources) -> Resources:
        """These resources with ``other``'s added (``other`` wins on the same ID)."""
        return Resources({**self.fonts, **other.fonts}, {**self.media, **other.media},
                         {**self.draw_params, **other.draw_params})

    def draw_param(self, ref: str) -> list[Element]:
        """The DrawParam ``ref`` and those it is ``Relative`` to, nearest first."""
        chain: list[Element] = []
        while ref and ref in self.draw_params and len(chain) < MAX_RELATIVE:
            element = self.draw_params[ref]
            chain.append(element)
            ref = attr(element, "Relative")
        return chain


@dataclass(frozen=True)
class Stamp:
    """A seal appearance on a page: Boundary (page mm), Clip (relative to it), the picture."""

    boundary: tuple[float, float, float, float]
    clip: tuple[float, float, float, float] | None
    picture: bytes | None
    """The seal picture's file bytes (PNG, JPEG, GIF, BMP, or a format we skip); None if
    the signature carries no picture (a plain ``Sign``) or it cannot be read."""


def read_resources(package: OfdPackage, locs: list[str], base: str) -> Resources:
    """The resource files ``locs`` (ST_Loc written in folder ``base``), merged in order."""
    found = Resources()
    for loc in locs[:MAX_RES_FILES]:
        path = package.locate(loc, base) if loc else None
        if path is not None:
            found = found.merged(_resource_file(package, path))
    return found


def _resource_file(package: OfdPackage, path: str) -> Resources:
    try:
        root = package.xml(path)
    except OpenSealError:
        _log.info("OFD preview: resource file %s cannot be read", path)
        return Resources()
    base = normalise(attr(root, "BaseLoc") or ".", folder(path)) or folder(path)
    found = Resources()
    for element in root.iter():
        name, ref = local(element.tag), attr(element, "ID")
        if not ref:
            continue
        if name == "Font":
            bold = attr(element, "Bold").lower() == "true"
            family = attr(element, "FamilyName") or attr(element, "FontName")
            found.fonts[ref] = FontInfo(f"{attr(element, 'FontName')} {family}", bold)
        elif name == "MultiMedia":
            loc = text(child(element, "MediaFile"))
            where = package.locate(loc, base) or package.locate(loc, folder(path))
            if where is not None:
                found.media[ref] = where
        elif name == "DrawParam":
            found.draw_params[ref] = element
    return found


def document_resources(package: OfdPackage, document: str) -> tuple[Element, Resources]:
    """Document.xml at ``document`` and its PublicRes + DocumentRes resources."""
    root = package.xml(document)
    common = child(root, "CommonData")
    locs = ([text(e) for e in children(common, "PublicRes")]
            + [text(e) for e in children(common, "DocumentRes")]) if common is not None else []
    return root, read_resources(package, locs, folder(document))


def page_resources(package: OfdPackage, page_root: Element, page_path: str) -> Resources:
    """The ``PageRes`` files of a page (or template page)."""
    locs = [text(e) for e in children(page_root, "PageRes")]
    return read_resources(package, locs, folder(page_path)) if locs else Resources()


def templates(package: OfdPackage, doc_root: Element, document: str) -> dict[str, str]:
    """Template page ID -> package path of its content file."""
    common = child(doc_root, "CommonData")
    found: dict[str, str] = {}
    for element in children(common, "TemplatePage") if common is not None else []:
        path = package.locate(attr(element, "BaseLoc"), folder(document))
        if path is not None:
            found[attr(element, "ID")] = path
    return found


def annotation_files(package: OfdPackage, doc_root: Element, document: str
                     ) -> dict[str, list[str]]:
    """Page ID -> its annotation files (PageAnnot), from Document.xml's Annotations list."""
    loc = text(child(doc_root, "Annotations"))
    path = package.locate(loc, folder(document)) if loc else None
    if path is None:
        return {}
    try:
        root = package.xml(path)
    except OpenSealError:
        return {}
    found: dict[str, list[str]] = {}
    for page in children(root, "Page"):
        for file_loc in children(page, "FileLoc"):
            where = package.locate(text(file_loc), folder(path))
            if where is not None:
                found.setdefault(attr(page, "PageID"), []).append(where)
    return found


def stamps(package: OfdPackage, body: DocBody) -> dict[str, list[Stamp]]:
    """Page ID -> the seal appearances on it, in signature order."""
    list_path = package.signatures_path(body)
    if list_path is None:
        return {}
    try:
        entries = read_signature_list(package, list_path).entries
    except OpenSealError:
        return {}
    found: dict[str, list[Stamp]] = {}
    for entry in entries[:MAX_SIGNATURES]:
        try:
            xml = read_signature_xml(package, entry.path) if entry.path else None
        except OpenSealError:
            xml = None
        if xml is None:
            continue
        picture = seal_picture(package, xml)
        for annot in xml.stamp_annots:
            box = _box(annot.boundary)
            if box is not None:
                found.setdefault(annot.page_ref, []).append(
                    Stamp(box, _box(annot.clip), picture))
    return found


def seal_picture(package: OfdPackage, xml: SignatureXml) -> bytes | None:
    """The seal picture of a signature: from SignedValue.dat's SES_Seal, else Seal.esl."""
    if xml.signed_value_path is not None:
        try:
            return read_signature(package.read(xml.signed_value_path)).seal.picture.data
        except (OpenSealError, KeyError):
            pass
    if xml.seal_path is not None:
        try:
            return read_seal(package.read(xml.seal_path)).picture.data
        except (OpenSealError, KeyError):
            pass
    return None


def _box(values: tuple[float, ...] | None) -> tuple[float, float, float, float] | None:
    if values is None or len(values) != 4:
        return None
    x, y, w, h = values
    return (x, y, w, h) if w > 0 and h > 0 else None

