"""Where a seal goes on an OFD page: the product's positions turned into StampAnnot boxes.

The product speaks one language for both formats (``signing/placement.py``): ``page`` is
1-based, ``x_mm`` is the distance from the page's LEFT edge to the seal's left side and
``y_mm`` the distance from the page's BOTTOM edge to the seal's bottom side, in millimetres.
OFD pages have their origin at the TOP-left with y growing downwards (GB/T 33190 §7), also in
millimetres, so a seal of height ``h`` at product ``(x, y)`` on a page whose PhysicalBox is
``(x0, y0, W, H)`` gets the OFD Boundary

    (x0 + x,  y0 + H - y - h,  w,  h)

Absent x/y mean the default corner of the PDF side: 25 mm from the right and bottom edges.

A riding seal (骑缝章) over N pages is cut into N vertical slices, as on the PDF side and as
ofdrw's ``RidingStampPos`` writes it (sample V4RideRight.ofd): every page carries the whole
seal's Boundary, shifted so that exactly one slice lies flush with the chosen edge, and a
``Clip`` in the seal's own box (relative to the Boundary, "x y w h" mm) that shows only that
slice. On the right edge page 1 shows the leftmost slice; on the left edge, the rightmost.
``y_mm`` is again the seal's bottom from the page bottom (None: centred vertically).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from openseal.core.ofd.package import Page
from openseal.errors import InvalidInput

DEFAULT_MARGIN_MM = 25.0
EDGES = ("right", "left")
A4 = (0.0, 0.0, 210.0, 297.0)
_RANGE = re.compile(r"^\s*(\d{1,6})\s*(?:-\s*(\d{1,6})?\s*)?$")
_EPSILON = 0.01


@dataclass(frozen=True)
class OfdStamp:
    """One seal appearance: at ``page``/``x_mm``/``y_mm``, on a ``keyword``, or riding.

    - position: ``page`` (1-based), ``x_mm``/``y_mm`` from the page's bottom-left (None:
      25 mm from the right and bottom edges);
    - keyword: the seal centred on the text, ``occurrence`` ``first``, ``last``, ``all`` or
      the N-th (from 1);
    - riding seal: ``cross_page=True``, ``pages`` like ``"1-5"``, ``"3-"`` or None (every
      page), ``edge`` ``right`` or ``left``, ``y_mm`` the seal's bottom (None: centred).
    """

    page: int = 1
    x_mm: float | None = None
    y_mm: float | None = None
    keyword: str | None = None
    occurrence: str = "first"
    cross_page: bool = False
    pages: str | None = None
    edge: str = "right"


@dataclass(frozen=True)
class StampBox:
    """A StampAnnot to write: the page's ID, Boundary and Clip ("x y w h" mm, OFD space)."""

    page_id: str
    boundary: tuple[float, float, float, float]
    clip: tuple[float, float, float, float] | None = None


def box_of(page: Page) -> tuple[float, float, float, float]:
    """The page's PhysicalBox (x0, y0, W, H); A4 when the file names none."""
    box = page.physical_box
    if (box is None or len(box) != 4 or not all(math.isfinite(v) for v in box)
            or box[2] <= 0 or box[3] <= 0):
        return A4
    return (box[0], box[1], box[2], box[3])


def page_at(pages: Sequence[Page], number: int) -> Page:
    if not 1 <= number <= len(pages):
        raise InvalidInput("PAGE_NOT_FOUND", f"文件只有 {len(pages)} 页，没有第 {number} 页",
                           f"The document has {len(pages)} pages; there is no page {number}",
                           field="page", pages=len(pages))
    page = pages[number - 1]
    if not page.id:
        raise InvalidInput("OFD_PAGE_NO_ID", f"OFD 第 {number} 页没有 ID，无法放置印章",
                           f"Page {number} of the OFD file has no ID, so no seal can be "
                           f"placed on it", field="page")
    return page


