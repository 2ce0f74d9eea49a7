"""Page thumbnails of a verified document, with every seal's widget outlined in red.

Where the seals are comes from pyHanko's reader (each signature field's widget /Rect, and
the page whose /Annots holds the widget, else the widget's /P); the pages are drawn by PDFium
through pypdfium2. Only the bytes pyHanko parsed (the ones the verifier checked) are drawn,
and a document pyHanko cannot open gets no thumbnails at all, so a thumbnail never shows a
document the verifier did not see.

Untrusted input stays bounded (decompression bombs must not hurt):
  * at most ``MAX_PAGES`` pages, plus up to ``MAX_EXTRA_SEAL_PAGES`` later pages that carry
    a seal; a thumbnail has at most ``LONG_SIDE`` pixels on its long side;
  * a page with a side over ``MAX_PAGE_POINTS`` (the largest ISO 32000 asks a reader to
    support) or an area over ``PIXEL_CAP`` square points (its bitmap at 72 dpi), or that
    shows an image of more than ``PIXEL_CAP`` pixels (PDFium decodes images whole), or that
    has more than ``MAX_PAGE_OBJECTS`` objects to draw, is a placeholder and is never
    handed to PDFium's renderer. Images are looked for twice: in the resources pyHanko
    reads (XObjects, patterns, annotation appearances) and in the objects PDFium itself
    would draw (page content with inline images and nested forms, annotations);
  * rendering stops after ``TIME_BUDGET`` seconds: the pages left are placeholders.
``render_document`` never raises on a damaged document.

PDFium is not thread-safe: every use of it holds ``PDFIUM_LOCK``.
"""

from __future__ import annotations

import ctypes
import io
import logging
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields

from openseal.core.pdfium import PDFIUM_LOCK
from openseal.core.verification.pdf import open_pdf, quiet_tracebacks

MAX_PAGES = 20
MAX_EXTRA_SEAL_PAGES = 10
LONG_SIDE = 600
"""Pixels on a thumbnail's long side (a small page is drawn at most at 2x, 144 dpi)."""
SEAL_SIDE = 240
"""Pixels on the long side of a seal's picture cut from its page."""
PIXEL_CAP = 25_000_000
"""Largest page area in square points (its bitmap at 72 dpi), and largest image shown."""
DETAIL_CAP = 6_000_000
"""Largest bitmap rendered to cut seal pictures from."""
MAX_PAGE_POINTS = 14_400.0
"""ISO 32000-1 Annex C: the largest page side (200 in) a reader need support."""
TIME_BUDGET = 20.0
MAX_TREE_NODES = 5_000
"""Page tree nodes walked to find the page each seal is on."""
MAX_RESOURCES = 500
"""Resource objects looked at, per page, for oversized images (pyHanko's view)."""
MAX_PAGE_OBJECTS = 100_000
"""Objects PDFium would draw for one page (forms counted per use): more is too complex."""
MAX_FORM_DEPTH = 12

OUTLINE = (255, 0, 0)
OUTLINE_WIDTH = 3

# Why a page is a placeholder.
TOO_LARGE = "too_large"
IMAGES_TOO_LARGE = "images_too_large"
TOO_COMPLEX = "too_complex"
RENDER_FAILED = "render_failed"
OUT_OF_TIME = "out_of_time"

_log = logging.getLogger(__name__)
Ref = tuple[int, int]


@dataclass(frozen=True)
class SealArea:
    """Where a signature field's widget sits: a page (from 1) and a rectangle (points)."""

    field: str
    page: int
    rect: tuple[float, float, float, float]


@dataclass(frozen=True)
class PageImage:
    """One page's thumbnail (PNG), or a placeholder (``png`` None, ``skipped`` says why)."""

    page: int
    width: float
    height: float
    """Pixels of the PNG; for a placeholder the page's size in points (0 if unknown)."""
    png: bytes | None = None
    skipped: str | None = None
    fields: tuple[str, ...] = ()
    """The signature fields outlined on this thumbnail."""


