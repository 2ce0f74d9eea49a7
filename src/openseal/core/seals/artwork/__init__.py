"""Seal artwork (印模): draw seal images from a :class:`SealDesign` as vector, PDF, SVG, PNG.

Fill rule everywhere: even-odd per path (see :mod:`.geometry`).
"""

from openseal.core.seals.artwork.geometry import INK_RED, Artwork, Path
from openseal.core.seals.artwork.glyphs import require_glyphs
from openseal.core.seals.artwork.pdf import PT_PER_MM, artwork_size_pt, artwork_to_pdf_content
from openseal.core.seals.artwork.png import pixel_size, render_png
from openseal.core.seals.artwork.svg import render_svg
from openseal.core.seals.artwork.templates import draw_seal
from openseal.core.seals.artwork.testmark import (
    TEST_MARK_TEXT,
    sandbox_mark,
    with_test_mark_pdf,
    with_test_mark_png,
)
from openseal.core.seals.artwork.upload import UploadedSealImage, load_uploaded_seal_image

__all__ = [
    "INK_RED",
    "PT_PER_MM",
    "TEST_MARK_TEXT",
    "Artwork",
    "Path",
    "UploadedSealImage",
    "artwork_size_pt",
    "artwork_to_pdf_content",
    "draw_seal",
    "load_uploaded_seal_image",
    "pixel_size",
    "render_png",
    "render_svg",
    "require_glyphs",
    "sandbox_mark",
    "with_test_mark_pdf",
    "with_test_mark_png",
]
