"""Drawing OFD pages as pictures (GB/T 33190), for previews: a small renderer on Pillow.

A page is drawn in this order: its Background template pages, its Content layers (Background,
Body and Custom, then Foreground layers, each in file order; PageBlocks nested at most
``MAX_DEPTH`` deep), its Foreground template pages, its annotations (the page's PageAnnot
files) and the seal appearances of the document's signatures (StampAnnot with the picture from
the SES_Seal, cut to its Clip; a vector seal, an OFD package as the picture, is drawn by a
nested renderer that draws no seals itself). Text, path and image objects are drawn
(``render_text``, ``render_objects``); composite objects, shadings, patterns and clipping
areas are not.

Untrusted input is expected: the package is opened by ``OfdPackage`` (bounded zip, safe XML);
any object that cannot be drawn is skipped and counted in ``RenderedPage.skipped`` (reason ->
count); the canvas' budgets (objects and path points per page, image pixels, time) skip the
rest. Only a page that cannot be read at all (no content file, malformed XML) raises
``InvalidInput``.
"""

from __future__ import annotations

import io
import logging
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from xml.etree.ElementTree import Element

from PIL import Image

from openseal.core.ofd.package import OfdPackage, Page, attr, child, children, local, numbers
from openseal.core.ofd.render_canvas import Canvas, Skip, draw_params, style_of
from openseal.core.ofd.render_objects import draw_image, draw_path, draw_stamp
from openseal.core.ofd.render_paths import (
    IDENTITY,
    Matrix,
    line_scale,
    multiply,
    parse_matrix,
    translate,
)
from openseal.core.ofd.render_res import (
    Resources,
    Stamp,
    annotation_files,
    document_resources,
    page_resources,
    stamps,
    templates,
)
from openseal.core.ofd.render_text import draw_text
from openseal.errors import InvalidInput, OpenSealError

MAX_DEPTH = 16
"""PageBlocks nested deeper than this are skipped (reason ``nesting_limit``)."""
MAX_LONG_SIDE = 2400
A4 = (0.0, 0.0, 210.0, 297.0)
MAX_MM = 5000.0
_OBJECTS = frozenset({"TextObject", "PathObject", "ImageObject", "PageBlock",
                      "CompositeObject"})
_LAYER_ORDER = {"Background": 0, "Body": 1, "Custom": 1, "Foreground": 2}
_LOCK = threading.RLock()  # FreeType faces are shared: one page is drawn at a time

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenderedPage:
    png: bytes
    pixels: tuple[int, int]
    drawn: int
    """Objects drawn (text, path, image objects and seal pictures)."""
    skipped: Mapping[str, int]
    """Objects not drawn, by reason (``image_format``, ``point_limit``, ``nesting_limit`` ...)."""


def page_box(page: Page) -> tuple[float, float, float, float]:
    """The page's PhysicalBox (x y w h, mm); A4 when it is missing or unusable."""
    box = page.physical_box
    if box is None or len(box) < 4:
        return A4
    x, y, w, h = (float(v) for v in box[:4])
    usable = all(math.isfinite(v) for v in (x, y)) and all(
        math.isfinite(v) and 0 < v <= MAX_MM for v in (w, h))
    return (x, y, w, h) if usable else A4


