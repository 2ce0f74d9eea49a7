"""The picture an OFD page is drawn on, with the renderer's budgets, and the drawing state
(colours, line width) read from objects and their DrawParams (GB/T 33190 §8).

The canvas counts what it drew and what it skipped (by reason); every budget that runs out
(objects per page, path points per page, time) turns the rest into skips, never an error.
Pictures (images, seal pictures) are placed with an affine matrix from their pixels to the
page's pixels; one larger than ``MAX_IMAGE_PIXELS`` is skipped before it is decoded.
"""

from __future__ import annotations

import io
import math
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from PIL import Image, ImageChops, ImageDraw

from openseal.core.ofd.package import attr, child
from openseal.core.ofd.render_paths import Matrix, apply, invert, multiply, scaling, translate
from openseal.core.ofd.render_res import Resources

RGB = tuple[int, int, int]
BLACK: RGB = (0, 0, 0)
WHITE: RGB = (255, 255, 255)
MAX_OBJECTS = 20_000
"""Graphic objects drawn on one page (templates and annotations included)."""
MAX_PAGE_POINTS = 400_000
"""Path points and glyphs drawn on one page, all objects together."""
MAX_IMAGE_PIXELS = 16_000_000
"""Largest image (width x height) decoded; a bigger one is skipped (decompression bombs)."""
IMAGE_FORMATS = frozenset({"PNG", "JPEG", "BMP", "GIF"})
TIME_BUDGET = 10.0
"""Seconds for one page; what is left after that is skipped."""
DEFAULT_LINE_WIDTH = 0.353  # mm, GB/T 33190 §8.3


class Skip(Exception):
    """An object that is not drawn; ``reason`` is counted on the canvas."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Canvas:
    image: Image.Image
    page: Matrix
    """Page millimetres (OFD space) -> pixels of ``image``."""
    deadline: float
    drawn: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    objects_left: int = MAX_OBJECTS
    points_left: int = MAX_PAGE_POINTS

    @classmethod
    def for_page(cls, box: tuple[float, float, float, float], long_side: int,
                 budget: float = TIME_BUDGET) -> Canvas:
        x0, y0, width, height = box
        scale = long_side / max(width, height)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        return cls(Image.new("RGB", size, WHITE),
                   multiply(translate(-x0, -y0), scaling(scale)),
                   time.monotonic() + budget)

    @property
    def draw(self) -> ImageDraw.ImageDraw:
        return ImageDraw.Draw(self.image)

    def take_object(self) -> None:
        """Count one object against the budgets; Skip when one has run out."""
        if self.objects_left <= 0:
            raise Skip("object_limit")
        if time.monotonic() > self.deadline:
            raise Skip("time_limit")
        self.objects_left -= 1

    def take_points(self, count: int) -> None:
        if count > self.points_left:
            self.points_left = 0
            raise Skip("point_limit")
        self.points_left -= count

    def paint(self, picture: Image.Image, to_px: Matrix,
              clip: tuple[float, float, float, float] | None = None,
              multiplied: bool = False) -> None:
        """``picture`` placed by ``to_px`` (its pixels -> canvas pixels), cut to ``clip``
        (canvas pixels, left top right bottom) if given: an RGBA picture over the page by
        its alpha, an RGB one ``multiplied`` with it (white leaves the page as it is, the
        way ink lies on paper)."""
        width, height = picture.size
        corners = [apply(to_px, p) for p in ((0, 0), (width, 0), (0, height), (width, height))]
        xs, ys = [p[0] for p in corners], [p[1] for p in corners]
        left, top, right, bottom = min(xs), min(ys), max(xs), max(ys)
        shrink = int(min(width / max(right - left, 1), height / max(bottom - top, 1)))
        if clip is not None:
            left, top = max(left, clip[0]), max(top, clip[1])
            right, bottom = min(right, clip[2]), min(bottom, clip[3])
        x0, y0 = max(0, math.floor(left)), max(0, math.floor(top))
        x1 = min(self.image.width, math.ceil(right))
        y1 = min(self.image.height, math.ceil(bottom))
        if x1 <= x0 or y1 <= y0:
            return
        if shrink >= 2:  # a big picture drawn small: reduced first, so it is not aliased
            picture = picture.reduce(shrink)
            to_px = multiply(scaling(width / picture.width, height / picture.height), to_px)
        inverse = invert(to_px)
        if inverse is None:
            raise Skip("degenerate_matrix")
        a, b, c, d, e, f = inverse
        data = (a, c, a * x0 + c * y0 + e, b, d, b * x0 + d * y0 + f)
        region = picture.transform((x1 - x0, y1 - y0), Image.Transform.AFFINE, data,
                                   resample=Image.Resampling.BILINEAR,
                                   fillcolor=WHITE if multiplied else (0, 0, 0, 0))
        if multiplied:
            under = self.image.crop((x0, y0, x1, y1))
            self.image.paste(ImageChops.multiply(under, region.convert("RGB")), (x0, y0))
        else:
            self.image.paste(region.convert("RGB"), (x0, y0), region)


def open_picture(data: bytes) -> Image.Image:
    """An image file's bytes as RGBA; Skip for an unknown format or too many pixels (its
    header is read first: a decompression bomb is never decoded)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            picture = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Skip("image_too_large") from None
    except (OSError, ValueError, SyntaxError):
        raise Skip("image_format") from None
    if picture.format not in IMAGE_FORMATS:
        raise Skip("image_format")
    width, height = picture.size
    if width < 1 or height < 1 or width * height > MAX_IMAGE_PIXELS:
        raise Skip("image_too_large")
    try:
        picture.load()
        return picture.convert("RGBA")
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
        raise Skip("image_damaged") from None


