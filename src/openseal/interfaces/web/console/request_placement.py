"""Where the seal goes on a page, from the sealing form: dropped on the page picture (its
centre at the fractions ``fx``/``fy`` of the page), at ``x``/``y`` mm (its bottom-left
corner), or the core's default place."""

from __future__ import annotations

from openseal.core.records import SealRecord
from openseal.core.signing.placement import Placement
from openseal.errors import InvalidInput
from openseal.interfaces.web.ofd_previews import ofd_preview
from openseal.interfaces.web.previews import preview_pages


def pdf_placement(seal: SealRecord, document: bytes, number: int, fx: str, fy: str, x: str,
                  y: str) -> Placement:
    """The seal's place on page ``number`` of a PDF, as the form gives it."""
    art = seal.artwork
    if fx.strip() and fy.strip():
        shown = preview_pages(document, number, 1, 64)
        if not shown.pages:
            raise _off_page(number)
        cx, cy = shown.pages[0].point_mm(fraction(fx, "fx"), fraction(fy, "fy"))
        return Placement(number, round(cx - art.width_mm / 2, 2),
                         round(cy - art.height_mm / 2, 2))
    if x.strip() or y.strip():
        return Placement(number, millimetres(x, "x"), millimetres(y, "y"))
    return Placement(number)


def ofd_placement(seal: SealRecord, document: bytes, number: int, fx: str, fy: str, x: str,
                  y: str) -> Placement:
    """``pdf_placement`` on an OFD page (its size in mm): the seal's size is its ``.esl`` picture's,
    whole millimetres (``core.seals.esl``)."""
    if not (fx.strip() and fy.strip()):
        return pdf_placement(seal, document, number, "", "", x, y)
    shown = ofd_preview(document, number, 1)
    if not shown.pages:
        raise _off_page(number)
    art = seal.artwork
    width, height = max(1, round(art.width_mm)), max(1, round(art.height_mm))
    cx, cy = shown.pages[0].point_mm(fraction(fx, "fx"), fraction(fy, "fy"))
    return Placement(number, round(cx - width / 2, 2), round(cy - height / 2, 2))


def _off_page(number: int) -> InvalidInput:
    return InvalidInput("POSITION_OFF_PAGE", f"文件没有第 {number} 页",
                        f"The document has no page {number}", field="page")


def fraction(value: str, field: str) -> float:
    number = millimetres(value, field)
    if not 0 <= number <= 1:
        raise InvalidInput("POSITION_OFF_PAGE", "位置须在页面内", "The position must be on the "
                           "page", field=field)
    return number


def millimetres(value: str, field: str) -> float:
    try:
        number = float(value.strip())
    except ValueError:
        number = float("nan")
    if number != number or abs(number) > 10_000:
        raise InvalidInput("REQUEST_INVALID", "位置须为数字（毫米）",
                           "The position must be a number (mm)", field=field)
    return number
