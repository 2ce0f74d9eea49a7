"""The browser harness's own checks fail when they should: a CSP violation, a console error,
an unlabelled form control and a missing glyph are all seen (no server needed)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import OpenPage
from tests.support import browser
from tests.support.browser import (
    assert_no_tofu,
    boxed_characters,
    platform_fonts,
    unlabelled_controls,
)

PAGE = """<!doctype html><html lang="zh-CN"><body>
<script>console.log("blocked by the policy")</script>
<label for="a">名称</label><input id="a">
<label>日期 <input name="b" type="date"></label>
<input aria-label="搜索" name="c"><span id="d">备注</span><textarea aria-labelledby="d"></textarea>
<input type="hidden" name="csrf"><button type="submit">提交</button>
<input name="nameless" type="text"><select name="choice"><option>1</option></select>
</body></html>"""


def _serve(route: Any) -> None:
    route.fulfill(status=200, body=PAGE, content_type="text/html; charset=utf-8",
                  headers={"Content-Security-Policy": "default-src 'none'"})


def test_csp_violation_and_unlabelled_controls_are_caught(open_page: OpenPage) -> None:
    tab = open_page()
    tab.page.route("http://harness.test/", _serve)
    tab.page.goto("http://harness.test/")
    tab.page.wait_for_function("document.readyState === 'complete'")
    tab.page.wait_for_timeout(200)  # the violation event is delivered asynchronously
    assert [v["directive"] for v in tab.watch.csp_violations] == ["script-src-elem"]
    assert any("Content Security Policy" in e for e in tab.watch.console_errors)
    found = unlabelled_controls(tab.page)
    assert len(found) == 2 and 'name="nameless"' in found[0] and "<select" in found[1]


def test_tofu_check_sees_a_missing_glyph(open_page: OpenPage) -> None:
    """Private-use characters no installed font has: the check fails."""
    page = open_page().page
    page.set_content('<p id="ok">验证电子印章</p><p id="tofu">验证\ue000\ue001</p>')
    assert_no_tofu(page, "#ok")
    with pytest.raises(AssertionError, match="no glyph for"):
        assert_no_tofu(page, "#tofu")


def _subset_font(text: str) -> bytes:
    """Noto Sans SC (the OTF pylopdf-fonts-zh-cn ships) cut to the characters of ``text``."""
    import pylopdf_fonts_zh_cn
    from fontTools import subset

    source = Path(pylopdf_fonts_zh_cn.__file__).parent / "NotoSansSC-Regular.otf"
    font = subset.load_font(str(source), subset.Options())
    cutter = subset.Subsetter(subset.Options())
    cutter.populate(text=text)
    cutter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


WEB_FONT_PAGE = """<!doctype html><html lang="zh-CN"><head><style>
@font-face { font-family: "Cut"; src: url("/cut.otf") format("opentype"); }
p { font-family: "Cut", sans-serif; }
</style></head><body><p id="all">验证电子</p><p id="some">验证电子印章</p>
<p id="tofu">验证\ue000</p></body></html>"""


def test_tofu_check_with_a_web_font(open_page: OpenPage) -> None:
    """A web font with only 验证电子: its characters are drawn by it (no box), 印章 by the
    installed CJK font Chromium falls back to, U+E000 by neither."""
    font = _subset_font("验证电子")
    page = open_page().page
    page.route("http://harness.test/**", lambda route: route.fulfill(
        status=200, body=font, content_type="font/otf") if route.request.url.endswith(
        "cut.otf") else route.fulfill(status=200, body=WEB_FONT_PAGE,
                                      content_type="text/html; charset=utf-8"))
    page.goto("http://harness.test/")
    page.evaluate("document.fonts.ready.then(() => true)")
    assert boxed_characters(page, "#tofu", "验证\ue000") == ["\ue000"]
    assert all(f["isCustomFont"] for f in platform_fonts(page, "#all"))
    assert_no_tofu(page, "#all")
    assert_no_tofu(page, "#some")
    with pytest.raises(AssertionError, match="no glyph for"):
        assert_no_tofu(page, "#tofu")


@pytest.mark.parametrize("ci,outcome", [("", pytest.skip.Exception),
                                        ("true", pytest.fail.Exception)])
def test_without_chromium_a_laptop_skips_and_ci_fails(
        monkeypatch: pytest.MonkeyPatch, ci: str, outcome: type[BaseException]) -> None:
    monkeypatch.setattr(browser, "CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="apt-get install chromium"):
        browser.require_chromium()