class OfdRenderer:
    """The pages of one document (DocBody) of an OFD package; ``OfdRenderer.open(data)``."""

    def __init__(self, package: OfdPackage, body: int = 0, *, nested: bool = False) -> None:
        bodies = package.doc_bodies()
        if body >= len(bodies) or bodies[body].doc_root is None:
            raise InvalidInput("OFD_STRUCTURE", "OFD 文件中没有文档",
                               "The OFD file has no document", field="file")
        self.package = package
        self._body = bodies[body]
        document = self._body.doc_root or ""
        self._doc_root, self._resources = document_resources(package, document)
        self.pages = package.pages(document)
        self._templates = templates(package, self._doc_root, document)
        self._annotations = annotation_files(package, self._doc_root, document)
        self._stamps: dict[str, list[Stamp]] | None = None
        self._nested = nested
        """A vector seal picture being drawn: seals inside it are not (no recursion)."""

    @classmethod
    def open(cls, data: bytes) -> OfdRenderer:
        """Raises InvalidInput (``OFD_*``) when ``data`` is not a readable OFD package."""
        return cls(OfdPackage.open(data))

    def render(self, number: int, long_side: int = 600) -> RenderedPage:
        """Page ``number`` (from 1), ``long_side`` pixels on its long side (16 .. 2400).

        Raises InvalidInput when there is no such page or its content cannot be read."""
        if not 1 <= number <= len(self.pages):
            raise InvalidInput("PAGE_NOT_FOUND", f"文件没有第 {number} 页",
                               f"The document has no page {number}", field="page")
        page = self.pages[number - 1]
        if page.path is None:
            raise InvalidInput("OFD_STRUCTURE", f"OFD 第 {number} 页缺少内容文件",
                               f"Page {number} of the OFD file has no content file",
                               field="file")
        root = self.package.xml(page.path)
        with _LOCK:  # the time budget starts once this page has the lock
            canvas = Canvas.for_page(page_box(page), min(max(long_side, 16), MAX_LONG_SIDE))
            self._draw_page(canvas, page, root)
        out = io.BytesIO()
        canvas.image.save(out, "PNG")
        return RenderedPage(out.getvalue(), canvas.image.size, canvas.drawn,
                            dict(canvas.skipped))

    def _draw_page(self, canvas: Canvas, page: Page, root: Element) -> None:
        resources = self._resources.merged(page_resources(self.package, root, page.path or ""))
        used = [(attr(t, "ZOrder") or "Background", attr(t, "TemplateID"))
                for t in children(root, "Template")]
        for order, ref in used:
            if order != "Foreground":
                self._template(canvas, ref, resources)
        self._content(canvas, root, resources, IDENTITY)
        for order, ref in used:
            if order == "Foreground":
                self._template(canvas, ref, resources)
        self._annotate(canvas, page.id, resources)
        for stamp in self._stamps_on(page.id):
            self._guarded(canvas, partial(self._stamp, canvas, stamp))

    def _stamp(self, canvas: Canvas, stamp: Stamp) -> None:
        """A seal: its picture file, or a vector seal (an OFD package in the picture, as on
        tax invoices) drawn by a renderer of its own at the stamp's size in pixels."""
        if stamp.picture is None or not stamp.picture.startswith(b"PK"):
            draw_stamp(canvas, stamp)
            return
        if self._nested:
            raise Skip("nested_seal")
        _x, _y, w, h = stamp.boundary
        scale = line_scale(canvas.page)
        try:
            inner = OfdRenderer(OfdPackage.open(stamp.picture), nested=True)
            drawn = inner.render(1, max(16, min(round(max(w, h) * scale), MAX_LONG_SIDE)))
        except OpenSealError:
            raise Skip("seal_picture_unreadable") from None
        with Image.open(io.BytesIO(drawn.png)) as picture:
            draw_stamp(canvas, stamp, picture.convert("RGB"))

    def _template(self, canvas: Canvas, ref: str, resources: Resources) -> None:
        path = self._templates.get(ref)
        if path is None:
            canvas.skipped["template_missing"] += 1
            return
        try:
            root = self.package.xml(path)
        except OpenSealError:
            canvas.skipped["template_unreadable"] += 1
            return
        own = resources.merged(page_resources(self.package, root, path))
        self._content(canvas, root, own, IDENTITY)

    def _content(self, canvas: Canvas, root: Element, resources: Resources,
                 offset: Matrix) -> None:
        content = child(root, "Content")
        layers = children(content, "Layer") if content is not None else []
        for layer in sorted(layers, key=lambda e: _LAYER_ORDER.get(attr(e, "Type"), 1)):
            self._block(canvas, layer, resources, draw_params(resources, layer, []), offset, 0)

    def _block(self, canvas: Canvas, block: Element, resources: Resources,
               params: list[Element], offset: Matrix, depth: int) -> None:
        for element in block:
            name = local(element.tag)
            if name in _OBJECTS:
                self._guarded(canvas, partial(self._object, canvas, element, name, resources,
                                              params, offset, depth))

    def _guarded(self, canvas: Canvas, draw: Callable[[], object]) -> None:
        """Run ``draw``; a Skip or any library error counts as a skipped object."""
        try:
            canvas.take_object()
            if draw():  # True: a container or an invisible object, not counted as drawn
                return
            canvas.drawn += 1
        except Skip as skip:
            canvas.skipped[skip.reason] += 1
        except Exception:  # noqa: BLE001 - an object Pillow cannot draw is skipped
            _log.debug("OFD preview: an object could not be drawn", exc_info=True)
            canvas.skipped["error"] += 1

    def _object(self, canvas: Canvas, element: Element, name: str, resources: Resources,
                params: list[Element], offset: Matrix, depth: int) -> bool:
        if attr(element, "Visible").lower() == "false":
            return True
        own = draw_params(resources, element, params)
        if name == "PageBlock":
            if depth >= MAX_DEPTH:
                raise Skip("nesting_limit")
            self._block(canvas, element, resources, own, offset, depth + 1)
            return True
        if name == "CompositeObject":
            raise Skip("composite_object")
        box = numbers(attr(element, "Boundary")) or (0.0, 0.0)
        ctm = parse_matrix(attr(element, "CTM")) or IDENTITY
        to_page = multiply(multiply(ctm, translate(box[0], box[1])), offset)
        if name == "TextObject":
            draw_text(canvas, element, to_page, style_of(element, own, fill=True, stroke=False),
                      resources.fonts.get(attr(element, "Font")))
        elif name == "PathObject":
            draw_path(canvas, element, to_page, style_of(element, own, fill=False, stroke=True))
        else:
            draw_image(canvas, self.package, element, to_page, resources)
        return False

    def _annotate(self, canvas: Canvas, page_id: str, resources: Resources) -> None:
        for path in self._annotations.get(page_id, []):
            try:
                root = self.package.xml(path)
            except OpenSealError:
                canvas.skipped["annotation_unreadable"] += 1
                continue
            for annot in children(root, "Annot"):
                appearance = child(annot, "Appearance")
                if appearance is None or attr(annot, "Visible").lower() == "false":
                    continue
                box = numbers(attr(appearance, "Boundary")) or (0.0, 0.0)
                self._block(canvas, appearance, resources, [], translate(box[0], box[1]), 1)

    def _stamps_on(self, page_id: str) -> list[Stamp]:
        if self._stamps is None:
            try:
                self._stamps = stamps(self.package, self._body)
            except Exception:  # noqa: BLE001 - unreadable signatures: no seal pictures
                _log.info("OFD preview: the signatures cannot be read", exc_info=True)
                self._stamps = {}
        return self._stamps.get(page_id, [])