@dataclass(frozen=True)
class RenderedDocument:
    page_count: int
    pages: tuple[PageImage, ...]
    """The pages shown, in page order: the first ``MAX_PAGES``, then later seal pages."""
    areas: tuple[SealArea, ...] = ()
    seals: dict[str, bytes] = field(default_factory=dict)
    """Field name -> PNG of its widget's area as the page shows it."""

    @property
    def omitted(self) -> int:
        """Pages neither thumbnailed nor shown as a placeholder."""
        return max(self.page_count - len(self.pages), 0)


@dataclass(frozen=True)
class _Inspected:
    """What pyHanko found: the parsed bytes, the page count, the seals, the bombs."""

    data: bytes
    page_count: int
    areas: tuple[SealArea, ...]
    wanted: tuple[int, ...]
    oversized: frozenset[int]


def render_document(data: bytes) -> RenderedDocument | None:
    """Thumbnails of ``data`` with the seals outlined; None if it cannot be read."""
    try:
        inspected = inspect_document(data)
    except Exception:  # noqa: BLE001 - a damaged document gets no thumbnails
        _log.info("no thumbnails: pyHanko cannot read the document", exc_info=True)
        return None
    if inspected is None:
        return None
    try:
        with PDFIUM_LOCK:
            return _render(inspected)
    except Exception:  # noqa: BLE001 - PDFium refusing the file means no thumbnails
        _log.info("no thumbnails: PDFium cannot open the document", exc_info=True)
        return None


# --------------------------------------------------------------------------- pyHanko side
def inspect_document(data: bytes) -> _Inspected | None:
    quiet_tracebacks()
    opened = open_pdf(data)
    reader = opened.reader
    if reader.encrypted:
        return None
    pages = _page_objects(reader.root.raw_get("/Pages"))
    index = {_ref(p): n for n, p in enumerate(pages, 1)}
    areas = tuple(_seal_areas(reader, index, _annotation_pages(pages)))
    count = _page_count(reader, len(pages))
    wanted = _wanted_pages(count, areas)
    oversized = frozenset(n for n in wanted if n <= len(pages)
                          and _shows_oversized_image(pages[n - 1]))
    return _Inspected(data[:opened.parsed_length], count, areas, wanted, oversized)


def _ref(obj: Any) -> Ref | None:
    if isinstance(obj, generic.IndirectObject):
        return obj.idnum, obj.generation
    return None


def _page_objects(root: Any) -> list[generic.IndirectObject]:
    """The pages' references, in order, from at most ``MAX_TREE_NODES`` tree nodes."""
    pages: list[generic.IndirectObject] = []
    seen: set[Ref] = set()
    stack = [root]
    while stack and len(seen) < MAX_TREE_NODES:
        item = stack.pop()
        key = _ref(item)
        if key is None or key in seen:
            continue
        seen.add(key)
        node = item.get_object()
        if not isinstance(node, generic.DictionaryObject):
            continue
        kids = node.get("/Kids") if node.get("/Type") != "/Page" else None
        if isinstance(kids, generic.ArrayObject):
            stack.extend(reversed(list(kids.iterate())))
        else:
            pages.append(item)
    return pages


def _page_count(reader: PdfFileReader, walked: int) -> int:
    try:
        return max(int(reader.root["/Pages"]["/Count"]), walked)
    except Exception:  # noqa: BLE001
        return walked


def _annotation_pages(pages: list[generic.IndirectObject]) -> dict[Ref, int]:
    """Annotation reference -> number of the page listing it."""
    found: dict[Ref, int] = {}
    for n, page in enumerate(pages, 1):
        try:
            annots = page.get_object().get("/Annots")
            for annot in annots.iterate() if isinstance(annots, generic.ArrayObject) else ():
                key = _ref(annot)
                if key is not None:
                    found.setdefault(key, n)
        except Exception:  # noqa: BLE001, S112 - a broken page lists no annotations
            continue
    return found