@dataclass(frozen=True)
class Style:
    fill: RGB | None
    stroke: RGB | None
    line_width: float


def style_of(element: Element, params: list[Element], *, fill: bool, stroke: bool) -> Style:
    """The colours and line width of ``element``: its own, else its DrawParam chain's
    (``params``, nearest first), else the defaults (black; ``fill``/``stroke`` say which
    are painted unless the element's Fill/Stroke attributes say otherwise)."""
    sources = [element, *params]
    fill_on = _flag(attr(element, "Fill"), fill)
    stroke_on = _flag(attr(element, "Stroke"), stroke)
    fill_colour = _first(sources, "FillColor")
    stroke_colour = _first(sources, "StrokeColor")
    width = next((w for w in (_number(attr(s, "LineWidth")) for s in sources)
                  if w is not None and w >= 0), DEFAULT_LINE_WIDTH)
    return Style(fill_colour or BLACK if fill_on else None,
                 stroke_colour or BLACK if stroke_on else None, width)


def _first(sources: list[Element], name: str) -> RGB | None:
    for source in sources:
        found = child(source, name)
        if found is not None:
            return colour(found)
    return None


def _flag(value: str, default: bool) -> bool:
    return default if not value else value.strip().lower() == "true"


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def colour(element: Element) -> RGB | None:
    """A Color element's Value ("r g b", "gray", "c m y k" 0-255, or "#hh" parts)."""
    parts = []
    for token in attr(element, "Value").split():
        try:
            parts.append(int(token[1:], 16) if token.startswith("#") else round(float(token)))
        except ValueError:
            return None
    parts = [min(255, max(0, p)) for p in parts]
    if len(parts) == 3:
        return (parts[0], parts[1], parts[2])
    if len(parts) == 1:
        return (parts[0], parts[0], parts[0])
    if len(parts) == 4:
        c, m, y, k = (p / 255 for p in parts)
        return (round(255 * (1 - c) * (1 - k)), round(255 * (1 - m) * (1 - k)),
                round(255 * (1 - y) * (1 - k)))
    return None


def draw_params(resources: Resources, element: Element, inherited: list[Element]
                ) -> list[Element]:
    """The DrawParam chain of ``element``: its own DrawParam's, then ``inherited``."""
    own = attr(element, "DrawParam")
    return [*resources.draw_param(own), *inherited] if own else inherited
