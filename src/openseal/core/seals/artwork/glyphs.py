"""Glyph outlines from the open Noto CJK fonts (SIL OFL), as :class:`Path` in millimetres.

The fonts come from the ``pylopdf_fonts_zh_cn`` package (Noto Serif SC / Noto Sans SC). Each
face is loaded once per process; outlines are read with fontTools (no text rendering), so the
seal is the same on every machine. A character the font lacks raises ``GLYPH_MISSING`` - we
never draw the ``.notdef`` box.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Literal

from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont

from openseal.core.seals.artwork.geometry import (
    Command,
    Path,
    Point,
    compose,
    rotate,
    scale,
    transform,
    translate,
)
from openseal.errors import InvalidInput

FaceName = Literal["serif", "sans"]

_LOCK = threading.Lock()  # fontTools decompiles tables and charstrings lazily


@dataclass(frozen=True)
class FontFace:
    """A loaded font and the metrics the layout needs (font units)."""

    font: TTFont
    cmap: dict[int, str]
    ascender: int  # top of the ideographic em box (OS/2 sTypoAscender)
    descender: int  # bottom of the em box (negative)
    cap_height: int

    @property
    def em_height(self) -> int:
        return self.ascender - self.descender


@cache
def load_face(face: FaceName = "serif") -> FontFace:
    """The font ``face`` ("serif" = Noto Serif SC, "sans" = Noto Sans SC), loaded once."""
    import pylopdf_fonts_zh_cn as fonts

    path = fonts.serif_path() if face == "serif" else fonts.sans_path()
    with _LOCK:
        font = TTFont(str(path), lazy=True)
        cmap = dict(font.getBestCmap())
        os2 = font["OS/2"]
        return FontFace(
            font=font,
            cmap=cmap,
            ascender=int(os2.sTypoAscender),
            descender=int(os2.sTypoDescender),
            cap_height=int(getattr(os2, "sCapHeight", 0) or os2.sTypoAscender * 0.8),
        )


def require_glyphs(text: str, face: FaceName = "serif") -> None:
    """Raise ``InvalidInput("GLYPH_MISSING")`` for the first character the font lacks."""
    cmap = load_face(face).cmap
    for ch in text:
        if ord(ch) not in cmap:
            code = f"U+{ord(ch):04X}"
            raise InvalidInput(
                "GLYPH_MISSING",
                f"印章字体缺少字符「{ch}」({code})",
                f"The seal font has no glyph for the character '{ch}' ({code})",
                character=ch,
                codepoint=code,
            )


def advance_ratio(char: str, face: FaceName = "serif") -> float:
    """The character's advance width divided by the em-box height (1.0 for ideographs)."""
    f = load_face(face)
    return _advance(f, char) / f.em_height


def cap_height_ratio(face: FaceName = "serif") -> float:
    """Capital-letter (and digit) height divided by the em-box height."""
    f = load_face(face)
    return f.cap_height / f.em_height


def glyph_path(
    char: str,
    *,
    height_mm: float,
    center: Point,
    width_mm: float | None = None,
    rotation_deg: float = 0.0,
    face: FaceName = "serif",
) -> Path:
    """The outline of ``char`` placed on the seal.

    The glyph's design box (advance width x em-box height) is scaled to ``width_mm`` x
    ``height_mm`` (width defaults to the natural proportion), its centre is put at ``center``
    and it is turned ``rotation_deg`` counter-clockwise about that centre.
    """
    require_glyphs(char, face)
    f = load_face(face)
    adv = _advance(f, char)
    if width_mm is None:
        width_mm = height_mm * adv / f.em_height
    m = compose(
        translate(-adv / 2.0, -(f.ascender + f.descender) / 2.0),
        scale(width_mm / adv if adv else 0.0, height_mm / f.em_height),
        rotate(rotation_deg),
        translate(*center),
    )
    return transform(Path(_outline(face, char)), m)


def _advance(f: FontFace, char: str) -> int:
    name = f.cmap[ord(char)]
    with _LOCK:
        width, _lsb = f.font["hmtx"][name]
    return int(width) or f.em_height


@lru_cache(maxsize=4096)
def _outline(face: FaceName, char: str) -> tuple[Command, ...]:
    f = load_face(face)
    with _LOCK:
        glyph_set = f.font.getGlyphSet()
        pen = _PathPen(glyph_set)
        glyph_set[f.cmap[ord(char)]].draw(pen)
    return tuple(pen.commands)


class _PathPen(BasePen):  # type: ignore[misc]
    """Records an outline as M/L/C/Z commands (quadratic curves become cubic)."""

    def __init__(self, glyph_set: Any) -> None:
        super().__init__(glyph_set)
        self.commands: list[Command] = []

    def _moveTo(self, pt: Point) -> None:
        self.commands.append(("M", float(pt[0]), float(pt[1])))

    def _lineTo(self, pt: Point) -> None:
        self.commands.append(("L", float(pt[0]), float(pt[1])))

    def _curveToOne(self, pt1: Point, pt2: Point, pt3: Point) -> None:
        self.commands.append(("C", *map(float, (*pt1, *pt2, *pt3))))

    def _qCurveToOne(self, pt1: Point, pt2: Point) -> None:
        x0, y0 = self._getCurrentPoint()
        c1 = (x0 + 2.0 / 3.0 * (pt1[0] - x0), y0 + 2.0 / 3.0 * (pt1[1] - y0))
        c2 = (pt2[0] + 2.0 / 3.0 * (pt1[0] - pt2[0]), pt2[1] + 2.0 / 3.0 * (pt1[1] - pt2[1]))
        self._curveToOne(c1, c2, pt2)

    def _closePath(self) -> None:
        self.commands.append(("Z",))

    def _endPath(self) -> None:
        self.commands.append(("Z",))