def _seal_areas(reader: PdfFileReader, pages: dict[Ref | None, int],
                annots: dict[Ref, int]) -> Iterator[SealArea]:
    """Every widget of every filled signature field that has an area on a known page."""
    try:
        found = list(enumerate_sig_fields(reader, filled_status=True))
    except Exception:  # noqa: BLE001 - a broken form tree: the fields read so far
        return
    for name, _value, field_ref in found:
        try:
            for widget in _widgets(field_ref):
                area = _area(str(name), widget, pages, annots)
                if area is not None:
                    yield area
        except Exception:  # noqa: BLE001, S112 - this field has no usable widget
            continue


def _widgets(field_ref: generic.IndirectObject) -> list[generic.IndirectObject]:
    """The field itself when field and widget are merged, else its kids without a name."""
    node = field_ref.get_object()
    if "/Rect" in node:
        return [field_ref]
    kids = node.get("/Kids")
    if not isinstance(kids, generic.ArrayObject):
        return []
    return [k for k in kids.iterate() if isinstance(k, generic.IndirectObject)
            and "/T" not in k.get_object() and "/Rect" in k.get_object()]


def _area(name: str, widget: generic.IndirectObject, pages: dict[Ref | None, int],
          annots: dict[Ref, int]) -> SealArea | None:
    node = widget.get_object()
    page = annots.get(_ref(widget) or (-1, -1)) or pages.get(_ref(node.raw_get("/P"))
                                                             if "/P" in node else None)
    x1, y1, x2, y2 = (float(v) for v in node["/Rect"])
    rect = (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))
    if page is None or rect[2] - rect[0] < 1 or rect[3] - rect[1] < 1:
        return None  # an invisible signature, or a widget on no page
    if not all(math.isfinite(v) for v in rect):
        return None
    return SealArea(name, page, rect)


def _wanted_pages(count: int, areas: tuple[SealArea, ...]) -> tuple[int, ...]:
    first = list(range(1, min(count, MAX_PAGES) + 1))
    later = sorted({a.page for a in areas if a.page > MAX_PAGES})[:MAX_EXTRA_SEAL_PAGES]
    return tuple(first + later)


def _shows_oversized_image(page_ref: generic.IndirectObject) -> bool:
    """Whether the page, its annotations' appearances or anything they draw (forms,
    patterns) uses an image of more than ``PIXEL_CAP`` pixels. Unreadable: treated as no."""
    budget = [MAX_RESOURCES]
    seen: set[Ref] = set()
    try:
        page = page_ref.get_object()
        if _resources_oversized(_inherited_resources(page), budget, seen):
            return True
        annots = page.get("/Annots")
        for raw in annots.iterate() if isinstance(annots, generic.ArrayObject) else ():
            annot = raw.get_object()
            appearance = annot.get("/AP") if isinstance(annot, generic.DictionaryObject) \
                else None
            normal = appearance.get("/N") if isinstance(appearance, generic.DictionaryObject) \
                else None
            streams = [normal] if isinstance(normal, generic.StreamObject) else (
                [normal[k] for k in normal] if isinstance(normal, generic.DictionaryObject)
                else [])
            if any(_xobject_oversized(s, budget, seen) for s in streams):
                return True
    except Exception:  # noqa: BLE001 - PDFium copes with (or refuses) broken resources
        return budget[0] <= 0
    return budget[0] <= 0


def _inherited_resources(page: generic.DictionaryObject) -> Any:
    node: Any = page
    for _ in range(32):
        if not isinstance(node, generic.DictionaryObject):
            return None
        if "/Resources" in node:
            return node["/Resources"]
        node = node.get("/Parent")
    return None


def _resources_oversized(resources: Any, budget: list[int], seen: set[Ref]) -> bool:
    if not isinstance(resources, generic.DictionaryObject):
        return False
    for category in ("/XObject", "/Pattern"):
        entries = resources.get(category)
        if not isinstance(entries, generic.DictionaryObject):
            continue
        for key in list(entries):
            raw = entries.raw_get(key)
            ref = _ref(raw)
            if ref is not None:
                if ref in seen:
                    continue
                seen.add(ref)
            if _xobject_oversized(raw.get_object(), budget, seen):
                return True
    return False


