"""Seals (印章) in a real browser: a custodian signs in, opens the gallery, creates a seal
while the live preview re-renders as the parameters change, lands on its detail page and
finds it in the gallery; at desktop size and at 390 px, with no console error or CSP
violation, every control labelled and nothing wider than the screen."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import SEAL_NAME, Live, OpenPage, Tab
from tests.support.api import PASSWORD
from tests.support.browser import (
    Shots,
    assert_fits,
    assert_labelled,
    require_chromium,
    sign_in,
)
from tests.support.instance import make_instance
from tests.support.server import Server

CUSTODIAN = "custodian-browser"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The shared instance (one organisation, its contract seal) plus a custodian."""
    from openseal.core.accounts.users import new_user

    require_chromium()
    home = tmp_path_factory.mktemp("seals-browser") / "home"
    instance = make_instance(home)
    with instance.wiring.context() as c:
        new_user(c.repos, c.accounts, c.clock, org_id=instance.org.id, username=CUSTODIAN,
                 display_name="印章管理员", email="custodian@example.com", role="custodian",
                 password=PASSWORD)
    server = Live(Server(home, None), instance.seals["contract"].id)
    yield server
    server.stop()


def _sign_in(tab: Tab, live: Live, lang: str = "zh") -> None:
    sign_in(tab.page, live.url, CUSTODIAN, PASSWORD, lang)


def _preview_src(page: Any) -> str:
    return str(page.locator("#seal-preview-image").get_attribute("src"))


def _wait_for_new_preview(page: Any, old: str) -> None:
    page.wait_for_function(
        "old => { const i = document.querySelector('#seal-preview-image');"
        " return i !== null && i.getAttribute('src') !== old; }", arg=old)


def test_create_a_seal_with_the_live_preview(open_page: OpenPage, live: Live,
                                             shot: Shots) -> None:
    tab = open_page("zh")
    page = tab.page
    _sign_in(tab, live)
    page.goto(f"{live.url}/seals")
    page.locator("#seal-gallery").wait_for()
    assert SEAL_NAME in page.inner_text("#seal-gallery")
    shot(page, "gallery", manual="seals-gallery")

    page.click("#new-seal")
    page.locator("#seal-preview-image").wait_for()
    first = _preview_src(page)
    page.select_option("#f-type", "official")
    _wait_for_new_preview(page, first)
    second = _preview_src(page)
    page.fill("#f-code", "3501000012345")
    _wait_for_new_preview(page, second)
    third = _preview_src(page)
    page.select_option("#f-type", "legal-rep")  # the person's name is missing: an error
    page.locator("#preview-error").wait_for()
    page.fill("#f-name", "李明")
    page.locator("#seal-preview-image").wait_for()
    assert _preview_src(page) not in (first, second, third)
    assert_labelled(page)
    shot(page, "new-seal-preview", manual="seal-new")

    with page.expect_navigation():
        page.click("#create-seal")
    assert page.locator("#seal-status").get_attribute("data-status") == "active"
    assert "李明" in page.inner_text("#seal-title")
    shot(page, "seal-detail", manual="seal-detail")

    page.goto(f"{live.url}/seals")
    assert "李明" in page.inner_text("#seal-gallery")
    tab.watch.assert_clean()

    phone = open_page("zh", "phone")
    _sign_in(phone, live)
    for path, name in (("/seals", "gallery-phone"), ("/seals/new", "new-seal-phone")):
        phone.page.goto(live.url + path)
        phone.page.locator("#main").wait_for()
        assert_fits(phone.page, 390)
        assert_labelled(phone.page)
        shot(phone.page, name)
    phone.page.goto(f"{live.url}/seals/{live.seal_id}")
    assert_fits(phone.page, 390)
    shot(phone.page, "seal-detail-phone")
    phone.watch.assert_clean()
