"""The cross-page seal (骑缝章): one seal split over the edges of several pages.

The seal is cut into N vertical slices for N pages; page i shows slice i flush with its
edge, so fanning the pages out (page 1 on top) shows the whole seal. On the right edge page
1 carries the leftmost slice; on the left edge, the rightmost. The slices are page content
of the update the signature covers (see stamps).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pyhanko.pdf_utils.reader import PdfFileReader

from openseal.core.signing.placement import PT_PER_MM, PageBox
from openseal.core.signing.preflight import damaged_pdf, page_box
from openseal.core.signing.stamps import SealStamper
from openseal.errors import InvalidInput

EDGES = ("right", "left")
_RANGE = re.compile(r"^\s*(\d{1,6})\s*(?:-\s*(\d{1,6})?\s*)?$")


@dataclass(frozen=True)
class CrossPage:
    """Pages ``first``..``last`` (1-based; None = the last page), the edge, and the seal's
    bottom in mm from the page's bottom (None = vertically centred)."""

    first: int = 1
    last: int | None = None
    edge: str = "right"
    y_mm: float | None = None


def cross_page(pages: str | None = None, edge: str = "right",
               y_mm: float | None = None) -> CrossPage:
    """A CrossPage from user input: ``pages`` like ``1-5``, ``3-`` or None (every page)."""
    if edge not in EDGES:
        raise InvalidInput("CROSS_PAGE_EDGE", f"骑缝章只能盖在 right 或 left 边，收到「{edge}」",
                           f"The cross-page edge must be right or left, got '{edge}'",
                           field="edge")
    if pages is None:
        return CrossPage(edge=edge, y_mm=y_mm)
    match = _RANGE.match(pages)
    if match is None:
        raise InvalidInput("CROSS_PAGE_RANGE", f"页码范围应形如 1-5，收到「{pages}」",
                           f"The page range must look like 1-5, got '{pages}'", field="pages")
    last = match.group(2) if "-" in pages else match.group(1)
    return CrossPage(int(match.group(1)), int(last) if last else None, edge, y_mm)


def draw_cross_page(reader: PdfFileReader, stamper: SealStamper, spec: CrossPage,
                    w_mm: float, h_mm: float) -> None:
    """Draw the slices of a ``w_mm`` x ``h_mm`` seal on the pages of ``spec``."""
    first, last = spec.first, spec.last or _page_count(reader)
    count = last - first + 1
    if first < 1 or count < 2:
        raise InvalidInput("CROSS_PAGE_RANGE", f"骑缝章至少要盖两页，收到第 {first}–{last} 页",
                           f"A cross-page seal needs at least two pages, got {first}-{last}",
                           field="pages")
    width, height = w_mm * PT_PER_MM, h_mm * PT_PER_MM
    part = width / count
    for i in range(count):
        page = page_box(reader, first + i)  # PAGE_NOT_FOUND beyond the document
        y1 = _bottom(page, spec.y_mm, height)
        if spec.edge == "right":
            x1, clip_x = page.right - (i + 1) * part, page.right - part
        else:
            x1, clip_x = page.left - (count - 1 - i) * part, page.left
        stamper.stamp(first + i - 1, (x1, y1, x1 + width, y1 + height),
                      clip=(clip_x, y1, clip_x + part, y1 + height))


def _bottom(page: PageBox, y_mm: float | None, height: float) -> float:
    if y_mm is None:
        return (page.bottom + page.top - height) / 2
    y1 = page.bottom + y_mm * PT_PER_MM
    if y_mm < 0 or y1 + height > page.top + 0.01:
        raise InvalidInput("POSITION_OFF_PAGE", f"骑缝章位置超出页面：cross-y = {y_mm:g} mm",
                           f"The cross-page seal is off the page: cross-y = {y_mm:g} mm",
                           field="cross_y")
    return y1


def _page_count(reader: PdfFileReader) -> int:
    try:
        return int(reader.root["/Pages"]["/Count"])
    except (Exception, RecursionError) as exc:  # noqa: BLE001
        raise damaged_pdf() from exc
