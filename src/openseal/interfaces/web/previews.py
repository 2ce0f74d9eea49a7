"""Page previews of a PDF for the console: the approval inbox shows the first pages, the
sealing page shows one page to drag the seal onto. PNG bytes plus the page's size in mm and
its rotation, so a point dropped on the picture becomes the seal's x/y in mm (``point_mm``).

The pages are drawn by the report's renderer (``core.reports.render``) with all its bounds on
untrusted input: only what pyHanko parsed, oversized pages and images and overly complex
pages refused before PDFium sees them, a time budget, ``PDFIUM_LOCK`` held while PDFium
works. On top: at most ``MAX_PREVIEW_PAGES`` pages a call and ``LONG_SIDE`` pixels on a
picture's long side. A page past the renderer's first ``render.MAX_PAGES`` is not drawn, but
its size is still given (a blank page of the right shape to drop a seal on). A damaged or
encrypted document gives ``Preview.problem`` set, never an exception.

This runs in the calling process; for documents from outside, run ``PreviewJob`` in the
verifier pool's workers (their memory and time limits) like the report's thumbnails.
"""

from __future__ import annotations

import io
import logging
import math
import time
from dataclasses import dataclass, replace
from typing import Any

from openseal.core.pdfium import PDFIUM_LOCK
from openseal.core.reports import render

MAX_PREVIEW_PAGES = 5
LONG_SIDE = render.LONG_SIDE
"""Largest picture: the renderer's thumbnail size (a small page is drawn at most at 2x)."""
MM_PER_POINT = 25.4 / 72

UNREADABLE = "unreadable"
"""The document cannot be opened (damaged, not a PDF, encrypted)."""
NO_SUCH_PAGE = "no_such_page"
BEYOND_LIMIT = "beyond_limit"
"""A page past the renderer's first pages: its size is known, no picture."""

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PagePreview:
    """One page: a PNG (None when the page is not drawn: ``skipped`` says why) and its size
    as shown (mm), with the page's /Rotate (0, 90, 180, 270, clockwise)."""

    page: int
    width_mm: float
    height_mm: float
    rotation: int = 0
    png: bytes | None = None
    pixels: tuple[int, int] = (0, 0)
    skipped: str | None = None

    def point_mm(self, fx: float, fy: float) -> tuple[float, float]:
        """A point of the picture, as fractions of its width and height from its top left
        corner, in the page's own (unrotated) coordinates: mm from the left edge and from
        the bottom edge, the way a seal's ``x``/``y`` are given."""
        fx, fy = min(max(fx, 0.0), 1.0), min(max(fy, 0.0), 1.0)
        turned = self.rotation in (90, 270)
        width, height = ((self.height_mm, self.width_mm) if turned
                         else (self.width_mm, self.height_mm))  # unrotated
        x, y = {0: (fx * width, (1 - fy) * height), 90: (fy * width, fx * height),
                180: ((1 - fx) * width, fy * height),
                270: ((1 - fy) * width, (1 - fx) * height)}[self.rotation]
        return round(x, 2), round(y, 2)


@dataclass(frozen=True)
class Preview:
    page_count: int
    pages: tuple[PagePreview, ...] = ()
    problem: str | None = None
    """Why there is no preview at all (``UNREADABLE``, ``NO_SUCH_PAGE``), else None."""


@dataclass(frozen=True)
class PreviewJob:
    """``preview_pages`` as a picklable job with ``run()``, for the verifier pool."""

    data: bytes
    first: int = 1
    count: int = 1
    long_side: int = LONG_SIDE

    def run(self) -> Preview:
        return preview_pages(self.data, self.first, self.count, self.long_side)


def preview_pages(data: bytes, first: int = 1, count: int = 1,
                  long_side: int = LONG_SIDE) -> Preview:
    """Pages ``first`` .. ``first + count - 1`` (those that exist, at most
    ``MAX_PREVIEW_PAGES``), each at most ``long_side`` (<= ``LONG_SIDE``) pixels long."""
    if first < 1 or count < 1 or long_side < 16:
        raise ValueError("first and count from 1, long_side at least 16 pixels")
    try:
        inspected = render.inspect_document(data)
    except Exception:  # noqa: BLE001 - a damaged document has no preview
        _log.info("no preview: the document cannot be read", exc_info=True)
        inspected = None
    if inspected is None:
        return Preview(0, problem=UNREADABLE)
    if first > inspected.page_count:
        return Preview(inspected.page_count, problem=NO_SUCH_PAGE)
    wanted = range(first, min(first + min(count, MAX_PREVIEW_PAGES), inspected.page_count + 1))
    try:
        with PDFIUM_LOCK:
            pages = _draw_pages(inspected, wanted, min(long_side, LONG_SIDE))
    except Exception:  # noqa: BLE001 - PDFium refusing the file: no preview
        _log.info("no preview: PDFium cannot open the document", exc_info=True)
        return Preview(inspected.page_count, problem=UNREADABLE)
    return Preview(inspected.page_count, pages) if pages else Preview(
        inspected.page_count, problem=NO_SUCH_PAGE)


def _draw_pages(inspected: Any, wanted: range, long_side: int) -> tuple[PagePreview, ...]:
    import pypdfium2 as pdfium  # imported here: only previews and reports need PDFium

    document = pdfium.PdfDocument(inspected.data)
    try:
        document.init_forms()  # seals already on the page are drawn too
        started = time.monotonic()
        out = []
        for number in wanted:
            if number > len(document):
                break
            page = document[number - 1]
            try:
                late = time.monotonic() - started > render.TIME_BUDGET
                out.append(_page(page, number, inspected, late, long_side))
            finally:
                page.close()
        return tuple(out)
    finally:
        document.close()


def _page(page: Any, number: int, inspected: Any, late: bool, long_side: int) -> PagePreview:
    width, height = (float(v) for v in page.get_size())
    rotation = int(page.get_rotation()) % 360
    if not (math.isfinite(width) and math.isfinite(height)):
        width = height = 0.0
    shape = PagePreview(number, round(width * MM_PER_POINT, 2),
                        round(height * MM_PER_POINT, 2), rotation)
    if number not in inspected.wanted:
        return replace(shape, skipped=BEYOND_LIMIT)
    image = render.page_image(page, number, [], inspected, late, {})
    if image.png is None:
        return replace(shape, skipped=image.skipped)
    png, pixels = _fit(image.png, long_side)
    return replace(shape, png=png, pixels=pixels)


def _fit(png: bytes, long_side: int) -> tuple[bytes, tuple[int, int]]:
    """The PNG made smaller if its long side is over ``long_side`` pixels."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        if max(image.size) <= long_side:
            return png, image.size
        image.thumbnail((long_side, long_side))
        out = io.BytesIO()
        image.save(out, "PNG", optimize=True)
        return out.getvalue(), image.size