def at_position(pages: Sequence[Page], stamp: OfdStamp, w: float, h: float) -> StampBox:
    """The box for a page/x/y stamp (product coordinates, see the module docstring)."""
    page = page_at(pages, stamp.page)
    x0, y0, width, height = box_of(page)
    x = stamp.x_mm if stamp.x_mm is not None else max(width - w - DEFAULT_MARGIN_MM, 0.0)
    y = stamp.y_mm if stamp.y_mm is not None else DEFAULT_MARGIN_MM
    if (not (math.isfinite(x) and math.isfinite(y)) or x < 0 or y < 0
            or x + w > width + _EPSILON or y + h > height + _EPSILON):
        raise InvalidInput(
            "POSITION_OFF_PAGE",
            f"印章位置超出页面：({x:g}, {y:g}) mm 处 {w:g}×{h:g} mm 的印章放不进 "
            f"{width:g}×{height:g} mm 的页面",
            f"The seal is off the page: a {w:g}x{h:g} mm seal at ({x:g}, {y:g}) mm "
            f"does not fit a {width:g}x{height:g} mm page", field="position")
    return StampBox(page.id, (x0 + x, y0 + height - y - h, w, h))


def centred(page: Page, centre: tuple[float, float], w: float, h: float) -> StampBox:
    """The box centring the seal on ``centre`` (OFD page space, mm), kept on the page."""
    x0, y0, width, height = box_of(page)
    x, y = centre[0] - w / 2, centre[1] - h / 2
    if (not (math.isfinite(x) and math.isfinite(y)) or x < x0 - _EPSILON
            or y < y0 - _EPSILON or x + w > x0 + width + _EPSILON
            or y + h > y0 + height + _EPSILON):
        raise InvalidInput(
            "POSITION_OFF_PAGE", f"以关键字为中心的 {w:g}×{h:g} mm 印章超出页面",
            f"A {w:g}x{h:g} mm seal centred on the keyword would be off the page",
            field="keyword")
    return StampBox(page.id, (x, y, w, h))


def page_range(spec: str | None, count: int) -> tuple[int, int]:
    """1-based (first, last) of a riding seal from ``"1-5"``, ``"3-"``, ``"4"`` or None."""
    if spec is None:
        first, last = 1, count
    else:
        match = _RANGE.match(spec)
        if match is None:
            raise InvalidInput("CROSS_PAGE_RANGE", f"页码范围应形如 1-5，收到「{spec}」",
                               f"The page range must look like 1-5, got '{spec}'",
                               field="pages")
        end = match.group(2) if "-" in spec else match.group(1)
        first, last = int(match.group(1)), int(end) if end else count
    if first < 1 or last - first + 1 < 2:
        raise InvalidInput("CROSS_PAGE_RANGE", f"骑缝章至少要盖两页，收到第 {first}–{last} 页",
                           f"A cross-page seal needs at least two pages, got {first}-{last}",
                           field="pages")
    return first, last


def riding(pages: Sequence[Page], stamp: OfdStamp, w: float, h: float) -> list[StampBox]:
    """One StampBox per page of a riding seal; their Clips tile the ``w`` x ``h`` seal."""
    if stamp.edge not in EDGES:
        raise InvalidInput("CROSS_PAGE_EDGE",
                           f"骑缝章只能盖在 right 或 left 边，收到「{stamp.edge}」",
                           f"The cross-page edge must be right or left, got '{stamp.edge}'",
                           field="edge")
    first, last = page_range(stamp.pages, len(pages))
    count = last - first + 1
    part = w / count
    boxes = []
    for i in range(count):
        page = page_at(pages, first + i)
        x0, y0, width, height = box_of(page)
        if stamp.y_mm is None:
            top = y0 + (height - h) / 2
        elif (not math.isfinite(stamp.y_mm) or stamp.y_mm < 0
              or stamp.y_mm + h > height + _EPSILON):
            raise InvalidInput("POSITION_OFF_PAGE",
                               f"骑缝章位置超出页面：y = {stamp.y_mm:g} mm",
                               f"The cross-page seal is off the page: y = {stamp.y_mm:g} mm",
                               field="y")
        else:
            top = y0 + height - stamp.y_mm - h
        slice_index = i if stamp.edge == "right" else count - 1 - i
        if stamp.edge == "right":
            left = x0 + width - (i + 1) * part
        else:
            left = x0 - slice_index * part
        boxes.append(StampBox(page.id, (left, top, w, h), (slice_index * part, 0.0, part, h)))
    return boxes
