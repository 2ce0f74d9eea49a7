"""Text objects of an OFD page (GB/T 33190 §11): each ``TextCode`` starts at X/Y (the first
glyph's baseline origin, in the object's space) and moves by DeltaX/DeltaY per glyph
("g n v" repeats v n times). Glyphs are drawn with the open Noto CJK fonts whatever font
the file names: serif for 宋体/仿宋/楷体-like names, sans otherwise, bold when the font or
the object says so and a bold face is installed. Rotation in a CTM is not applied to glyphs
(their positions follow it); that is what a preview needs.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from xml.etree.ElementTree import Element

from PIL import ImageFont

from openseal.core.ofd.package import attr, local
from openseal.core.ofd.render_canvas import Canvas, Skip, Style
from openseal.core.ofd.render_paths import Matrix, apply, line_scale, multiply
from openseal.core.ofd.render_res import FontInfo

MAX_GLYPHS = 20_000
"""Glyphs of one text object; a longer one is drawn up to this many."""
MAX_FONT_PX = 1_000
_SERIF_HINTS = ("宋", "仿", "楷", "明", "song", "kai", "fang", "ming", "serif", "times", "roman")
_BOLD_FACES = {"sans": "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
               "serif": "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"}
_SC_INDEX = 2  # Simplified Chinese in the Noto CJK collections (JP, KR, SC, TC, HK)


def draw_text(canvas: Canvas, element: Element, to_page: Matrix, style: Style,
              font: FontInfo | None) -> None:
    """Draw TextObject ``element``; ``to_page`` maps its space to page millimetres."""
    size = _size(attr(element, "Size"))
    to_px = multiply(to_page, canvas.page)
    pixels = size * line_scale(to_px)
    colour = style.fill or style.stroke  # outlined text (Fill false): its stroke colour
    if colour is None or pixels < 0.5:
        return
    if pixels > MAX_FONT_PX:
        raise Skip("text_too_large")
    weight = attr(element, "Weight")
    bold = (font.bold if font else False) or (weight.isdigit() and int(weight) >= 700)
    face = _font(_family(font.name if font else ""), bold, max(1, round(pixels)))
    draw = canvas.draw
    x, y, budget = 0.0, 0.0, MAX_GLYPHS
    for code in (c for c in element if local(c.tag) == "TextCode"):
        x = _coordinate(attr(code, "X"), x)
        y = _coordinate(attr(code, "Y"), y)
        glyphs = list(code.text or "")[:budget]
        budget -= len(glyphs)
        canvas.take_points(len(glyphs))  # glyphs share the page's budget with path points
        dx = expand(attr(code, "DeltaX"), len(glyphs))
        dy = expand(attr(code, "DeltaY"), len(glyphs))
        for i, glyph in enumerate(glyphs):
            if not glyph.isspace():
                draw.text(apply(to_px, (x, y)), glyph, font=face, fill=colour, anchor="ls")
            if i < len(glyphs) - 1:
                x += dx[i] if i < len(dx) else _advance(face, glyph, pixels, size)
                y += dy[i] if i < len(dy) else 0.0
        if budget <= 0:
            break


def expand(value: str, glyphs: int) -> list[float]:
    """DeltaX/DeltaY as numbers: ``g n v`` is v repeated n times; at most ``glyphs`` - 1
    (the deltas between glyphs) are kept. A malformed list is Skip."""
    tokens = value.replace(",", " ").split()
    out: list[float] = []
    i, wanted = 0, max(0, glyphs - 1)
    while i < len(tokens) and len(out) < wanted:
        if tokens[i].lower() == "g":
            if i + 2 >= len(tokens):
                raise Skip("text_malformed")
            count, step = _int(tokens[i + 1]), _float(tokens[i + 2])
            out.extend([step] * min(count, wanted - len(out)))
            i += 3
        else:
            out.append(_float(tokens[i]))
            i += 1
    return out


def _int(token: str) -> int:
    try:
        return max(0, int(float(token)))
    except (ValueError, OverflowError):
        raise Skip("text_malformed") from None


def _float(token: str) -> float:
    try:
        number = float(token)
    except ValueError:
        raise Skip("text_malformed") from None
    if not math.isfinite(number):
        raise Skip("text_malformed")
    return number


def _coordinate(value: str, default: float) -> float:
    return _float(value) if value else default


def _size(value: str) -> float:
    size = _float(value) if value else 3.5
    if size <= 0:
        raise Skip("text_malformed")
    return size


def _advance(face: ImageFont.FreeTypeFont, glyph: str, pixels: float, size: float) -> float:
    """A glyph's own width in the object's units (when the file gives no delta)."""
    return float(face.getlength(glyph)) * size / max(pixels, 1e-6)


def _family(name: str) -> str:
    lowered = name.lower()
    return "serif" if any(h in lowered for h in _SERIF_HINTS) else "sans"


@lru_cache(maxsize=128)
def _font(family: str, bold: bool, pixels: int) -> ImageFont.FreeTypeFont:
    if bold and Path(_BOLD_FACES[family]).exists():
        return ImageFont.truetype(_BOLD_FACES[family], pixels, index=_SC_INDEX)
    import pylopdf_fonts_zh_cn as fonts  # the fonts the seal artwork uses too

    path = fonts.serif_path() if family == "serif" else fonts.sans_path()
    return ImageFont.truetype(str(path), pixels)