def _xobject_oversized(obj: Any, budget: list[int], seen: set[Ref]) -> bool:
    budget[0] -= 1
    if budget[0] <= 0:
        return True  # too many objects to look at is itself a reason not to render
    if not isinstance(obj, generic.DictionaryObject):
        return False
    if obj.get("/Subtype") == "/Image":
        pixels = int(obj.get("/Width", 0)) * int(obj.get("/Height", 0))
        smask = obj.get("/SMask")
        if isinstance(smask, generic.DictionaryObject):
            pixels = max(pixels, int(smask.get("/Width", 0)) * int(smask.get("/Height", 0)))
        return pixels > PIXEL_CAP
    return _resources_oversized(obj.get("/Resources"), budget, seen)


# ---------------------------------------------------------------------------- PDFium side
def _render(inspected: _Inspected) -> RenderedDocument | None:
    import pypdfium2 as pdfium  # imported here: only reports need PDFium

    document = pdfium.PdfDocument(inspected.data)
    try:
        # PDFium draws form widgets (a seal's appearance) only with a form environment;
        # pypdfium2's PDFium is built without JavaScript and XFA, so none runs.
        document.init_forms()
        count = len(document)
        started = time.monotonic()
        images: list[PageImage] = []
        seals: dict[str, bytes] = {}
        for number in inspected.wanted:
            if number > count:
                break
            page = document[number - 1]
            try:
                areas = [a for a in inspected.areas if a.page == number]
                late = time.monotonic() - started > TIME_BUDGET
                images.append(page_image(page, number, areas, inspected, late, seals))
            finally:
                page.close()
        return RenderedDocument(max(count, 0), tuple(images), inspected.areas, seals)
    finally:
        document.close()


def page_image(page: Any, number: int, areas: list[SealArea], inspected: _Inspected,
                late: bool, seals: dict[str, bytes]) -> PageImage:
    width, height = (float(v) for v in page.get_size())
    if not (math.isfinite(width) and math.isfinite(height)) or width < 1 or height < 1:
        return PageImage(number, 0, 0, skipped=TOO_LARGE)
    if (max(width, height) > MAX_PAGE_POINTS or width * height > PIXEL_CAP):
        return PageImage(number, width, height, skipped=TOO_LARGE)
    if number in inspected.oversized:
        return PageImage(number, width, height, skipped=IMAGES_TOO_LARGE)
    refused = _ContentScan().verdict(page)
    if refused is not None:
        return PageImage(number, width, height, skipped=refused)
    if late:
        return PageImage(number, width, height, skipped=OUT_OF_TIME)
    try:
        return _draw(page, number, width, height, areas, seals)
    except Exception:  # noqa: BLE001 - one page PDFium cannot draw
        _log.info("page %d could not be rendered", number, exc_info=True)
        return PageImage(number, width, height, skipped=RENDER_FAILED)


