"""Seal artwork (印模): layouts, glyphs, PDF / SVG / PNG renderers."""

from __future__ import annotations

import io
import re
from xml.etree import ElementTree

import pytest
from PIL import Image

from openseal.core.seals.artwork import (
    Artwork,
    artwork_size_pt,
    artwork_to_pdf_content,
    draw_seal,
    render_png,
    render_svg,
    require_glyphs,
)
from openseal.core.seals.artwork.geometry import bounds
from openseal.core.seals.artwork.glyphs import glyph_path, load_face
from openseal.core.seals.model import SealDesign, SealType
from openseal.errors import InvalidInput

NAME = "北京开源印章科技有限公司"
TAX_ID = "91110108MA01ABCD2X"
CODE = "1101080012345"
DPI = 300


def rgba(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    pixel = image.getpixel(xy)
    assert isinstance(pixel, tuple)
    return pixel


def design_for(seal_type: SealType) -> SealDesign:
    if seal_type is SealType.LEGAL_REP:
        return SealDesign(seal_type, "王小明")
    if seal_type is SealType.INVOICE:
        return SealDesign(seal_type, NAME, tax_id=TAX_ID, code=CODE)
    purpose = "人事专用章" if seal_type is SealType.CUSTOM else None
    return SealDesign(seal_type, NAME, purpose=purpose, code=CODE)


def png_of(design: SealDesign, dpi: int = DPI) -> Image.Image:
    image = Image.open(io.BytesIO(render_png(draw_seal(design), dpi=dpi)))
    image.load()
    return image


def alpha_bbox(image: Image.Image, threshold: int = 128) -> tuple[int, int, int, int]:
    box = image.getchannel("A").point(lambda v: 255 if v >= threshold else 0).getbbox()
    assert box is not None
    return box


@pytest.mark.parametrize("seal_type", list(SealType))
def test_every_seal_type_renders(seal_type: SealType) -> None:
    artwork = draw_seal(design_for(seal_type))
    content = artwork_to_pdf_content(artwork).decode("ascii")
    assert content.startswith("q\n0.902 0 0 rg\n") and content.endswith("Q\n")
    assert content.count(" m\n") > 10 and content.count("f*") > 3
    assert re.fullmatch(r"[0-9.\- mlchfqQrg*\n]+", content)
    assert all(w > 0 for w in artwork_size_pt(artwork))
    svg = render_svg(artwork)
    assert svg.count("<path ") == len([p for p in artwork.paths if p.commands])
    assert 'fill-rule="evenodd"' in svg
    root = ElementTree.fromstring(svg.encode())
    assert root.get("viewBox") == f"0 0 {artwork.width_mm:g} {artwork.height_mm:g}"

    image = png_of(design_for(seal_type))
    assert image.mode == "RGBA" and image.format == "PNG"
    assert round(image.info["dpi"][0]) == DPI
    corners = [(0, 0), (image.width - 1, 0), (0, image.height - 1),
               (image.width - 1, image.height - 1)]
    if seal_type is not SealType.LEGAL_REP:  # the square seal's border reaches its corners
        assert all(rgba(image, corner)[3] == 0 for corner in corners)
    alpha_hist = image.getchannel("A").histogram()
    assert alpha_hist[0] > image.width * image.height * 0.4  # mostly transparent
    inked = sum(alpha_hist[200:])
    assert inked > image.width * image.height * 0.05
    r, g, b, _ = rgba(image, _an_inked_pixel(image))
    assert (r, g, b) == (230, 0, 0)


def _an_inked_pixel(image: Image.Image) -> tuple[int, int]:
    i = image.getchannel("A").tobytes().index(255)
    return (i % image.width, i // image.width)


def test_official_ring_diameter_and_star_centre() -> None:
    image = png_of(SealDesign(SealType.OFFICIAL, NAME))
    expected = 40 / 25.4 * DPI
    assert image.size == (round(expected), round(expected))
    left, top, right, bottom = alpha_bbox(image)
    assert abs((right - left) - expected) / expected < 0.01
    assert abs((bottom - top) - expected) / expected < 0.01
    # The star is the only ink within 8 mm of the centre: its centroid is the centre.
    px_per_mm = DPI / 25.4
    c = image.width / 2
    half = round(8 * px_per_mm)
    region = image.getchannel("A").crop((round(c - half), round(c - half),
                                         round(c + half), round(c + half)))
    sx = sy = total = 0.0
    for (x, y), a in _pixels(region):
        sx, sy, total = sx + x * a, sy + y * a, total + a
    assert total > 0
    cx, cy = sx / total + 0.5, sy / total + 0.5
    # The star's centroid is its geometric centre; allow 1% of the image size.
    assert abs(cx - region.width / 2) < image.width * 0.01
    # A regular star's area centroid is the centre of its circumscribed circle.
    assert abs(cy - region.height / 2) < image.width * 0.01


def _pixels(image: Image.Image) -> list[tuple[tuple[int, int], int]]:
    data = image.tobytes()
    return [((i % image.width, i // image.width), v) for i, v in enumerate(data) if v]


def test_invoice_is_a_40_by_30_oval() -> None:
    image = png_of(design_for(SealType.INVOICE))
    left, top, right, bottom = alpha_bbox(image)
    w_mm, h_mm = (right - left) / DPI * 25.4, (bottom - top) / DPI * 25.4
    assert w_mm == pytest.approx(40, rel=0.01) and h_mm == pytest.approx(30, rel=0.01)
    # An oval, not a rectangle: the bounding box corners are empty.
    assert rgba(image, (left + 3, top + 3))[3] == 0


def test_legal_rep_is_square() -> None:
    image = png_of(design_for(SealType.LEGAL_REP))
    left, top, right, bottom = alpha_bbox(image)
    assert right - left == bottom - top
    assert (right - left) / DPI * 25.4 == pytest.approx(20, rel=0.01)
    assert rgba(image, (left + 2, top + 2))[3] == 255  # a square corner is inked


@pytest.mark.parametrize("name", ["张三", "王小明", "欧阳建国", "李"])
def test_legal_rep_names_fit_inside_the_border(name: str) -> None:
    artwork = draw_seal(SealDesign(SealType.LEGAL_REP, name))
    glyphs = artwork.paths[1:]
    assert len(glyphs) == {1: 1, 2: 2, 3: 4, 4: 4}[len(name)]
    box = bounds(glyphs)
    assert box is not None
    assert box[0] > 1.0 and box[1] > 1.0 and box[2] < 19.0 and box[3] < 19.0


def test_name_characters_stay_inside_the_border() -> None:
    artwork = draw_seal(SealDesign(SealType.OFFICIAL, NAME, code=CODE))
    for path in artwork.paths[2:]:
        for x, y in path.points():
            assert ((x - 20) ** 2 + (y - 20) ** 2) ** 0.5 < 20 - 1.2


def test_typical_name_is_in_the_font() -> None:
    cmap = load_face("serif").cmap
    for ch in NAME + "合同财务发票专用章印有限责任公司":
        assert ord(ch) in cmap, ch
    require_glyphs(NAME)


@pytest.mark.parametrize("char", ["\ue000", "😀"])
def test_missing_glyph_is_refused(char: str) -> None:
    with pytest.raises(InvalidInput) as info:
        draw_seal(SealDesign(SealType.OFFICIAL, f"开源{char}公司"))
    err = info.value
    assert err.code == "GLYPH_MISSING"
    assert err.fields["character"] == char
    assert char in err.zh and f"U+{ord(char):04X}" in err.zh and char in err.en
    with pytest.raises(InvalidInput):
        glyph_path(char, height_mm=5, center=(0, 0))


@pytest.mark.parametrize(
    ("design", "code"),
    [
        (SealDesign(SealType.OFFICIAL, "  "), "SEAL_NAME_EMPTY"),
        (SealDesign(SealType.OFFICIAL, "字" * 31), "SEAL_NAME_TOO_LONG"),
        (SealDesign(SealType.LEGAL_REP, "一二三四五"), "SEAL_NAME_TOO_LONG"),
        (SealDesign(SealType.CUSTOM, NAME, purpose="字" * 13), "SEAL_PURPOSE_TOO_LONG"),
        (SealDesign(SealType.INVOICE, NAME), "TAX_ID_REQUIRED"),
        (SealDesign(SealType.INVOICE, NAME, tax_id="12345"), "TAX_ID_REQUIRED"),
        (SealDesign(SealType.INVOICE, NAME, tax_id="91110108ma01abcd2x"), "TAX_ID_REQUIRED"),
        (SealDesign(SealType.OFFICIAL, NAME, code="12AB"), "SEAL_CODE_INVALID"),
        (SealDesign(SealType.OFFICIAL, NAME, code="1" * 21), "SEAL_CODE_INVALID"),
        (SealDesign(SealType.OFFICIAL, NAME, code="١٢٣"), "SEAL_CODE_INVALID"),
    ],
)
def test_invalid_designs(design: SealDesign, code: str) -> None:
    with pytest.raises(InvalidInput) as info:
        draw_seal(design)
    assert info.value.code == code
    assert info.value.zh and info.value.en


def test_longest_name_still_renders() -> None:
    artwork = draw_seal(SealDesign(SealType.OFFICIAL, "字" * 30, code="1" * 20))
    assert len(artwork.paths) == 2 + 30 + 20


def test_output_is_deterministic() -> None:
    design = design_for(SealType.CONTRACT)
    assert artwork_to_pdf_content(draw_seal(design)) == artwork_to_pdf_content(draw_seal(design))
    assert render_svg(draw_seal(design)) == render_svg(draw_seal(design))
    assert render_png(draw_seal(design)) == render_png(draw_seal(design))


def test_png_size_follows_dpi() -> None:
    artwork = Artwork(40.0, 30.0, ())
    image = Image.open(io.BytesIO(render_png(artwork, dpi=600)))
    assert image.size == (945, 709)
    assert image.getchannel("A").getbbox() is None
