"""Reading an untrusted OFD package (GB/T 33190): the zip, its paths, OFD.xml and Document.xml.

Lenient where real files differ (bytes before or after the zip, ``ST_Loc`` paths absolute or
relative, with ``./`` or backslashes, namespaces or none, wrong letter case in a path), strict
where leniency would be unsafe:

- the zip: at most ``MAX_ENTRIES`` entries, ``MAX_TOTAL_BYTES`` uncompressed in all,
  ``MAX_ENTRY_BYTES`` for one entry, and a compression ratio of at most ``MAX_RATIO`` for any
  entry bigger than ``RATIO_FLOOR`` (zip bombs); no encrypted entries; no two entries with the
  same (normalised) name; no entry name that leaves the package root;
- XML: no DOCTYPE and no entity declarations at all (so no external entities and no entity
  expansion), at most ``MAX_XML_BYTES`` per file.

Every refusal is an ``InvalidInput`` with a code starting ``OFD_``. ``read`` returns the bytes
exactly as stored: they are what References and dataHash cover, so nothing is ever re-serialised.
"""

from __future__ import annotations

import io
import lzma
import posixpath
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any, NoReturn
from xml.etree import ElementTree
from xml.parsers import expat

from openseal.errors import InvalidInput

NAMESPACE = "http://www.ofdspec.org/2016"

MAX_ENTRIES = 10_000
MAX_TOTAL_BYTES = 256 * 1024 * 1024
MAX_ENTRY_BYTES = 128 * 1024 * 1024
MAX_RATIO = 200
RATIO_FLOOR = 1024 * 1024  # entries smaller than this may compress as well as they like
MAX_XML_BYTES = 16 * 1024 * 1024
_EOCD = b"PK\x05\x06"


def _bad(code: str, zh: str, en: str, **fields: Any) -> InvalidInput:
    return InvalidInput(code, zh, en, field="file", **fields)


# ---------------------------------------------------------------- XML


class _Refused(Exception):
    pass


def _refuse(*_args: Any) -> NoReturn:
    raise _Refused


def parse_xml(data: bytes, name: str = "") -> ElementTree.Element:
    """Parse ``data`` safely: any DOCTYPE or entity declaration is refused (InvalidInput)."""
    if len(data) > MAX_XML_BYTES:
        raise _bad("OFD_TOO_LARGE", f"OFD 中的 XML 文件过大：{name}",
                   f"An XML file in the OFD package is too large: {name}", path=name)
    builder = ElementTree.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(data, True)
        return builder.close()
    except _Refused:
        raise _bad("OFD_XML_FORBIDDEN", f"OFD 中的 XML 含有 DOCTYPE 或实体声明，已拒绝：{name}",
                   f"An XML file in the OFD package has a DOCTYPE or entity declaration "
                   f"and was refused: {name}", path=name) from None
    except (expat.ExpatError, ValueError, UnicodeError, LookupError, AssertionError) as exc:
        raise _bad("OFD_XML_MALFORMED", f"OFD 中的 XML 文件格式错误：{name}",
                   f"An XML file in the OFD package is malformed: {name}",
                   path=name, detail=str(exc)[:200]) from None


