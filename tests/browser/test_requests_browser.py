"""Seal-use requests in a real browser (the issue's journey): a seal user uploads a contract
and asks to use the seal; an approver (a second browser) finds it in the inbox, sees the
page preview and approves; the seal user drags the seal onto page 1 and downloads the sealed
PDF; the public verify page shows it VALID and names the approver. At desktop size and
(the sealing page) at 390 px: no console error or CSP violation, every control labelled."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import Live, OpenPage, Tab
from tests.support.api import PASSWORD
from tests.support.browser import (
    Shots,
    assert_fits,
    assert_labelled,
    require_chromium,
    sign_in,
)
from tests.support.instance import make_instance
from tests.support.pdfs import reportlab_pdf
from tests.support.server import Server

REQUESTER, APPROVER = "requester-browser", "approver-browser"
APPROVER_NAME = "王审批"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The shared instance (one organisation, its contract seal) plus a seal user allowed to
    request the seal and an approver."""
    from openseal.core.accounts.users import new_user
    from openseal.core.governance.grants import GrantTerms, create_grant
    from openseal.interfaces.cli.operator import operator

    require_chromium()
    home = tmp_path_factory.mktemp("requests-browser") / "home"
    instance = make_instance(home)
    seal = instance.seals["contract"]
    with instance.wiring.context() as c:
        user = new_user(c.repos, c.accounts, c.clock, org_id=instance.org.id,
                        username=REQUESTER, display_name="李用印", email="r@example.com",
                        role="seal_user", password=PASSWORD)
        new_user(c.repos, c.accounts, c.clock, org_id=instance.org.id, username=APPROVER,
                 display_name=APPROVER_NAME, email="a@example.com", role="approver",
                 password=PASSWORD)
        create_grant(c.repos, c.clock, operator(instance.org.id), seal, ("user", user.id),
                     GrantTerms(level="request"), "合同专员 / contract clerk", audit=c.audit)
    server = Live(Server(home, None), seal.id)
    yield server
    server.stop()


def _sign_in(tab: Tab, live: Live, username: str, lang: str = "zh") -> None:
    sign_in(tab.page, live.url, username, PASSWORD, lang)


def _checked(tab: Tab, width: int = 1280) -> None:
    tab.watch.assert_clean()
    assert_labelled(tab.page)
    assert_fits(tab.page, width)


def test_request_approve_drag_seal_download_verify(open_page: OpenPage, live: Live,
                                                   shot: Shots, tmp_path: Path) -> None:
    # 1. the seal user asks to use the seal
    requester = open_page("zh")
    page = requester.page
    _sign_in(requester, live, REQUESTER)
    page.goto(f"{live.url}/requests/new")
    page.locator("#f-documents").set_input_files({
        "name": "采购合同.pdf", "mimeType": "application/pdf",
        "buffer": reportlab_pdf(title="采购合同 浏览器用印")})
    page.fill("#f-purpose", "签订采购合同")
    _checked(requester)
    shot(page, "1-new-request", manual="request-new")
    with page.expect_navigation():
        page.locator("form.req-form button[type=submit]").click()
    request_url = page.url
    assert "/requests/" in request_url and "签订采购合同" in page.inner_text("#purpose")
    assert "待审批" in page.inner_text("#request-status")
    page.locator("img.req-page").first.wait_for()
    _checked(requester)
    shot(page, "2-request-pending")

    # 2. the approver, in a second browser, approves from the inbox
    approver = open_page("zh")
    other = approver.page
    _sign_in(approver, live, APPROVER)
    other.goto(f"{live.url}/approvals")
    link = other.locator(".req-table a").first
    assert "签订采购合同" in link.inner_text()
    _checked(approver)
    shot(other, "3-inbox", manual="approval-inbox")
    with other.expect_navigation():
        link.click()
    other.wait_for_function("() => { const i = document.querySelector('img.req-page');"
                            " return i && i.complete && i.naturalWidth > 0; }")
    other.fill("#f-approve-comment", "同意盖章")
    _checked(approver)
    shot(other, "4-approve", manual="request-approve")
    with other.expect_navigation():
        other.click("#approve")
    assert "已批准" in other.inner_text("#request-status")
    assert APPROVER in other.inner_text("#decisions")

    # 3. the seal user drags the seal onto page 1 (at phone width) and downloads
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(request_url)
    with page.expect_navigation():
        page.click("#go-seal")
    page.wait_for_function("() => { const i = document.querySelector('#page-image');"
                           " return i && i.complete && i.naturalWidth > 0; }")
    handle = page.locator("#seal-handle")
    handle.wait_for(state="visible")
    stage = page.locator("#stage").bounding_box()
    seal_box = handle.bounding_box()
    assert stage and seal_box
    start = (seal_box["x"] + seal_box["width"] / 2, seal_box["y"] + seal_box["height"] / 2)
    target = (stage["x"] + stage["width"] * 0.3, stage["y"] + stage["height"] * 0.25)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*target, steps=8)
    page.mouse.up()
    fx = float(page.input_value("#f-fx"))
    fy = float(page.input_value("#f-fy"))
    assert abs(fx - 0.3) < 0.03 and abs(fy - 0.25) < 0.03, (fx, fy)
    handle.focus()
    page.keyboard.press("ArrowRight")
    assert float(page.input_value("#f-fx")) > fx  # the keyboard moves it too
    _checked(requester, 390)
    shot(page, "5-drag-seal-390px", manual="seal-drag-phone")
    with page.expect_download() as download_info:
        page.click("#seal-submit")
    sealed_path = tmp_path / "sealed.pdf"
    download_info.value.save_as(sealed_path)
    assert download_info.value.suggested_filename.endswith("-sealed.pdf")
    assert sealed_path.read_bytes().startswith(b"%PDF-")

    # 4. the public verify page: VALID, and the approver named
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live.url}/verify")
    page.locator("input[type=file]").first.set_input_files(str(sealed_path))
    with page.expect_navigation():
        page.locator("form button[type=submit]").first.click()
    page.locator("#verdict").wait_for()
    assert page.locator("#verdict").get_attribute("data-verdict") == "VALID"
    assert APPROVER in page.locator(".approvers").first.inner_text()
    requester.watch.assert_clean()
    shot(page, "6-verified")