class _ContentScan:
    """What PDFium would draw on a page, looked at before drawing it: an image over
    ``PIXEL_CAP`` pixels, or more than ``MAX_PAGE_OBJECTS`` objects, refuses the page."""

    def __init__(self) -> None:
        import pypdfium2.raw as pdfium_c

        self.c = pdfium_c
        self.left = MAX_PAGE_OBJECTS
        self.reason: str | None = None

    def verdict(self, page: Any) -> str | None:
        c, handle = self.c, page.raw
        if self._objects(c.FPDFPage_CountObjects(handle),
                         lambda i: c.FPDFPage_GetObject(handle, i), 0):
            return self.reason
        annots = c.FPDFPage_GetAnnotCount(handle)
        if annots > MAX_RESOURCES:
            return TOO_COMPLEX
        for i in range(max(annots, 0)):
            annot = c.FPDFPage_GetAnnot(handle, i)
            if not annot:
                continue
            try:
                if self._objects(c.FPDFAnnot_GetObjectCount(annot),
                                 lambda j, a=annot: c.FPDFAnnot_GetObject(a, j), 0):
                    return self.reason
            finally:
                c.FPDFPage_CloseAnnot(annot)
        return None

    def _objects(self, count: int, get: Any, depth: int) -> bool:
        """True (and ``reason`` set) to refuse the page."""
        c = self.c
        self.left -= max(count, 0)
        if self.left < 0:
            self.reason = TOO_COMPLEX
            return True
        for i in range(max(count, 0)):
            obj = get(i)
            if not obj:
                continue
            kind = c.FPDFPageObj_GetType(obj)
            if kind == c.FPDF_PAGEOBJ_IMAGE:
                width, height = ctypes.c_uint(), ctypes.c_uint()
                if (c.FPDFImageObj_GetImagePixelSize(obj, width, height)
                        and width.value * height.value > PIXEL_CAP):
                    self.reason = IMAGES_TOO_LARGE
                    return True
            elif kind == c.FPDF_PAGEOBJ_FORM and depth < MAX_FORM_DEPTH:
                if self._objects(c.FPDFFormObj_CountObjects(obj),
                                 lambda j, form=obj: c.FPDFFormObj_GetObject(form, j),
                                 depth + 1):
                    return True
        return False


def _draw(page: Any, number: int, width: float, height: float, areas: list[SealArea],
          seals: dict[str, bytes]) -> PageImage:
    from PIL import ImageDraw

    scale = min(LONG_SIDE / max(width, height), 2.0)
    if areas:
        _cut_seals(page, width, height, scale, areas, seals)
    image, boxes = _rendered(page, scale, areas)
    draw = ImageDraw.Draw(image)
    for box in boxes:
        if box is not None:
            draw.rectangle(box, outline=OUTLINE, width=OUTLINE_WIDTH)
    return PageImage(number, image.width, image.height, png=_png(image),
                     fields=tuple(a.field for a, box in zip(areas, boxes, strict=True) if box))


def _cut_seals(page: Any, width: float, height: float, scale: float, areas: list[SealArea],
               seals: dict[str, bytes]) -> None:
    """Each seal as its page shows it, cut from a rendering sharp enough for the seal
    (at most ``DETAIL_CAP`` pixels for the whole page)."""
    longest = max(max(a.rect[2] - a.rect[0], a.rect[3] - a.rect[1]) for a in areas)
    detail = min(SEAL_SIDE / longest, math.sqrt(DETAIL_CAP / (width * height)), 6.0)
    image, boxes = _rendered(page, max(detail, scale), areas)
    for area, box in zip(areas, boxes, strict=True):
        if box is not None and area.field not in seals:
            left, top, right, bottom = box
            seals[area.field] = _png(image.crop((left, top, right + 1, bottom + 1)))


Box = tuple[int, int, int, int]


def _rendered(page: Any, scale: float, areas: list[SealArea]) -> tuple[Any, list[Box | None]]:
    """The page drawn at ``scale`` (a PIL image of its own) and each area's box on it in
    pixels (left, top, right, bottom), None when it is not on the drawn page."""
    bitmap = page.render(scale=scale, draw_annots=True, may_draw_forms=True,
                         limit_image_cache=True)
    try:
        image = bitmap.to_pil().convert("RGB")  # a copy: the bitmap is freed below
        convert = bitmap.get_posconv(page)
        boxes: list[Box | None] = []
        for area in areas:
            x1, y1, x2, y2 = area.rect
            # PDFium maps page space to pixels, page rotation and offset included.
            corners = [convert.to_bitmap(x, y) for x in (x1, x2) for y in (y1, y2)]
            left = max(min(c[0] for c in corners), 0)
            top = max(min(c[1] for c in corners), 0)
            right = min(max(c[0] for c in corners), image.width - 1)
            bottom = min(max(c[1] for c in corners), image.height - 1)
            boxes.append((left, top, right, bottom)
                         if right - left >= 2 and bottom - top >= 2 else None)
        return image, boxes
    finally:
        bitmap.close()


def _png(image: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
