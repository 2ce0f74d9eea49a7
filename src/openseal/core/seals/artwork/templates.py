"""Seal layouts (印模): turn a :class:`SealDesign` into :class:`Artwork`.

Dimensions follow common practice (docs/STANDARDS.md §2): round seals 40 mm with a 1.2 mm
border and a 14 mm star, the name along the upper arc (characters radial, facing outward),
purpose text straight below the star and an optional filing code along the lower arc; invoice
seals oval 40x30 mm; legal-representative seals square 20 mm.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

from openseal.core.seals.artwork.geometry import (
    Artwork,
    Path,
    circle,
    ellipse,
    rectangle,
    ring,
    star,
)
from openseal.core.seals.artwork.glyphs import (
    FaceName,
    advance_ratio,
    cap_height_ratio,
    glyph_path,
    require_glyphs,
)
from openseal.core.seals.model import DEFAULT_PURPOSE, SealDesign, SealType
from openseal.errors import InvalidInput

NAME_MAX_CHARS = 30
LEGAL_REP_NAME_MAX_CHARS = 4
PURPOSE_MAX_CHARS = 12
CODE_MAX_DIGITS = 20
TAX_ID_CHARS = 18
_TAX_ID_ALPHABET = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")

ROUND_DIAMETER_MM = 40.0
ROUND_BORDER_MM = 1.2
STAR_TIP_TO_TIP_MM = 14.0
OVAL_SIZE_MM = (40.0, 30.0)
OVAL_BORDER_MM = 1.0
SQUARE_SIZE_MM = 20.0
SQUARE_BORDER_MM = 1.0


@dataclass(frozen=True)
class _Ellipse:
    """The ellipse on which character centres are placed."""

    cx: float
    cy: float
    rx: float
    ry: float

    def point(self, t: float) -> tuple[float, float]:
        return (self.cx + self.rx * math.cos(t), self.cy + self.ry * math.sin(t))

    def normal_deg(self, t: float) -> float:
        """Direction (degrees) of the outward normal at parameter ``t``."""
        return math.degrees(math.atan2(math.sin(t) / self.ry, math.cos(t) / self.rx))

    def arc_length(self, t0: float, t1: float, steps: int = 256) -> float:
        """Length of the arc from ``t0`` to ``t1`` (counter-clockwise if t1 > t0)."""
        return _cumulative(self, t0, t1, steps)[-1]


def draw_seal(design: SealDesign) -> Artwork:
    """Draw the seal image for ``design``, choosing the layout by its ``seal_type``.

    Raises :class:`InvalidInput` (SEAL_NAME_EMPTY, SEAL_NAME_TOO_LONG, SEAL_PURPOSE_TOO_LONG,
    TAX_ID_REQUIRED, SEAL_CODE_INVALID, GLYPH_MISSING) when the design cannot be drawn.
    """
    name, purpose, code = _validate(design)
    if design.seal_type is SealType.LEGAL_REP:
        return _legal_rep(name)
    if design.seal_type is SealType.INVOICE:
        return _invoice(name, purpose or "发票专用章", str(design.tax_id), code)
    return _round(name, purpose, code)


# -- validation ------------------------------------------------------------------------------


def _validate(design: SealDesign) -> tuple[str, str | None, str | None]:
    name = _validate_name(design)
    purpose = _validate_purpose(design)
    code = _validate_code(design.code)
    if design.seal_type is SealType.INVOICE:
        _validate_tax_id(design.tax_id)
    require_glyphs(name + (purpose or ""), "serif")
    require_glyphs(code or "", "sans")
    return name, purpose, code


def _validate_name(design: SealDesign) -> str:
    name = (design.name or "").strip()
    if not name:
        raise InvalidInput("SEAL_NAME_EMPTY", "印章名称不能为空", "The seal name is empty",
                           field="name")
    limit = LEGAL_REP_NAME_MAX_CHARS if design.seal_type is SealType.LEGAL_REP else NAME_MAX_CHARS
    if len(name) > limit:
        raise InvalidInput("SEAL_NAME_TOO_LONG", f"印章名称过长(最多 {limit} 个字)",
                           f"The seal name is too long (at most {limit} characters)",
                           field="name", max_length=limit)
    return name


def _validate_purpose(design: SealDesign) -> str | None:
    if design.seal_type is SealType.LEGAL_REP:
        return None
    purpose = (design.purpose or DEFAULT_PURPOSE.get(design.seal_type) or "").strip() or None
    limit = PURPOSE_MAX_CHARS
    if purpose and len(purpose) > limit:
        raise InvalidInput("SEAL_PURPOSE_TOO_LONG", f"印章用途文字过长(最多 {limit} 个字)",
                           f"The purpose text is too long (at most {limit} characters)",
                           field="purpose", max_length=limit)
    return purpose


def _validate_code(raw: str | None) -> str | None:
    code = (raw or "").strip() or None
    limit = CODE_MAX_DIGITS
    if code is not None and not (code.isascii() and code.isdigit() and len(code) <= limit):
        raise InvalidInput("SEAL_CODE_INVALID", f"印章编码只能是不超过 {limit} 位的数字",
                           f"The seal code must be digits only, at most {limit}",
                           field="code", max_length=limit)
    return code


def _validate_tax_id(tax_id: str | None) -> None:
    value = tax_id or ""
    if len(value) != TAX_ID_CHARS or not set(value) <= _TAX_ID_ALPHABET:
        raise InvalidInput("TAX_ID_REQUIRED", "发票专用章需要 18 位纳税人识别号",
                           "An invoice seal needs the 18-character taxpayer ID",
                           field="tax_id")


# -- layouts ---------------------------------------------------------------------------------


def _round(name: str, purpose: str | None, code: str | None) -> Artwork:
    """Official, contract, finance and custom seals: round, star, name on the upper arc."""
    r = ROUND_DIAMETER_MM / 2.0
    c = r
    inner = r - ROUND_BORDER_MM
    paths = [ring(circle(c, c, r), circle(c, c, inner, clockwise=True))]
    star_cy = c if purpose is None else c + 1.0
    paths.append(star(c, star_cy, STAR_TIP_TO_TIP_MM / 2.0))
    name_h = 6.3
    rc = inner - 0.9 - name_h / 2.0
    step = math.radians(min(20.0, 240.0 / len(name))) * rc
    paths += _arc_text(name, _Ellipse(c, c, rc, rc), height=name_h,
                       width=min(name_h * 0.8, step * 0.88), step=step, top=True)
    if purpose:
        paths += _line_text(purpose, center=(c, c - 8.4), height=4.2, char_width=3.8,
                            max_width=20.0)
    if code:
        paths += _code_arc(code, _Ellipse(c, c, inner, inner))
    return Artwork(ROUND_DIAMETER_MM, ROUND_DIAMETER_MM, tuple(paths))


def _invoice(name: str, purpose: str, tax_id: str, code: str | None) -> Artwork:
    w, h = OVAL_SIZE_MM
    cx, cy, rx, ry = w / 2.0, h / 2.0, w / 2.0, h / 2.0
    b = OVAL_BORDER_MM
    paths = [ring(ellipse(cx, cy, rx, ry), ellipse(cx, cy, rx - b, ry - b, clockwise=True))]
    name_h = 4.2
    track = _Ellipse(cx, cy, rx - b - 0.6 - name_h / 2.0, ry - b - 0.6 - name_h / 2.0)
    max_len = track.arc_length(math.radians(15.0), math.radians(165.0))
    step = min(name_h * 0.92, max_len / len(name))
    paths += _arc_text(name, track, height=name_h, width=min(name_h * 0.78, step * 0.9),
                       step=step, top=True)
    tax_h = 3.7 / cap_height_ratio("sans")  # em box so that digits are 3.7 mm high
    paths += _line_text(tax_id, center=(cx, cy), height=tax_h, max_width=27.0, face="sans")
    paths += _line_text(purpose, center=(cx, cy - 6.4), height=3.8, char_width=3.4,
                        max_width=18.0)
    if code:
        paths += _code_arc(code, _Ellipse(cx, cy, rx - b, ry - b), em=2.6)
    return Artwork(w, h, tuple(paths))


def _legal_rep(name: str) -> Artwork:
    size, b = SQUARE_SIZE_MM, SQUARE_BORDER_MM
    border = ring(rectangle(0.0, 0.0, size, size), rectangle(b, b, size - 2 * b, size - 2 * b))
    lo, hi = b + 1.0, size - b - 1.0  # the text box
    gap = 0.5
    half = (hi - lo - gap) / 2.0
    cols: list[list[str]]
    if len(name) == 1:
        cols = [[name]]
    elif len(name) == 2:
        cols = [list(name)]
    elif len(name) == 3:
        cols = [list(name[:2]), [name[2], "印"]]
    else:
        cols = [list(name[:2]), list(name[2:])]
    col_w = hi - lo if len(cols) == 1 else half
    paths = [border]
    for i, col in enumerate(cols):  # the first column is on the right
        x = hi - col_w / 2.0 - i * (col_w + gap)
        row_h = hi - lo if len(col) == 1 else half
        for j, ch in enumerate(col):
            y = hi - row_h / 2.0 - j * (row_h + gap)
            paths.append(glyph_path(ch, height_mm=row_h * 1.04, width_mm=col_w * 1.04,
                                    center=(x, y)))
    return Artwork(size, size, tuple(paths))


# -- text placement --------------------------------------------------------------------------


def _arc_text(text: str, track: _Ellipse, *, height: float, width: float, step: float,
              top: bool, face: FaceName = "serif") -> list[Path]:
    """Characters centred on ``track``, ``step`` mm apart, read left to right.

    ``top``: centred at the top, tops facing outward; otherwise centred at the bottom with
    tops facing the centre (as the filing code is printed).
    """
    t_mid = math.pi / 2.0 if top else -math.pi / 2.0
    lengths, params = _arc_table(track, t_mid)
    n = len(text)
    paths = []
    for k, ch in enumerate(text):
        offset = (k - (n - 1) / 2.0) * step
        s = -offset if top else offset  # left to right: clockwise on top, ccw at the bottom
        t = _interpolate(lengths, params, s)
        normal = track.normal_deg(t)
        rotation = normal - 90.0 if top else normal + 90.0
        paths.append(glyph_path(ch, height_mm=height, width_mm=width, center=track.point(t),
                                rotation_deg=rotation, face=face))
    return paths


def _code_arc(code: str, border_inner: _Ellipse, em: float = 3.0) -> list[Path]:
    """The filing code: small sans digits along the lower arc, inside the border."""
    inset = 0.5 + em / 2.0
    track = _Ellipse(border_inner.cx, border_inner.cy,
                     border_inner.rx - inset, border_inner.ry - inset)
    width = em * advance_ratio("0", "sans")
    return _arc_text(code, track, height=em, width=width, step=width * 1.12, top=False,
                     face="sans")


def _line_text(text: str, *, center: tuple[float, float], height: float, max_width: float,
               char_width: float | None = None, face: FaceName = "serif") -> list[Path]:
    """One horizontal line centred at ``center``, squeezed horizontally to ``max_width``."""
    widths = [char_width if char_width is not None else height * advance_ratio(ch, face)
              for ch in text]
    squeeze = min(1.0, max_width / sum(widths))
    widths = [w * squeeze for w in widths]
    x = center[0] - sum(widths) / 2.0
    paths = []
    for ch, w in zip(text, widths, strict=True):
        paths.append(glyph_path(ch, height_mm=height, width_mm=w, center=(x + w / 2.0, center[1]),
                                face=face))
        x += w
    return paths


def _cumulative(track: _Ellipse, t0: float, t1: float, steps: int) -> list[float]:
    out = [0.0]
    dt = (t1 - t0) / steps
    for i in range(steps):
        t = t0 + (i + 0.5) * dt
        out.append(out[-1] + abs(dt) * math.hypot(track.rx * math.sin(t), track.ry * math.cos(t)))
    return out


def _arc_table(track: _Ellipse, t_mid: float) -> tuple[list[float], list[float]]:
    """Signed arc length (counter-clockwise positive) from ``t_mid`` and the parameters."""
    steps = 720
    ccw = _cumulative(track, t_mid, t_mid + math.pi, steps)
    cw = _cumulative(track, t_mid, t_mid - math.pi, steps)
    lengths = [-v for v in reversed(cw[1:])] + ccw
    dt = math.pi / steps
    params = [t_mid - (steps - i) * dt for i in range(steps)]
    params += [t_mid + i * dt for i in range(steps + 1)]
    return lengths, params


def _interpolate(xs: Sequence[float], ys: Sequence[float], x: float) -> float:
    i = min(max(bisect.bisect_left(xs, x), 1), len(xs) - 1)
    x0, x1 = xs[i - 1], xs[i]
    f = 0.0 if x1 == x0 else (x - x0) / (x1 - x0)
    return ys[i - 1] + f * (ys[i] - ys[i - 1])
