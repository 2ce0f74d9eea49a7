"""The seal-use chart: well-formed accessible SVG, Chinese labels, escaping, the data."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from openseal.interfaces.web.charts import (
    MAX_SERIES,
    PALETTE,
    iso_week,
    nice_ceiling,
    seal_use_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
USES = [("合同专用章", "2026-W46", 3), ("合同专用章", "2026-W48", 5), ("公章", "2026-W48", 2),
        ("财务专用章", "2026-W47", 1)]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts(root: ET.Element) -> list[str]:
    return ["".join(e.itertext()) for e in root.iter(f"{SVG}text")]


def bars(root: ET.Element) -> list[ET.Element]:
    groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "bars"]
    return [r for g in groups for r in g.iter(f"{SVG}rect")]


def test_accessible_svg_with_chinese_labels() -> None:
    root = parse(seal_use_chart(USES))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "seal-uses-title seal-uses-desc"
    assert root.find(f"{SVG}title").text == "各印章每周用印次数"  # type: ignore[union-attr]
    desc = root.find(f"{SVG}desc").text or ""  # type: ignore[union-attr]
    assert "2026-W46 至 2026-W48 共 3 周，3 枚印章共用印 11 次" in desc
    assert "合同专用章：8 次" in desc
    shown = texts(root)
    assert "周（ISO 周）" in shown and "用印次数" in shown
    assert {"合同专用章", "公章", "财务专用章"} <= set(shown)  # the legend
    assert "Noto Sans CJK SC" in (root.get("font-family") or "")


def test_english_labels() -> None:
    root = parse(seal_use_chart(USES, lang="en", chart_id="c2"))
    assert root.get("aria-labelledby") == "c2-title c2-desc"
    assert "Week (ISO)" in texts(root) and "Seal uses" in texts(root)
    assert "11 seal uses by 3 seals over 3 weeks" in root.find(f"{SVG}desc").text  # type: ignore[union-attr, operator]


def test_one_bar_per_seal_and_week_with_its_own_title_and_colour() -> None:
    root = parse(seal_use_chart(USES))
    found = {(r.find(f"{SVG}title").text, r.get("fill")) for r in bars(root)}  # type: ignore[union-attr]
    assert found == {("合同专用章，2026-W46：3 次", PALETTE[0]),
                     ("合同专用章，2026-W48：5 次", PALETTE[0]),
                     ("公章，2026-W48：2 次", PALETTE[1]),
                     ("财务专用章，2026-W47：1 次", PALETTE[2])}
    heights = {r.find(f"{SVG}title").text: float(r.get("height") or 0) for r in bars(root)}  # type: ignore[union-attr]
    assert heights["合同专用章，2026-W48：5 次"] == pytest.approx(
        5 * heights["财务专用章，2026-W47：1 次"], rel=0.01)


def test_weeks_are_continuous_across_a_year_end() -> None:
    root = parse(seal_use_chart([("公章", "2026-W52", 1), ("公章", "2027-W02", 1)]))
    assert [t for t in texts(root) if "-W" in t] == ["2026-W52", "2026-W53", "2027-W01",
                                                     "2027-W02"]


def test_labels_are_escaped_never_markup() -> None:
    evil = '<script>alert("x")</script>"&\'\x00'
    svg = seal_use_chart([(evil, "2026-W48", 1), ('"&', "2026-W48", 2)])
    assert "<script" not in svg and 'alert("x")' not in svg
    root = parse(svg)  # well-formed
    tags = {e.tag for e in root.iter()}
    assert not {f"{SVG}script", f"{SVG}foreignObject", f"{SVG}a", f"{SVG}image"} & tags
    assert not [a for e in root.iter() for a in e.attrib if a.lower().startswith("on")]
    legend = texts(root)
    assert '<script>alert("x")</script>"&\'' in legend and '"&' in legend
    with pytest.raises(ValueError):
        seal_use_chart(USES, chart_id='x" onload="alert(1)')


def test_more_seals_than_colours_are_summed_as_other() -> None:
    uses = [(f"印章{n:02d}", "2026-W48", 100 - n) for n in range(12)]
    root = parse(seal_use_chart(uses))
    series = [r.find(f"{SVG}title").text for r in bars(root)]  # type: ignore[union-attr]
    assert len(series) == MAX_SERIES and len({r.get("fill") for r in bars(root)}) == MAX_SERIES
    other = sum(100 - n for n in range(MAX_SERIES - 1, 12))
    assert f"其他印章，2026-W48：{other} 次" in series and "印章00，2026-W48：100 次" in series


def test_no_uses_says_so() -> None:
    root = parse(seal_use_chart([]))
    assert "暂无用印记录" in texts(root) and root.find(f"{SVG}desc").text == "暂无用印记录"  # type: ignore[union-attr]
    assert bars(root) == []


@pytest.mark.parametrize("bad", [("公章", "2026-48", 1), ("公章", "2026-W54", 1),
                                 ("公章", "2026-W48", -1), ("公章", "2026-W48", 1.5)])
def test_bad_input_is_refused(bad: tuple[str, str, int]) -> None:
    with pytest.raises(ValueError):
        seal_use_chart([bad])


def test_axis_scale_is_round() -> None:
    assert nice_ceiling(0) == (1, 1) and nice_ceiling(3) == (3, 1)
    assert nice_ceiling(6) == (6, 2) and nice_ceiling(11) == (15, 5)
    assert nice_ceiling(99) == (100, 20) and nice_ceiling(1234) == (1500, 500)
    assert iso_week("2026-W01").isoweekday() == 1
