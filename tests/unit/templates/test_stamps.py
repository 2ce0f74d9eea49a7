"""A template's stamps checked on their own: positions, keyword or page, cross-page; and a
template file's JSON read with wrong types named."""

from __future__ import annotations

import pytest

from openseal.core.templates.checks import checked_stamp
from openseal.core.templates.draft import draft_from_json
from openseal.core.templates.model import CrossPageSpec, Stamp, stamp_dict, stamp_of
from openseal.errors import InvalidInput


@pytest.mark.parametrize("stamp, field", [
    (Stamp("s", keyword="甲方", x_mm=10, y_mm=10), "stamps[2].keyword"),
    (Stamp("s", page=1, keyword="甲方"), "stamps[2].keyword"),
    (Stamp("s", page=0), "stamps[2].page"),
    (Stamp("s", x_mm=10), "stamps[2].x"),
    (Stamp("s", x_mm=float("nan"), y_mm=1), "stamps[2].x"),
    (Stamp("s", size_mm=0), "stamps[2].size"),
    (Stamp("s", keyword="甲方", occurrence="0"), "stamps[2].occurrence"),
    (Stamp("s", keyword=" "), "stamps[2].keyword"),
    (Stamp("s", cross_page=CrossPageSpec(edge="top")), "stamps[2].cross_page.edge"),
    (Stamp("s", cross_page=CrossPageSpec(pages="x")), "stamps[2].cross_page.pages"),
    (Stamp("", page=1), "stamps[2].seal_id"),
])
def test_an_impossible_stamp_names_its_field(stamp: Stamp, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        checked_stamp(stamp, 2)
    assert caught.value.fields["field"] == field


def test_a_stamp_survives_storage_and_becomes_its_seal_request() -> None:
    stamp = Stamp("s", keyword="乙方（盖章）", occurrence="last", offset_x=2, offset_y=-5,
                  size_mm=40, cross_page=CrossPageSpec("2-", "left", 100))
    assert checked_stamp(stamp, 0) == stamp
    assert stamp_of(stamp_dict(stamp)) == stamp
    request = stamp.request()
    assert (request.keyword, request.occurrence, request.offset_mm) == ("乙方（盖章）", "last",
                                                                      (2, -5))
    assert request.placement.size_mm == 40 and request.cross_page is not None
    assert (request.cross_page.first, request.cross_page.last, request.cross_page.edge) == \
        (2, None, "left")


@pytest.mark.parametrize("data, field", [
    ([], "file"),
    ({"name": "x", "stamps": {"seal_id": "s"}}, "stamps"),
    ({"name": "x", "stamps": ["s"]}, "stamps[0]"),
    ({"name": "x", "stamps": [{"page": 1}]}, "stamps[0]"),
    ({"name": "x", "stamps": [{"seal_id": "s", "x": "left"}]}, "stamps[0]"),
    ({"name": "x", "stamps": [], "policy": {"steps": 3}}, "policy"),
    ({"name": "x", "org_id": "other"}, "org_id"),
])
def test_a_template_file_with_wrong_types_is_refused(data: object, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        draft_from_json(data)
    assert caught.value.code == "TEMPLATE_FILE" and caught.value.fields["field"] == field
