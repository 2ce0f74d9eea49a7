"""The public verify page in a real browser (Chromium), in Chinese and English, on a desktop
and at 390 px: a document sealed by the CLI is VALID and names its seal and organisation, a
tampered copy is INVALID; no console error or CSP violation, every control labelled, the
Chinese text drawn with a font that has its glyphs (no tofu), nothing wider than a phone.

The tofu check (``assert_no_tofu``) asks Chromium which fonts it really drew an all-Chinese
element with (DevTools' "Rendered Fonts") and requires every character to be in one of
them: an installed font by fontconfig (``fc-list :charset=...``), a web font by drawing a
probe of the character in it alone. Chromium falls back only to fonts that have a glyph, so
a character none of the fonts used has is a missing-glyph box. The check does not depend on
widths, font sizes or which CJK font is used (a web font or Debian's fonts-noto-cjk)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import ORG_NAME, SEAL_NAME, Live, OpenPage, Tab
from tests.support.browser import Shots, assert_fits, assert_labelled, assert_no_tofu
from tests.support.pdfs import reportlab_pdf

TITLE = {"zh": "验证电子印章", "en": "Verify an electronic seal"}
VALID = {"zh": "印章有效", "en": "The seal is valid"}


@pytest.fixture(scope="module")
def sealed(live: Live, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return live.sign(reportlab_pdf(title="采购合同 浏览器测试"), tmp_path_factory.mktemp("pdf"))


@pytest.fixture(scope="module")
def tampered(sealed: bytes) -> bytes:
    """One byte of the signed content changed (inside the first stream: same length, same
    offsets, so the file still opens; only the digest no longer matches)."""
    at = sealed.index(b"stream", sealed.index(b"/Length")) + 20
    return sealed[:at] + bytes([sealed[at] ^ 0x01]) + sealed[at + 1:]


def _upload(tab: Tab, data: bytes, name: str) -> None:
    page = tab.page
    page.locator("input[type=file]").first.set_input_files(
        {"name": name, "mimeType": "application/pdf", "buffer": data})
    with page.expect_navigation():
        page.locator("form button[type=submit]").first.click()
    page.locator("#verdict").wait_for()


def _checked(tab: Tab, width: int) -> None:
    tab.watch.assert_clean()
    assert_labelled(tab.page)
    assert_fits(tab.page, width)


@pytest.mark.parametrize("viewport,width", [("desktop", 1280), ("phone", 390)])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_verify_sealed_then_tampered(live: Live, open_page: OpenPage, shot: Shots,
                                     sealed: bytes, tampered: bytes, lang: str,
                                     viewport: str, width: int) -> None:
    tab = open_page(lang, viewport)
    page = tab.page
    page.goto(f"{live.url}/verify")  # the language comes from the browser's locale
    assert page.locator("h1").inner_text() == TITLE[lang]
    assert page.locator("html").get_attribute("lang") == ("zh-CN" if lang == "zh" else "en")
    if lang == "zh":
        assert_no_tofu(page, "h1")
    _checked(tab, width)
    shot(page, "verify")

    _upload(tab, sealed, "合同.pdf")
    assert page.locator("#verdict").get_attribute("data-verdict") == "VALID"
    assert VALID[lang] in page.locator("#verdict").inner_text()
    signature = page.locator(".signature").first
    assert SEAL_NAME in signature.locator("h3").inner_text()
    assert ORG_NAME in signature.inner_text()
    assert_no_tofu(page, ".signature dd")  # the organisation's name, in either language
    _checked(tab, width)
    shot(page, "valid", manual="verify-valid" if lang == "zh" else None)

    page.goto(f"{live.url}/verify")
    _upload(tab, tampered, "合同-改.pdf")
    assert page.locator("#verdict").get_attribute("data-verdict") == "INVALID"
    assert VALID[lang] not in page.locator("#verdict").inner_text()
    _checked(tab, width)
    shot(page, "invalid")


def test_screenshots_are_kept(live: Live, open_page: OpenPage, shot: Shots) -> None:
    tab = open_page("en", "phone")
    tab.page.goto(f"{live.url}/verify")
    path: Path = shot(tab.page, "phone verify")
    assert path.name == "01-phone_verify.png" and path.stat().st_size > 1000
    assert path.parent.as_posix().endswith(
        "test-artifacts/browser/test_public_verify_browser/test_screenshots_are_kept")
