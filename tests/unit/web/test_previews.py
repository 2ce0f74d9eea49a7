"""Page previews: PNG and page size in mm, caps, rotation, damaged files, and a dragged
point mapping to where the seal really lands."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from openseal.core.reports import render
from openseal.interfaces.web.previews import (
    BEYOND_LIMIT,
    LONG_SIDE,
    MAX_PREVIEW_PAGES,
    NO_SUCH_PAGE,
    UNREADABLE,
    PagePreview,
    PreviewJob,
    preview_pages,
)
from tests.support.instance import TestInstance
from tests.support.pdfs import reportlab_pdf


def image(png: bytes | None) -> Image.Image:
    assert png is not None
    return Image.open(io.BytesIO(png)).convert("RGB")


def corner_pdf(rotation: int, size: tuple[float, float] = A4) -> bytes:
    """One page, /Rotate ``rotation``, a black 100x50 pt box at the user-space origin."""
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=size)
    c.setPageRotation(rotation)
    c.rect(0, 0, 100, 50, fill=1)
    c.showPage()
    c.save()
    return out.getvalue()


def dark_box(img: Image.Image) -> tuple[int, int, int, int]:
    box = img.convert("L").point(lambda v: 255 if v < 80 else 0).getbbox()
    assert box is not None
    return box


def test_first_page_png_and_size_in_mm() -> None:
    preview = preview_pages(reportlab_pdf(pages=3))
    assert preview.problem is None and preview.page_count == 3
    (page,) = preview.pages
    assert (page.page, page.width_mm, page.height_mm, page.rotation) == (1, 210.0, 297.0, 0)
    assert image(page.png).size == page.pixels and max(page.pixels) == LONG_SIDE


def test_size_and_page_count_are_capped() -> None:
    preview = preview_pages(reportlab_pdf(pages=8), first=2, count=50, long_side=5000)
    assert [p.page for p in preview.pages] == list(range(2, 2 + MAX_PREVIEW_PAGES))
    assert all(max(p.pixels) <= LONG_SIDE for p in preview.pages)
    small = preview_pages(reportlab_pdf(), long_side=150).pages[0]
    assert max(image(small.png).size) == 150 == max(small.pixels)
    assert preview_pages(reportlab_pdf(pages=2), first=2, count=9).pages[-1].page == 2


def test_page_past_the_renderers_first_pages_has_a_size_only() -> None:
    count = render.MAX_PAGES + 2
    preview = preview_pages(reportlab_pdf(pages=count), first=count)
    (page,) = preview.pages
    assert page.skipped == BEYOND_LIMIT and page.png is None and page.height_mm == 297.0


def test_oversized_page_is_not_drawn() -> None:
    page = preview_pages(corner_pdf(0, (20_000, 600))).pages[0]
    assert page.png is None and page.skipped == render.TOO_LARGE
    assert page.width_mm == pytest.approx(20_000 * 25.4 / 72, abs=0.01)


@pytest.mark.parametrize("data", [b"", b"not a pdf", reportlab_pdf()[:300],
                                  reportlab_pdf()[:-200],
                                  reportlab_pdf().replace(b"/Pages", b"/Pagez")])
def test_damaged_document_has_no_preview_and_no_exception(data: bytes) -> None:
    preview = preview_pages(data)
    assert (preview.problem, preview.pages, preview.page_count) == (UNREADABLE, (), 0)
    assert PreviewJob(data).run() == preview


def test_missing_page_and_bad_arguments() -> None:
    assert preview_pages(reportlab_pdf(), first=2).problem == NO_SUCH_PAGE
    with pytest.raises(ValueError):
        preview_pages(reportlab_pdf(), first=0)


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_point_on_the_picture_maps_to_page_coordinates(rotation: int) -> None:
    """The box drawn at the page's origin (0..100 x 0..50 pt): its picture's corners map
    back to the origin and to the box's far corner, whatever the page's /Rotate."""
    page = preview_pages(corner_pdf(rotation)).pages[0]
    assert page.rotation == rotation
    img = image(page.png)
    left, top, right, bottom = dark_box(img)
    corners = [page.point_mm(x / img.width, y / img.height)
               for x in (left, right) for y in (top, bottom)]
    mm = 25.4 / 72
    xs, ys = sorted(c[0] for c in corners), sorted(c[1] for c in corners)
    assert xs[0] == pytest.approx(0, abs=1.5) and ys[0] == pytest.approx(0, abs=1.5)
    assert xs[-1] == pytest.approx(100 * mm, abs=1.5)
    assert ys[-1] == pytest.approx(50 * mm, abs=1.5)


def test_point_mm_is_clamped_to_the_page() -> None:
    page = PagePreview(1, 210, 297)
    assert page.point_mm(-1, 2) == (0, 0) and page.point_mm(1, 0) == (210, 297)


def test_dragged_point_is_where_the_seal_lands(sealing_instance: TestInstance) -> None:
    """Seal at x=30, y=40 mm; the preview of the sealed page shows its red bottom-left
    corner at a point that maps back to (30, 40) mm."""
    sealed = sealing_instance.seal(reportlab_pdf(), "contract", x=30, y=40)
    page = preview_pages(sealed).pages[0]
    img = image(page.png)
    red = Image.eval(img.split()[0], lambda v: 255 if v > 150 else 0)
    not_red = Image.eval(img.split()[1], lambda v: 255 if v < 90 else 0)
    box = Image.composite(red, Image.new("L", img.size), not_red).getbbox()
    assert box is not None, "no red seal on the page"
    left, _, _, bottom = box
    x, y = page.point_mm(left / img.width, bottom / img.height)
    assert x == pytest.approx(30, abs=2) and y == pytest.approx(40, abs=2)
