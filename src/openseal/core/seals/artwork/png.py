"""Seal artwork as an anti-aliased RGBA PNG (transparent background)."""

from __future__ import annotations

import io
import math

from PIL import Image, ImageChops, ImageDraw

from openseal.core.seals.artwork.geometry import Artwork, Path, Point

SUPERSAMPLE = 4
MM_PER_INCH = 25.4


def pixel_size(artwork: Artwork, dpi: int) -> tuple[int, int]:
    """The PNG's size in pixels at ``dpi``: round(mm / 25.4 * dpi)."""
    return (max(1, round(artwork.width_mm / MM_PER_INCH * dpi)),
            max(1, round(artwork.height_mm / MM_PER_INCH * dpi)))


def render_png(artwork: Artwork, dpi: int = 300) -> bytes:
    """Render ``artwork`` as an RGBA PNG at ``dpi`` (with dpi metadata), ink on transparent.

    Paths are flattened to polygons, filled even-odd per path at 4x supersampling and
    downsampled with LANCZOS into the alpha channel.
    """
    if not 10 <= dpi <= 2400:
        raise ValueError("dpi must be between 10 and 2400")
    alpha = render_mask(artwork, dpi)
    image = Image.new("RGBA", alpha.size, (*artwork.rgb, 0))
    image.putalpha(alpha)
    buf = io.BytesIO()
    image.save(buf, "PNG", dpi=(dpi, dpi), optimize=False)
    return buf.getvalue()


def render_mask(artwork: Artwork, dpi: int) -> Image.Image:
    """The coverage of ``artwork`` at ``dpi`` as an "L" image (255 = ink)."""
    width, height = pixel_size(artwork, dpi)
    big = (width * SUPERSAMPLE, height * SUPERSAMPLE)
    sx, sy = big[0] / artwork.width_mm, big[1] / artwork.height_mm
    mask = Image.new("L", big, 0)
    for path in artwork.paths:
        contours = [
            [(x * sx - 0.5, (artwork.height_mm - y) * sy - 0.5) for x, y in contour]
            for contour in flatten(path, tolerance_mm=0.25 / max(sx, sy))
        ]
        _paint_evenodd(mask, contours)
    return mask.resize((width, height), Image.Resampling.LANCZOS)


def flatten(path: Path, tolerance_mm: float = 0.01) -> list[list[Point]]:
    """The contours of ``path`` as polygons (Béziers split into short line segments)."""
    contours: list[list[Point]] = []
    current: list[Point] = []
    for cmd in path.commands:
        op, nums = cmd[0], [float(v) for v in cmd[1:]]
        if op == "M":
            if len(current) >= 3:
                contours.append(current)
            current = [(nums[0], nums[1])]
        elif op == "L" and current:
            current.append((nums[0], nums[1]))
        elif op == "C" and current:
            current.extend(_bezier(current[-1], nums, tolerance_mm))
        elif op == "Z":
            if len(current) >= 3:
                contours.append(current)
            current = []
    if len(current) >= 3:
        contours.append(current)
    return contours


def _bezier(p0: Point, nums: list[float], tolerance: float) -> list[Point]:
    x0, y0 = p0
    x1, y1, x2, y2, x3, y3 = nums
    hull = math.dist(p0, (x1, y1)) + math.dist((x1, y1), (x2, y2)) + math.dist((x2, y2), (x3, y3))
    n = max(2, min(128, math.ceil(math.sqrt(hull / max(tolerance, 1e-9)))))
    out: list[Point] = []
    for i in range(1, n + 1):
        t = i / n
        u = 1.0 - t
        a, b, c, d = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
        out.append((a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3))
    return out


def _paint_evenodd(mask: Image.Image, contours: list[list[Point]]) -> None:
    """OR into ``mask`` the even-odd fill of ``contours`` (XOR of the contour fills)."""
    if not contours:
        return
    xs = [x for c in contours for x, _ in c]
    ys = [y for c in contours for _, y in c]
    left = max(0, math.floor(min(xs)) - 1)
    top = max(0, math.floor(min(ys)) - 1)
    right = min(mask.width, math.ceil(max(xs)) + 2)
    bottom = min(mask.height, math.ceil(max(ys)) + 2)
    if right <= left or bottom <= top:
        return
    size = (right - left, bottom - top)
    fill = Image.new("L", size, 0)
    for contour in contours:
        layer = Image.new("L", size, 0)
        ImageDraw.Draw(layer).polygon([(x - left, y - top) for x, y in contour], fill=255)
        fill = ImageChops.difference(fill, layer)  # XOR of 0/255 masks
    box = (left, top, right, bottom)
    mask.paste(ImageChops.lighter(mask.crop(box), fill), box)
