"""A tiny vector path model for seal artwork.

Units are millimetres, the y axis points UP and the origin is the bottom-left corner of the
seal's bounding box (the PDF convention).

Fill rule: **even-odd, per path**. Every :class:`Path` is filled on its own with the even-odd
rule (so a border is simply two concentric contours, whatever their direction, and a glyph
keeps its counters); the paths of an :class:`Artwork` are then painted on top of each other
(their union). All renderers (PDF ``f*``, SVG ``fill-rule="evenodd"``, PNG XOR masks) follow
this rule.

Commands: ``("M", x, y)``, ``("L", x, y)``, ``("C", x1, y1, x2, y2, x3, y3)`` and ``("Z",)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Command = tuple[str | float, ...]
Point = tuple[float, float]
# (a, b, c, d, e, f): x' = a*x + c*y + e, y' = b*x + d*y + f (the PDF matrix convention).
Matrix = tuple[float, float, float, float, float, float]

INK_RED: tuple[int, int, int] = (230, 0, 0)
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)

# Control-point distance that makes four cubic Béziers approximate a circle.
_KAPPA = 4.0 * (math.sqrt(2.0) - 1.0) / 3.0


@dataclass(frozen=True)
class Path:
    """A filled shape: one or more closed contours, filled with the even-odd rule."""

    commands: tuple[Command, ...] = ()

    def __add__(self, other: Path) -> Path:
        return Path(self.commands + other.commands)

    def points(self) -> list[Point]:
        """Every on- and off-curve point (useful for bounding boxes)."""
        out: list[Point] = []
        for cmd in self.commands:
            coords = [float(v) for v in cmd[1:]]
            out.extend(zip(coords[0::2], coords[1::2], strict=True))
        return out


@dataclass(frozen=True)
class Artwork:
    """A seal image: paths in millimetres on a ``width_mm`` x ``height_mm`` canvas."""

    width_mm: float
    height_mm: float
    paths: tuple[Path, ...]
    rgb: tuple[int, int, int] = INK_RED


def combine(paths: Iterable[Path]) -> Path:
    """One path made of all contours of ``paths`` (even-odd applies across them)."""
    commands: list[Command] = []
    for path in paths:
        commands.extend(path.commands)
    return Path(tuple(commands))


def ellipse(cx: float, cy: float, rx: float, ry: float, *, clockwise: bool = False) -> Path:
    """An ellipse centred at (cx, cy) as one closed contour of four cubic Béziers."""
    kx, ky = rx * _KAPPA, ry * _KAPPA
    e, n, w, s = (cx + rx, cy), (cx, cy + ry), (cx - rx, cy), (cx, cy - ry)
    if not clockwise:
        segs = [
            (e[0], e[1] + ky, n[0] + kx, n[1], *n),
            (n[0] - kx, n[1], w[0], w[1] + ky, *w),
            (w[0], w[1] - ky, s[0] - kx, s[1], *s),
            (s[0] + kx, s[1], e[0], e[1] - ky, *e),
        ]
    else:
        segs = [
            (e[0], e[1] - ky, s[0] + kx, s[1], *s),
            (s[0] - kx, s[1], w[0], w[1] - ky, *w),
            (w[0], w[1] + ky, n[0] - kx, n[1], *n),
            (n[0] + kx, n[1], e[0], e[1] + ky, *e),
        ]
    commands: list[Command] = [("M", *e)]
    commands.extend(("C", *seg) for seg in segs)
    commands.append(("Z",))
    return Path(tuple(commands))


def circle(cx: float, cy: float, r: float, *, clockwise: bool = False) -> Path:
    """A circle centred at (cx, cy)."""
    return ellipse(cx, cy, r, r, clockwise=clockwise)


def polygon(points: Sequence[Point]) -> Path:
    """A closed polygon through ``points``."""
    if len(points) < 3:
        raise ValueError("a polygon needs at least three points")
    commands: list[Command] = [("M", *points[0])]
    commands.extend(("L", *p) for p in points[1:])
    commands.append(("Z",))
    return Path(tuple(commands))


def rectangle(x: float, y: float, width: float, height: float) -> Path:
    """An axis-aligned rectangle with its bottom-left corner at (x, y)."""
    return polygon([(x, y), (x + width, y), (x + width, y + height), (x, y + height)])


def star(cx: float, cy: float, outer_radius: float, inner_ratio: float = 0.382) -> Path:
    """A five-pointed star, one tip pointing straight up, as a simple 10-vertex polygon.

    ``outer_radius`` is the distance from the centre to a tip; the default ``inner_ratio``
    gives the regular star whose edges are collinear (sin 18° / sin 54°).
    """
    pts: list[Point] = []
    for i in range(10):
        r = outer_radius if i % 2 == 0 else outer_radius * inner_ratio
        a = math.radians(90.0 + 36.0 * i)
        pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return polygon(pts)


def ring(outer: Path, inner: Path) -> Path:
    """A border: the area between two nested contours (even-odd)."""
    return outer + inner


def translate(dx: float, dy: float) -> Matrix:
    """A translation matrix."""
    return (1.0, 0.0, 0.0, 1.0, dx, dy)


def scale(sx: float, sy: float | None = None) -> Matrix:
    """A scaling matrix (about the origin)."""
    return (sx, 0.0, 0.0, sx if sy is None else sy, 0.0, 0.0)


def rotate(degrees: float) -> Matrix:
    """A counter-clockwise rotation matrix (about the origin)."""
    a = math.radians(degrees)
    c, s = math.cos(a), math.sin(a)
    return (c, s, -s, c, 0.0, 0.0)


def compose(*matrices: Matrix) -> Matrix:
    """The matrix applying ``matrices`` in order (first one first)."""
    a, b, c, d, e, f = IDENTITY
    for m in matrices:
        ma, mb, mc, md, me, mf = m
        a, b, c, d, e, f = (
            ma * a + mc * b, mb * a + md * b,
            ma * c + mc * d, mb * c + md * d,
            ma * e + mc * f + me, mb * e + md * f + mf,
        )
    return (a, b, c, d, e, f)


def apply(m: Matrix, x: float, y: float) -> Point:
    """Transform one point."""
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])


def transform(path: Path, m: Matrix) -> Path:
    """``path`` with every point transformed by ``m``."""
    out: list[Command] = []
    for cmd in path.commands:
        coords = [float(v) for v in cmd[1:]]
        moved: list[float] = []
        for x, y in zip(coords[0::2], coords[1::2], strict=True):
            moved.extend(apply(m, x, y))
        out.append((str(cmd[0]), *moved))
    return Path(tuple(out))


def bounds(paths: Iterable[Path]) -> tuple[float, float, float, float] | None:
    """(xmin, ymin, xmax, ymax) of all control points, or None when there are none."""
    pts = [p for path in paths for p in path.points()]
    if not pts:
        return None
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return (min(xs), min(ys), max(xs), max(ys))
