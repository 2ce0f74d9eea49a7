"""The sandbox mark: "TEST / 测试" across a test seal's image, impossible to miss.

A white band runs horizontally through the middle of the seal, framed by two thin dark
rules, with the words in dark grey (Noto Sans SC outlines, like the rest of the artwork) -
legible on a 20 mm seal, obvious on a 40 mm one. The mark is two layers on the seal's own
canvas: the band (white) and the lettering with its rules (dark grey). Drawn seals get them
in every form (PDF content, SVG, PNG); an uploaded image gets them painted into its PNG.
"""

from __future__ import annotations

import io

from PIL import Image

from openseal.core.seals.artwork.geometry import Artwork, Path, rectangle
from openseal.core.seals.artwork.glyphs import advance_ratio, glyph_path
from openseal.core.seals.artwork.pdf import artwork_to_pdf_content
from openseal.core.seals.artwork.png import MM_PER_INCH, render_mask

TEST_MARK_TEXT = "TEST / 测试"
MARK_INK: tuple[int, int, int] = (34, 34, 34)
BAND_FILL: tuple[int, int, int] = (255, 255, 255)
BAND_RATIO = 0.24  # band height / the seal's smaller side
TEXT_RATIO = 0.72  # em-box height / band height
TEXT_MAX_WIDTH = 0.9  # text width / the seal's width
RULE_MM = 0.35
MAX_MARK_DPI = 600  # masks for big uploads are drawn at this and scaled


def sandbox_mark(width_mm: float, height_mm: float) -> tuple[Artwork, Artwork]:
    """The two layers of the mark on a ``width_mm`` x ``height_mm`` seal: band, lettering."""
    band_h = BAND_RATIO * min(width_mm, height_mm)
    bottom = (height_mm - band_h) / 2.0
    band = Artwork(width_mm, height_mm, (rectangle(0.0, bottom, width_mm, band_h),),
                   BAND_FILL)
    rules = (rectangle(0.0, bottom, width_mm, RULE_MM),
             rectangle(0.0, bottom + band_h - RULE_MM, width_mm, RULE_MM))
    text = _lettering(width_mm / 2.0, height_mm / 2.0, band_h * TEXT_RATIO,
                      width_mm * TEXT_MAX_WIDTH)
    return band, Artwork(width_mm, height_mm, (*rules, *text), MARK_INK)


def with_test_mark_pdf(content: bytes, width_mm: float, height_mm: float) -> bytes:
    """A seal's PDF content stream with the mark drawn over it."""
    layers = sandbox_mark(width_mm, height_mm)
    return content + b"".join(artwork_to_pdf_content(layer) for layer in layers)


def with_test_mark_png(png: bytes, width_mm: float, height_mm: float) -> bytes:
    """A seal PNG (drawn or uploaded, ``width_mm`` x ``height_mm``) with the mark on it."""
    with Image.open(io.BytesIO(png)) as opened:
        opened.load()
        dpi = opened.info.get("dpi")
        image = opened.convert("RGBA")
    for layer in sandbox_mark(width_mm, height_mm):
        image = Image.alpha_composite(image, _layer_image(layer, image.size))
    buf = io.BytesIO()
    if dpi:
        image.save(buf, "PNG", dpi=dpi, optimize=False)
    else:
        image.save(buf, "PNG", optimize=False)
    return buf.getvalue()


def _lettering(cx: float, cy: float, em: float, max_width: float) -> list[Path]:
    widths = [em * advance_ratio(ch, "sans") for ch in TEST_MARK_TEXT]
    squeeze = min(1.0, max_width / sum(widths))
    widths = [w * squeeze for w in widths]
    x = cx - sum(widths) / 2.0
    paths = []
    for ch, w in zip(TEST_MARK_TEXT, widths, strict=True):
        if not ch.isspace():
            paths.append(glyph_path(ch, height_mm=em, width_mm=w, center=(x + w / 2.0, cy),
                                    face="sans"))
        x += w
    return paths


def _layer_image(layer: Artwork, size: tuple[int, int]) -> Image.Image:
    """``layer`` in its colour, exactly ``size`` pixels (masks of huge uploads are scaled)."""
    dpi = round(size[0] / layer.width_mm * MM_PER_INCH)
    mask = render_mask(layer, max(10, min(MAX_MARK_DPI, dpi)))
    if mask.size != size:
        mask = mask.resize(size, Image.Resampling.LANCZOS)
    image = Image.new("RGBA", size, (*layer.rgb, 0))
    image.putalpha(mask)
    return image
