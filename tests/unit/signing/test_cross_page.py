"""The cross-page seal (骑缝章): slice i of the seal on page i, flush with the chosen edge
(rendered by poppler, red pixels counted per page); the slices put side by side make the
whole seal; combined with the usual seal in one signature that stays VALID."""

from __future__ import annotations

from pathlib import Path

import pytest

from openseal.core.signing.cross_page import CrossPage, cross_page
from openseal.core.signing.placement import PT_PER_MM, Placement
from openseal.errors import InvalidInput
from tests.support.instance import TestInstance
from tests.support.pdfs import reportlab_pdf
from tests.unit.signing.test_keyword import assert_valid, centroid, red_pixels, seal

PAGE_W, PAGE_H = 595.2756 / PT_PER_MM, 841.8898 / PT_PER_MM  # A4 in mm
WIDGET = (20.0, 20.0)  # the signature's own seal, bottom-left corner (mm)


def _size(instance: TestInstance) -> tuple[float, float]:
    art = instance.seals["contract"].artwork
    return art.width_mm, art.height_mm


def _slices(sealed: bytes, pages: range, tmp: Path) -> dict[int, list[tuple[float, float]]]:
    """The red pixels of each page, without the widget's seal (bottom-left corner)."""
    return {n: [p for p in red_pixels(sealed, n, tmp) if p[0] > 80 or p[1] > 80]
            for n in pages}


def test_right_edge_slices_make_the_whole_seal(sealing_instance: TestInstance,
                                               tmp_path: Path) -> None:
    w, h = _size(sealing_instance)
    part = w / 3
    sealed = seal(sealing_instance, reportlab_pdf(pages=4),
                  placement=Placement(1, *WIDGET), cross_page=CrossPage(1, 3))
    slices = _slices(sealed, range(1, 5), tmp_path)
    assert slices[4] == []
    whole = []
    for n in (1, 2, 3):
        points = slices[n]
        assert len(points) > 30, n
        assert min(x for x, _ in points) > PAGE_W - part - 1, n
        assert abs(centroid(points)[1] - PAGE_H / 2) < 4, n
        # where each pixel lies in the seal once the pages are fanned out
        whole += [(x - (PAGE_W - part) + (n - 1) * part, y) for x, y in points]
    cx, cy = centroid(whole)
    assert abs(cx - w / 2) < 2.5 and abs(cy - PAGE_H / 2) < 2.5
    widget = [p for p in red_pixels(sealed, 1, tmp_path) if p[0] < 80 and p[1] < 80]
    assert len(widget) > 200  # the usual seal is there too
    assert_valid(sealed, sealing_instance, tmp_path)


def test_left_edge_and_height(sealing_instance: TestInstance, tmp_path: Path) -> None:
    w, h = _size(sealing_instance)
    part = w / 2
    sealed = seal(sealing_instance, reportlab_pdf(pages=2), placement=Placement(1, *WIDGET),
                  cross_page=cross_page("1-2", "left", 150.0))
    slices = _slices(sealed, range(1, 3), tmp_path)
    for n in (1, 2):
        points = slices[n]
        assert points and max(x for x, _ in points) < part + 1, n
        assert abs(centroid(points)[1] - (150 + h / 2)) < 4, n
    # page 1 on top, page 2 fanned out to the left: page 1 shows the right half
    right_half = [(x + part, y) for x, y in slices[1]] + slices[2]
    assert abs(centroid(right_half)[0] - w / 2) < 2.5


def test_all_pages_by_default(sealing_instance: TestInstance, tmp_path: Path) -> None:
    sealed = seal(sealing_instance, reportlab_pdf(pages=3), placement=Placement(1, *WIDGET),
                  cross_page=cross_page())
    assert all(_slices(sealed, range(1, 4), tmp_path).values())


@pytest.mark.parametrize(("pages", "edge", "code"), [
    ("1", "right", "CROSS_PAGE_RANGE"), ("1-x", "right", "CROSS_PAGE_RANGE"),
    ("1-9", "right", "PAGE_NOT_FOUND"), ("1-2", "top", "CROSS_PAGE_EDGE"),
])
def test_bad_ranges_are_refused(sealing_instance: TestInstance, pages: str, edge: str,
                                code: str) -> None:
    with pytest.raises(InvalidInput) as err:
        seal(sealing_instance, reportlab_pdf(pages=3), cross_page=cross_page(pages, edge))
    assert err.value.code == code