def local(tag: object) -> str:
    """The local name of an element tag, whatever its namespace (or none)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def children(element: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [c for c in element if local(c.tag) == name]


def child(element: ElementTree.Element, name: str) -> ElementTree.Element | None:
    for c in element:
        if local(c.tag) == name:
            return c
    return None


def descendants(element: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [e for e in element.iter() if local(e.tag) == name]


def text(element: ElementTree.Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def attr(element: ElementTree.Element, name: str) -> str:
    """An attribute by local name (some producers put a prefix on attributes)."""
    if name in element.attrib:
        return element.attrib[name].strip()
    for key, value in element.attrib.items():
        if local(key) == name:
            return value.strip()
    return ""


def numbers(value: str) -> tuple[float, ...] | None:
    """``"0 0 210 297"`` as floats; None when absent or not numbers."""
    try:
        parts = tuple(float(p) for p in value.replace(",", " ").split())
    except ValueError:
        return None
    return parts or None


# ---------------------------------------------------------------- paths


def normalise(loc: str, base: str = "") -> str | None:
    """The package path ``loc`` names, read from a file in folder ``base``; None if outside.

    Absolute ``/Doc_0/X`` starts at the root; anything else starts at ``base``. Backslashes
    count as slashes; ``.`` and empty parts are dropped; ``..`` may not leave the root.
    """
    loc = loc.strip().replace("\\", "/")
    if not loc:
        return None
    parts: list[str] = [] if loc.startswith("/") else [p for p in base.split("/") if p]
    for part in loc.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts) or None


def folder(path: str) -> str:
    return posixpath.dirname(path)


@dataclass(frozen=True)
class Page:
    id: str
    index: int
    path: str | None
    physical_box: tuple[float, ...] | None
    """x y w h in mm: the page's own box, else the document's default (CommonData/PageArea)."""


@dataclass(frozen=True)
class DocBody:
    doc_root: str | None
    signatures: str | None


class OfdPackage:
    """An opened OFD package. Use ``OfdPackage.open(data)``."""

    def __init__(self, files: dict[str, bytes], offset: int) -> None:
        self._files = files
        self._folded = _fold(files)
        self.leading_bytes = offset
        """Bytes found before the zip (some producers add them); informational."""

    @classmethod
    def open(cls, data: bytes) -> OfdPackage:
        archive, offset = _open_zip(data)
        with archive:
            files = _read_entries(archive)
        if cls._find(files, _fold(files), "OFD.xml") is None:
            raise _bad("OFD_STRUCTURE", "不是 OFD 文件：缺少 OFD.xml",
                       "Not an OFD file: OFD.xml is missing")
        return cls(files, offset)

    # -- files

    def names(self) -> list[str]:
        """Every file (not folder) in the package, in zip order, as normalised paths."""
        return list(self._files)

    def find(self, path: str | None) -> str | None:
        """The stored name for ``path``: exact, else the only name equal ignoring case."""
        return self._find(self._files, self._folded, path)

    @staticmethod
    def _find(files: dict[str, bytes], folded: dict[str, list[str]],
              path: str | None) -> str | None:
        if path is None:
            return None
        if path in files:
            return path
        same = folded.get(path.lower(), [])
        return same[0] if len(same) == 1 else None

    def locate(self, loc: str, base: str = "") -> str | None:
        """Resolve an ST_Loc written in a file of folder ``base`` to a stored name.

        Relative paths are tried against ``base`` first, then against the root (producers
        differ); None when neither exists or the path leaves the root.
        """
        first = normalise(loc, base)
        found = self.find(first)
        if found is None and not loc.strip().replace("\\", "/").startswith("/"):
            found = self.find(normalise(loc, ""))
        return found

    def read(self, path: str) -> bytes:
        """The exact stored bytes of ``path`` (a name from ``names`` or ``find``)."""
        found = self.find(path)
        if found is None:
            raise KeyError(path)
        return self._files[found]

    def xml(self, path: str) -> ElementTree.Element:
        return parse_xml(self.read(path), path)

    # -- structure

    def doc_bodies(self) -> list[DocBody]:
        root = self.xml(self.find("OFD.xml") or "OFD.xml")
        bodies = []
        for body in descendants(root, "DocBody"):
            doc_root = text(child(body, "DocRoot"))
            sigs = text(child(body, "Signatures"))
            bodies.append(DocBody(self.locate(doc_root) if doc_root else None,
                                  self.locate(sigs) if sigs else None))
        return bodies

    def signatures_path(self, body: DocBody) -> str | None:
        """The Signatures.xml of ``body``: as OFD.xml says, else ``<doc folder>/Signs/``."""
        if body.signatures or body.doc_root is None:
            return body.signatures
        return self.find(normalise("Signs/Signatures.xml", folder(body.doc_root)))

    def pages(self, document: str) -> list[Page]:
        """Pages of the Document.xml at ``document``, in order."""
        root = self.xml(document)
        base = folder(document)
        default_box = None
        common = child(root, "CommonData")
        area = child(common, "PageArea") if common is not None else None
        if area is not None:
            default_box = numbers(text(child(area, "PhysicalBox")))
        pages: list[Page] = []
        for holder in children(root, "Pages"):
            for element in children(holder, "Page"):
                loc = attr(element, "BaseLoc")
                path = self.locate(loc, base) if loc else None
                pages.append(Page(attr(element, "ID"), len(pages), path,
                                  self._page_box(path) or default_box))
        return pages

    def _page_box(self, path: str | None) -> tuple[float, ...] | None:
        if path is None:
            return None
        try:
            root = self.xml(path)
        except InvalidInput:
            return None
        area = child(root, "Area")
        return numbers(text(child(area, "PhysicalBox"))) if area is not None else None


def _fold(files: dict[str, bytes]) -> dict[str, list[str]]:
    folded: dict[str, list[str]] = {}
    for name in files:
        folded.setdefault(name.lower(), []).append(name)
    return folded


# ---------------------------------------------------------------- zip


def _not_zip() -> InvalidInput:
    return _bad("OFD_NOT_ZIP", "不是有效的 OFD 文件（无法作为 zip 包读取）",
                "Not a valid OFD file (it cannot be read as a zip package)")


def _open_zip(data: bytes) -> tuple[zipfile.ZipFile, int]:
    """Open ``data`` as a zip, tolerating bytes before it and after it."""
    if not isinstance(data, (bytes, bytearray)) or _EOCD not in data:
        raise _not_zip()
    candidates = [bytes(data)]
    end = data.rfind(_EOCD)
    if len(data) >= end + 22:
        comment = int.from_bytes(data[end + 20:end + 22], "little")
        cut = bytes(data[:end + 22 + comment])
        if len(cut) != len(data):
            candidates.append(cut)
    for candidate in candidates:
        try:
            archive = zipfile.ZipFile(io.BytesIO(candidate))
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
            continue
        offset = _start_offset(archive)
        return archive, offset
    raise _not_zip()


def _start_offset(archive: zipfile.ZipFile) -> int:
    infos = archive.infolist()
    return min((i.header_offset for i in infos), default=0)


def _check_limits(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ENTRIES:
        raise _bad("OFD_TOO_LARGE", f"OFD 包中的文件过多（上限 {MAX_ENTRIES}）",
                   f"The OFD package has too many entries (limit {MAX_ENTRIES})")
    total = 0
    for info in infos:
        total += info.file_size
        ratio_bad = (info.file_size > RATIO_FLOOR
                     and info.file_size > MAX_RATIO * max(info.compress_size, 1))
        if info.file_size > MAX_ENTRY_BYTES or total > MAX_TOTAL_BYTES or ratio_bad:
            raise _bad("OFD_TOO_LARGE", "OFD 包解压后过大或压缩比异常（疑似 zip 炸弹），已拒绝",
                       "The OFD package is too large when uncompressed or compresses "
                       "suspiciously well (a possible zip bomb) and was refused",
                       path=info.filename)


def _entry_name(raw: str) -> str:
    name = normalise(raw)
    if name is None or ".." in raw.replace("\\", "/").split("/"):
        raise _bad("OFD_ZIP_PATH", f"OFD 包中的文件名不合法：{raw[:200]}",
                   f"An entry name in the OFD package is not allowed: {raw[:200]}")
    return name


def _read_entries(archive: zipfile.ZipFile) -> dict[str, bytes]:
    infos = archive.infolist()
    _check_limits(infos)
    files: dict[str, bytes] = {}
    seen: set[str] = set()
    for info in infos:
        name = _entry_name(info.filename)
        if name in seen:
            raise _bad("OFD_ZIP_DUPLICATE", f"OFD 包中有重复的文件名：{name}",
                       f"The OFD package holds two entries named {name}", path=name)
        seen.add(name)
        if info.is_dir() or info.filename.replace("\\", "/").endswith("/"):
            continue
        if info.flag_bits & 0x1:
            raise _bad("OFD_ZIP_ENCRYPTED", "OFD 包中有加密的文件，无法验证",
                       "The OFD package holds an encrypted entry and cannot be checked",
                       path=name)
        files[name] = _read_entry(archive, info, name)
    return files


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> bytes:
    try:
        with archive.open(info) as stream:
            content = stream.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError,
            RuntimeError, zlib.error, lzma.LZMAError) as exc:
        raise _bad("OFD_ZIP_DAMAGED", f"OFD 包中的文件已损坏，无法读取：{name}",
                   f"An entry of the OFD package is damaged and cannot be read: {name}",
                   path=name, detail=str(exc)[:200]) from None
    if len(content) > info.file_size:
        raise _bad("OFD_TOO_LARGE", "OFD 包中文件的实际大小与声明不符，已拒绝",
                   "An entry of the OFD package is larger than it declares and was refused",
                   path=name)
    return content
