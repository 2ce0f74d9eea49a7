"""OFD path geometry for the page renderer: ``AbbreviatedData`` (GB/T 33190 §9.3.3) flattened
into polylines, and the affine matrices (``CTM``) that place them.

Commands: ``S``/``M`` x y (start a sub-path), ``L`` x y, ``Q`` x1 y1 x y (quadratic Bézier),
``B`` x1 y1 x2 y2 x y (cubic Bézier), ``A`` rx ry angle large sweep x y (elliptic arc, as in
SVG), ``C`` or ``Z`` (close). Curves become short line segments. A path with more than
``MAX_PATH_POINTS`` points (after flattening) or a token that is not a number is refused with
``PathTooComplex`` / ``ValueError``: the caller skips that object.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

Matrix = tuple[float, float, float, float, float, float]
"""``a b c d e f``: x' = a x + c y + e, y' = b x + d y + f (the OFD CTM convention)."""
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
Point = tuple[float, float]

MAX_PATH_POINTS = 20_000
"""Points of one path object after flattening curves; more is refused (PathTooComplex)."""
CURVE_STEPS = 12
_ARGS = {"S": 2, "M": 2, "L": 2, "Q": 4, "B": 6, "A": 7, "C": 0, "Z": 0}


class PathTooComplex(ValueError):
    """A path over ``MAX_PATH_POINTS`` points."""


@dataclass
class SubPath:
    points: list[Point] = field(default_factory=list)
    closed: bool = False


def multiply(first: Matrix, then: Matrix) -> Matrix:
    """The matrix applying ``first`` and then ``then``."""
    a, b, c, d, e, f = first
    p, q, r, s, t, u = then
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s,
            e * p + f * r + t, e * q + f * s + u)


def translate(x: float, y: float) -> Matrix:
    return (1.0, 0.0, 0.0, 1.0, x, y)


def scaling(sx: float, sy: float | None = None) -> Matrix:
    return (sx, 0.0, 0.0, sx if sy is None else sy, 0.0, 0.0)


def apply(m: Matrix, point: Point) -> Point:
    x, y = point
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])


def invert(m: Matrix) -> Matrix | None:
    """The inverse of ``m``; None when it is singular (or nearly)."""
    a, b, c, d, e, f = m
    det = a * d - b * c
    if not math.isfinite(det) or abs(det) < 1e-12:
        return None
    return (d / det, -b / det, -c / det, a / det, (c * f - d * e) / det, (b * e - a * f) / det)


def line_scale(m: Matrix) -> float:
    """How much ``m`` scales lengths, on average (for line widths and font sizes)."""
    return math.sqrt(abs(m[0] * m[3] - m[1] * m[2]))


def parse_matrix(value: str) -> Matrix | None:
    """A CTM attribute ("a b c d e f") as a Matrix; None when absent or malformed."""
    parts = value.replace(",", " ").split()
    if len(parts) != 6:
        return None
    try:
        numbers = tuple(float(p) for p in parts)
    except ValueError:
        return None
    if not all(math.isfinite(v) for v in numbers):
        return None
    return numbers  # type: ignore[return-value]


def parse_path(data: str, limit: int = MAX_PATH_POINTS) -> list[SubPath]:
    """``AbbreviatedData`` as sub-paths of points (curves flattened), in the path's own space.

    Raises ValueError on a malformed token, PathTooComplex past ``limit`` points.
    """
    tokens = data.replace(",", " ").split()
    if len(tokens) > limit * 4:
        raise PathTooComplex(len(tokens))
    builder = _Builder(limit)
    i = 0
    while i < len(tokens):
        command = tokens[i].upper()
        if command not in _ARGS:
            raise ValueError(f"unknown path command {tokens[i][:10]!r}")
        count = _ARGS[command]
        args = [float(t) for t in tokens[i + 1:i + 1 + count]]
        if len(args) != count or not all(math.isfinite(v) for v in args):
            raise ValueError(f"path command {command} needs {count} numbers")
        builder.command(command, args)
        i += 1 + count
    return [s for s in builder.paths if s.points]


class _Builder:
    def __init__(self, limit: int) -> None:
        self.paths: list[SubPath] = []
        self.limit = limit
        self.count = 0
        self.current: Point = (0.0, 0.0)

    def tick(self) -> None:
        self.count += 1
        if self.count > self.limit:
            raise PathTooComplex(self.count)

    def add(self, point: Point) -> None:
        self.tick()
        if not self.paths or self.paths[-1].closed:
            self.paths.append(SubPath([self.current]))
        self.paths[-1].points.append(point)
        self.current = point

    def command(self, command: str, a: list[float]) -> None:
        start = self.current
        if command in ("S", "M"):
            self.current = (a[0], a[1])
            self.paths.append(SubPath([self.current]))
            self.tick()
        elif command == "L":
            self.add((a[0], a[1]))
        elif command == "Q":
            self._curve(lambda t: _quadratic(start, (a[0], a[1]), (a[2], a[3]), t))
        elif command == "B":
            self._curve(lambda t: _cubic(start, (a[0], a[1]), (a[2], a[3]), (a[4], a[5]), t))
        elif command == "A":
            for point in arc_points(start, a):
                self.add(point)
        elif self.paths and self.paths[-1].points:  # C / Z
            self.paths[-1].closed = True
            self.current = self.paths[-1].points[0]

    def _curve(self, at: Callable[[float], Point]) -> None:
        for step in range(1, CURVE_STEPS + 1):
            self.add(at(step / CURVE_STEPS))


def _quadratic(p0: Point, p1: Point, p2: Point, t: float) -> Point:
    u = 1 - t
    return (u * u * p0[0] + 2 * u * t * p1[0] + t * t * p2[0],
            u * u * p0[1] + 2 * u * t * p1[1] + t * t * p2[1])


def _cubic(p0: Point, p1: Point, p2: Point, p3: Point, t: float) -> Point:
    u = 1 - t
    return (u ** 3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t ** 3 * p3[0],
            u ** 3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t ** 3 * p3[1])


def arc_points(start: Point, a: list[float]) -> list[Point]:
    """An SVG-style elliptic arc from ``start``: ``rx ry angle large sweep x y`` (angle in
    degrees), as points (the end point last); a straight line when a radius is 0."""
    rx, ry, angle, large, sweep, x, y = a
    end = (x, y)
    rx, ry = abs(rx), abs(ry)
    if rx == 0 or ry == 0 or start == end:
        return [end]
    phi = math.radians(angle)
    cos, sin = math.cos(phi), math.sin(phi)
    dx, dy = (start[0] - x) / 2, (start[1] - y) / 2
    x1, y1 = cos * dx + sin * dy, -sin * dx + cos * dy
    grow = (x1 / rx) ** 2 + (y1 / ry) ** 2
    if grow > 1:  # radii too small for the end points: scaled up, as SVG says
        rx, ry = rx * math.sqrt(grow), ry * math.sqrt(grow)
    num = max(0.0, (rx * ry) ** 2 - (rx * y1) ** 2 - (ry * x1) ** 2)
    den = (rx * y1) ** 2 + (ry * x1) ** 2
    root = math.sqrt(num / den) if den else 0.0
    if bool(large) == bool(sweep):
        root = -root
    cx1, cy1 = root * rx * y1 / ry, -root * ry * x1 / rx
    cx = cos * cx1 - sin * cy1 + (start[0] + x) / 2
    cy = sin * cx1 + cos * cy1 + (start[1] + y) / 2
    theta = math.atan2((y1 - cy1) / ry, (x1 - cx1) / rx)
    delta = math.atan2((-y1 - cy1) / ry, (-x1 - cx1) / rx) - theta
    if sweep and delta < 0:
        delta += 2 * math.pi
    elif not sweep and delta > 0:
        delta -= 2 * math.pi
    steps = max(2, int(abs(delta) / (math.pi / 16)))
    points = []
    for step in range(1, steps + 1):
        t = theta + delta * step / steps
        ex, ey = rx * math.cos(t), ry * math.sin(t)
        points.append((cos * ex - sin * ey + cx, sin * ex + cos * ey + cy))
    points[-1] = end
    return points
