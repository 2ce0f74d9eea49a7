"""Where the seal goes: a page and a box, in millimetres from the page's bottom-left."""

from __future__ import annotations

from dataclasses import dataclass

from openseal.errors import InvalidInput

PT_PER_MM = 72 / 25.4
DEFAULT_MARGIN_MM = 25.0


@dataclass(frozen=True)
class Placement:
    """Requested position. ``page`` is 1-based; None x/y means the default corner."""

    page: int = 1
    x_mm: float | None = None
    y_mm: float | None = None
    size_mm: float | None = None


@dataclass(frozen=True)
class PageBox:
    """A page's visible area in PDF points (from its CropBox, else MediaBox)."""

    left: float
    bottom: float
    right: float
    top: float


def resolve_box(
    placement: Placement, page: PageBox, seal_w_mm: float, seal_h_mm: float
) -> tuple[float, float, float, float]:
    """The signature box (x1, y1, x2, y2) in points; refuses a box not wholly on the page."""
    w_mm, h_mm = seal_size(placement.size_mm, seal_w_mm, seal_h_mm)
    page_w_mm = (page.right - page.left) / PT_PER_MM
    x_mm = placement.x_mm
    y_mm = placement.y_mm
    if x_mm is None:
        x_mm = max(page_w_mm - w_mm - DEFAULT_MARGIN_MM, 0.0)
    if y_mm is None:
        y_mm = DEFAULT_MARGIN_MM
    x1 = page.left + x_mm * PT_PER_MM
    y1 = page.bottom + y_mm * PT_PER_MM
    box = (x1, y1, x1 + w_mm * PT_PER_MM, y1 + h_mm * PT_PER_MM)
    if x_mm < 0 or y_mm < 0 or box[2] > page.right + 0.01 or box[3] > page.top + 0.01:
        raise InvalidInput(
            "POSITION_OFF_PAGE",
            f"印章位置超出页面：({x_mm:g}, {y_mm:g}) mm 处 {w_mm:g}×{h_mm:g} mm 的印章放不进 "
            f"{page_w_mm:.0f}×{(page.top - page.bottom) / PT_PER_MM:.0f} mm 的页面",
            f"The seal is off the page: a {w_mm:g}x{h_mm:g} mm seal at ({x_mm:g}, {y_mm:g}) mm "
            f"does not fit a {page_w_mm:.0f}x{(page.top - page.bottom) / PT_PER_MM:.0f} mm page",
            field="position",
        )
    return box


def centred_at(placement: Placement, page_number: int, page: PageBox,
               centre: tuple[float, float], seal_w_mm: float, seal_h_mm: float,
               offset_mm: tuple[float, float] = (0.0, 0.0)) -> Placement:
    """The placement centring the seal on ``centre`` (points, page space), then moved by
    ``offset_mm`` (right and up); the size is ``placement``'s."""
    w_mm, h_mm = seal_size(placement.size_mm, seal_w_mm, seal_h_mm)
    x_mm = (centre[0] - page.left) / PT_PER_MM - w_mm / 2 + offset_mm[0]
    y_mm = (centre[1] - page.bottom) / PT_PER_MM - h_mm / 2 + offset_mm[1]
    return Placement(page_number, x_mm, y_mm, placement.size_mm)


def seal_size(size_mm: float | None, w: float, h: float) -> tuple[float, float]:
    """The seal's width and height in mm: its own, or scaled so its long side is
    ``size_mm`` (5-200 mm)."""
    if size_mm is None:
        return w, h
    if not 5 <= size_mm <= 200:
        raise InvalidInput("SEAL_SIZE", f"印章尺寸应在 5–200 mm 之间，收到 {size_mm:g}",
                           f"Seal size must be 5-200 mm, got {size_mm:g}", field="size")
    factor = size_mm / max(w, h)
    return w * factor, h * factor
