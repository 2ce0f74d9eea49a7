"""Path and image objects of an OFD page, and seal appearances (GB/T 33190 §9, §10, §18).

A path is flattened (``render_paths``), its sub-paths filled even-odd and stroked; an image
is the unit square mapped by its CTM and placed at its Boundary; a seal picture fills its
StampAnnot Boundary, cut to its Clip (riding seals show one slice per page).
"""

from __future__ import annotations

import math
from xml.etree.ElementTree import Element

from PIL import Image, ImageChops, ImageDraw

from openseal.core.ofd.package import OfdPackage, attr, child, text
from openseal.core.ofd.render_canvas import Canvas, Skip, Style, open_picture
from openseal.core.ofd.render_paths import (
    Matrix,
    PathTooComplex,
    Point,
    apply,
    line_scale,
    multiply,
    parse_path,
    scaling,
    translate,
)
from openseal.core.ofd.render_res import Resources, Stamp


def draw_path(canvas: Canvas, element: Element, to_page: Matrix, style: Style) -> None:
    """Draw PathObject ``element``; ``to_page`` maps its space to page millimetres."""
    if style.fill is None and style.stroke is None:
        return
    try:
        paths = parse_path(text(child(element, "AbbreviatedData")))
    except PathTooComplex:
        raise Skip("path_too_complex") from None
    except ValueError:
        raise Skip("path_malformed") from None
    canvas.take_points(sum(len(p.points) for p in paths))
    to_px = multiply(to_page, canvas.page)
    shapes = [([apply(to_px, p) for p in path.points], path.closed) for path in paths]
    if style.fill is not None:
        _fill(canvas, [points for points, _closed in shapes], style.fill)
    if style.stroke is not None:
        width = max(1, round(style.line_width * line_scale(to_px)))
        draw = canvas.draw
        for points, closed in shapes:
            line = [*points, points[0]] if closed and len(points) > 2 else points
            if len(line) == 1:
                continue
            draw.line(line, fill=style.stroke, width=width, joint="curve")


def _fill(canvas: Canvas, shapes: list[list[Point]], colour: tuple[int, int, int]) -> None:
    """Fill the shapes even-odd (a shape inside another is a hole)."""
    shapes = [s for s in shapes if len(s) >= 3]
    if not shapes:
        return
    if len(shapes) == 1:
        canvas.draw.polygon(shapes[0], fill=colour)
        return
    xs = [p[0] for shape in shapes for p in shape]
    ys = [p[1] for shape in shapes for p in shape]
    x0, y0 = max(0, math.floor(min(xs))), max(0, math.floor(min(ys)))
    x1 = min(canvas.image.width, math.ceil(max(xs)) + 1)
    y1 = min(canvas.image.height, math.ceil(max(ys)) + 1)
    if x1 <= x0 or y1 <= y0:
        return
    size = (x1 - x0, y1 - y0)  # the masks cover the shapes' box on the page only
    mask = Image.new("1", size, 0)
    for shape in shapes:
        one = Image.new("1", size, 0)
        ImageDraw.Draw(one).polygon([(px - x0, py - y0) for px, py in shape], fill=1)
        mask = ImageChops.logical_xor(mask, one)
    canvas.image.paste(colour, (x0, y0, x1, y1), mask)


def draw_image(canvas: Canvas, package: OfdPackage, element: Element, to_page: Matrix,
               resources: Resources) -> None:
    """Draw ImageObject ``element``: its ResourceID's picture in the CTM's unit square."""
    path = resources.media.get(attr(element, "ResourceID"))
    if path is None:
        raise Skip("image_missing")
    try:
        data = package.read(path)
    except KeyError:
        raise Skip("image_missing") from None
    picture = open_picture(data)
    unit = scaling(1 / picture.width, 1 / picture.height)
    canvas.paint(picture, multiply(multiply(unit, to_page), canvas.page))


def draw_stamp(canvas: Canvas, stamp: Stamp, vector: Image.Image | None = None) -> None:
    """A seal picture over its Boundary, cut to its Clip (relative to the Boundary); a
    vector (OFD) seal picture comes drawn already, as ``vector`` (RGB, white paper)."""
    if vector is None and stamp.picture is None:
        raise Skip("seal_picture_missing")
    picture = vector if vector is not None else open_picture(stamp.picture or b"")
    x, y, w, h = stamp.boundary
    to_page = multiply(scaling(w / picture.width, h / picture.height), translate(x, y))
    clip = None
    if stamp.clip is not None:
        cx, cy, cw, ch = stamp.clip
        left, top = apply(canvas.page, (x + cx, y + cy))
        right, bottom = apply(canvas.page, (x + cx + cw, y + cy + ch))
        clip = (left, top, right, bottom)
    canvas.paint(picture, multiply(to_page, canvas.page), clip, multiplied=vector is not None)
