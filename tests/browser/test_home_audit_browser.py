"""The home page and the audit log in a real browser (Chromium), on a desktop and at 390 px:
an auditor logs in, sees the recent seal uses and the inline SVG chart (no CSP violation:
the chart has neither script nor style attribute), opens the audit log, filters it and
pages back; an approver sees the request waiting for them. No console error, every control
labelled, nothing wider than a phone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import OpenPage, Tab
from tests.support.api import PASSWORD, World, invite, make_world
from tests.support.browser import Shots, assert_labelled
from tests.support.pdfs import reportlab_pdf
from tests.support.server import Server


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, str]]:
    """A world (made here, before Playwright starts) served by a real `openseal serve`."""
    home = tmp_path_factory.mktemp("home-audit-browser") / "home"
    world = make_world(home)
    a = world.parties["A"]
    invite(world, world.login(a.admin), "auditor-a", "auditor")
    made = world.login(a.member).post("/api/v1/requests", data={
        "seal_id": a.seal_id, "purpose": "浏览器测试合同 browser contract"},
        files={"files": ("c.pdf", reportlab_pdf(title="browser"), "application/pdf")})
    assert made.status_code == 201, made.text
    with world.wiring.context() as c:
        for n in range(70):
            c.audit.record("test.paging", org_id=a.org_id, target=f"=page-{n}")
    world.wiring.make_checkpoint()
    server = Server(home, None)
    process = server.start()
    yield world, server.url
    process.terminate()
    process.wait(timeout=20)


def _login(tab: Tab, url: str, username: str, lang: str) -> None:
    page = tab.page
    page.goto(f"{url}/login?lang={lang}")
    page.locator("#f-username").fill(username)
    page.locator("#f-password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{url}/home")


def _checked(tab: Tab, width: int) -> None:
    tab.watch.assert_clean()
    assert_labelled(tab.page)
    scroll = tab.page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"page is {scroll} px wide on a {width} px screen"


@pytest.mark.parametrize(("lang", "viewport", "width"), [("zh", "desktop", 1280),
                                                          ("en", "phone", 390)])
def test_auditor_home_and_audit_log(served: tuple[World, str], open_page: OpenPage,
                                    shot: Shots, lang: str, viewport: str, width: int) -> None:
    _, url = served
    tab = open_page(lang, viewport)
    page: Any = tab.page
    _login(tab, url, "auditor-a", lang)
    chart = page.locator("#use-chart svg")
    chart.wait_for()
    assert chart.get_attribute("role") == "img"
    assert page.locator("#use-chart svg rect[fill='#0072B2']").count() >= 1
    box = page.locator("#use-chart figure").bounding_box()
    assert box is not None and box["width"] <= width
    shot(page, f"home-auditor-{lang}-{viewport}", manual="home" if lang == "zh" else None)
    _checked(tab, width)

    page.locator("header nav a[href='/audit']").click()
    page.wait_for_url(f"{url}/audit")
    assert page.locator("tr[data-seq]").count() == 50
    shot(page, f"audit-{lang}-{viewport}", manual="audit" if lang == "zh" else None)
    _checked(tab, width)

    page.locator("#f-action").fill("test.paging")
    with page.expect_navigation():
        page.locator("#audit-filters button[type=submit]").click()
    assert "action=test.paging" in page.url
    with page.expect_navigation():
        page.locator("#older").click()
    assert page.locator("tr[data-seq]").count() == 20
    assert page.locator("td.target", has_text="=page-0").count() == 1
    shot(page, f"audit-older-{lang}-{viewport}")
    _checked(tab, width)


def test_approver_home_shows_the_waiting_request(served: tuple[World, str],
                                                 open_page: OpenPage, shot: Shots) -> None:
    _, url = served
    tab = open_page("zh", "phone")
    _login(tab, url, "approver-a", "zh")
    waiting = tab.page.locator("#waiting")
    assert waiting.locator("#waiting-count").inner_text() == "1"
    assert "browser contract" in waiting.inner_text()
    shot(tab.page, "home-approver-zh-phone")
    _checked(tab, 390)
