"""The whole journey in the console alone, in a real browser, on a fresh instance that has
nothing but a platform administrator: an organisation registers and uploads its business
licence; the platform administrator verifies it; its administrator invites a custodian, an
approver and a clerk, who accept their invitations; the custodian makes a contract seal,
imports one made by a seal-making unit (.esl and key), and grants the first to the clerk;
the clerk asks to use it; the approver (a second person) approves; the clerk drags the
seal onto page 1 (at 390 px) and downloads the sealed PDF; the public verify page says
VALID and names the approver. Every step: no console error or CSP
violation, every control labelled, nothing wider than the screen; a screenshot each."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Live, OpenPage, Tab
from tests.support.api import ADMIN, ORGS, PASSWORD, licence_png
from tests.support.browser import Shots, assert_fits, assert_labelled, require_chromium, sign_in
from tests.support.pdfs import reportlab_pdf
from tests.support.server import Server

ORG_NAME, USCC = ORGS["A"]
SEAL_NAME = "采购合同专用章"
PEOPLE = {"custodian": ("custodian-j", "赵保管"), "approver": ("approver-j", "钱审批"),
          "seal_user": ("clerk-j", "孙用印")}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A fresh instance: its CA and timestamp authority, one platform administrator."""
    from openseal.bootstrap import Wiring, load_master_key
    from openseal.config import Settings
    from openseal.core.accounts.users import create_platform_admin

    require_chromium()
    home = tmp_path_factory.mktemp("journey-browser") / "home"
    settings = Settings(home=home)
    wiring = Wiring(settings)
    wiring.migrate()
    load_master_key(settings, create=True)
    with wiring.context() as c:
        c.pki.init_instance("OpenSeal Journey")
        create_platform_admin(c.repos, c.accounts, c.clock, *ADMIN, audit=c.audit)
    wiring.engine.dispose()
    server = Live(Server(home, None), seal_id="")
    yield server
    server.stop()


@dataclass
class Journey:
    live: Live
    open_page: OpenPage
    shot: Shots

    def person(self, username: str, password: str = PASSWORD, viewport: str = "desktop"
               ) -> Tab:
        tab = self.open_page("zh", viewport)
        sign_in(tab.page, self.live.url, username, password)
        assert "/login" not in tab.page.url, f"{username} could not sign in"
        return tab

    def checked(self, tab: Tab, name: str, width: int = 1280, manual: str | None = None
                ) -> None:
        tab.watch.assert_clean()
        assert_labelled(tab.page)
        assert_fits(tab.page, width)
        self.shot(tab.page, name, manual=manual)

    def submit(self, page: Any, button: str) -> None:
        with page.expect_navigation():
            page.click(button)


def _register(j: Journey) -> None:
    visitor = j.open_page("zh")
    page = visitor.page
    page.goto(f"{j.live.url}/login")
    with page.expect_navigation():
        page.click("a[href='/register']")
    for field, value in {"name": ORG_NAME, "uscc": USCC, "legal_rep": "张三",
                         "contact_name": "李四", "contact_email": "contact@example.com",
                         "admin_username": "admin-j", "admin_password": PASSWORD,
                         "repeat_password": PASSWORD}.items():
        page.fill(f"#f-{field}", value)
    j.checked(visitor, "register", manual="register")
    j.submit(page, "#register")
    page.locator("#registered").wait_for()
    j.checked(visitor, "registered")


def _submit_licence(j: Journey) -> Tab:
    admin = j.person("admin-j")
    page = admin.page
    page.goto(f"{j.live.url}/organisation")
    assert page.locator("#org-status").get_attribute("data-status") == "unverified"
    page.locator("#f-licence").set_input_files({
        "name": "营业执照.png", "mimeType": "image/png", "buffer": licence_png()})
    page.fill("#f-legal_rep_name", "张三")
    page.fill("#f-legal_rep_id_number", "11010519491231002X")
    j.checked(admin, "licence", manual="organisation-verification")
    j.submit(page, "#submit-verification")
    page.locator("#verification-submitted").wait_for()
    assert page.locator("#org-status").get_attribute("data-status") == "pending"
    return admin


def _platform_admin_verifies(j: Journey) -> None:
    reviewer = j.person(ADMIN[0], ADMIN[2])
    page = reviewer.page
    page.goto(f"{j.live.url}/admin/organisations")
    row = page.locator("#review-queue tr[data-status=pending]", has_text=ORG_NAME)
    j.checked(reviewer, "review-queue", manual="review-queue")
    with page.expect_navigation():
        row.locator("a").click()
    page.locator("#licence img").first.wait_for()
    j.checked(reviewer, "review-organisation", manual="review-organisation")
    j.submit(page, "#approve")
    assert page.locator("#org-status").get_attribute("data-status") == "verified"


def _invite(j: Journey, admin: Tab) -> dict[str, str]:
    """The organisation's people, each invited by its administrator: role -> token."""
    page, tokens = admin.page, {}
    for role, (username, _) in PEOPLE.items():
        page.goto(f"{j.live.url}/organisation/users")
        page.fill("#f-email", f"{username}@example.com")
        page.select_option("#f-role", role)
        j.submit(page, "#invite")
        tokens[role] = page.inner_text("#invitation-token").strip()
        if role == "custodian":
            j.checked(admin, "invited", manual="user-invited")
    return tokens


def _accept(j: Journey, token: str, username: str, name: str) -> None:
    newcomer = j.open_page("zh")
    page = newcomer.page
    page.goto(f"{j.live.url}/invitations/accept?token={token}")
    page.fill("#f-username", username)
    page.fill("#f-display_name", name)
    page.fill("#f-password", PASSWORD)
    page.fill("#f-repeat_password", PASSWORD)
    j.submit(page, "form button[type=submit]")
    newcomer.watch.assert_clean()
    assert username in page.inner_text("main")


def _make_seal(j: Journey, custodian: Tab) -> str:
    page = custodian.page
    page.goto(f"{j.live.url}/seals")
    with page.expect_navigation():
        page.click("#new-seal")
    page.locator("#seal-preview-image").wait_for()
    page.select_option("#f-type", "contract")
    page.fill("#f-name", SEAL_NAME)
    page.locator("#seal-preview-image").wait_for()
    assert page.is_checked("#f-algorithm-ecdsa")  # the default: PDF
    j.checked(custodian, "seal-new")
    j.submit(page, "#create-seal")
    assert page.locator("#seal-status").get_attribute("data-status") == "active"
    j.checked(custodian, "seal-made")
    match = re.search(r"/seals/([0-9a-f-]{36})", page.url)
    assert match, page.url
    return match.group(1)


def _import_seal(j: Journey, custodian: Tab) -> None:
    """A seal-making unit's .esl and its key, through the import page."""
    from tests.support.imported_seals import licensed_seal

    made = licensed_seal(ORG_NAME, USCC, es_id="35010096000001", name="外部合同章")
    page = custodian.page
    page.goto(f"{j.live.url}/seals")
    with page.expect_navigation():
        page.click("#import-seal")
    page.locator("#f-esl-esl").set_input_files({
        "name": "seal.esl", "mimeType": "application/octet-stream", "buffer": made.esl})
    page.locator("#f-esl-key").set_input_files({
        "name": "key.pem", "mimeType": "application/x-pem-file", "buffer": made.pem_key()})
    j.checked(custodian, "seal-import")
    j.submit(page, "#import-esl-submit")
    assert page.locator("#seal-origin").get_attribute("data-origin") == "imported"
    assert "外部合同章" in page.inner_text("#seal-title")
    j.checked(custodian, "seal-imported")


def _grant(j: Journey, custodian: Tab, seal_id: str) -> None:
    page = custodian.page
    page.goto(f"{j.live.url}/seals/{seal_id}")
    with page.expect_navigation():
        page.click("#manage-grants")
    with page.expect_navigation():
        page.click("#new-grant")
    clerk, clerk_name = PEOPLE["seal_user"]
    page.select_option("#f-grantee", label=f"{clerk_name} ({clerk})")
    page.select_option("#f-level", "request")
    page.fill("#f-reason", "采购部合同专员")
    j.checked(custodian, "grant", manual="grant-new")
    j.submit(page, "#grant-submit")
    page.locator("#grant-done").wait_for()
    assert clerk_name in page.locator("#grants tr[data-state=active]").first.inner_text()
    j.checked(custodian, "grants", manual="grants")


def _request(j: Journey, clerk: Tab) -> str:
    page = clerk.page
    page.goto(f"{j.live.url}/requests/new")
    page.locator("#f-documents").set_input_files({
        "name": "采购合同.pdf", "mimeType": "application/pdf",
        "buffer": reportlab_pdf(title="采购合同 全流程")})
    page.fill("#f-purpose", "签订采购合同")
    j.submit(page, "form.req-form button[type=submit]")
    assert "待审批" in page.inner_text("#request-status")
    j.checked(clerk, "requested")
    return str(page.url)


def _approve(j: Journey, approver: Tab) -> None:
    page = approver.page
    page.goto(f"{j.live.url}/approvals")
    link = page.locator(".req-table a").first
    assert "签订采购合同" in link.inner_text()
    with page.expect_navigation():
        link.click()
    page.fill("#f-approve-comment", "同意")
    j.submit(page, "#approve")
    assert "已批准" in page.inner_text("#request-status")
    j.checked(approver, "approved")


def _drag_and_download(j: Journey, clerk: Tab, request_url: str, folder: Path) -> Path:
    page = clerk.page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(request_url)
    j.submit(page, "#go-seal")
    page.wait_for_function("() => { const i = document.querySelector('#page-image');"
                           " return i && i.complete && i.naturalWidth > 0; }")
    handle = page.locator("#seal-handle")
    handle.wait_for(state="visible")
    stage, box = page.locator("#stage").bounding_box(), handle.bounding_box()
    assert stage and box
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(stage["x"] + stage["width"] * 0.7, stage["y"] + stage["height"] * 0.8,
                    steps=8)
    page.mouse.up()
    assert abs(float(page.input_value("#f-fx")) - 0.7) < 0.03
    j.checked(clerk, "drag-390px", width=390)
    with page.expect_download() as download:
        page.click("#seal-submit")
    sealed = folder / "sealed.pdf"
    download.value.save_as(sealed)
    return sealed


def _verify(j: Journey, sealed: Path) -> None:
    anyone = j.open_page("zh")
    page = anyone.page
    page.goto(f"{j.live.url}/verify")
    page.locator("input[type=file]").first.set_input_files(str(sealed))
    j.submit(page, "form button[type=submit]")
    assert page.locator("#verdict").get_attribute("data-verdict") == "VALID"
    signature = page.locator(".signature").first
    assert SEAL_NAME in signature.inner_text() and ORG_NAME in signature.inner_text()
    assert PEOPLE["approver"][0] in page.locator(".approvers").first.inner_text()
    j.checked(anyone, "verified")


def test_register_verify_seal_grant_request_approve_drag_verify(
        live: Live, open_page: OpenPage, shot: Shots, tmp_path: Path) -> None:
    j = Journey(live, open_page, shot)
    _register(j)
    admin = _submit_licence(j)
    _platform_admin_verifies(j)
    for role, token in _invite(j, admin).items():
        _accept(j, token, *PEOPLE[role])
    custodian = j.person(PEOPLE["custodian"][0])
    seal_id = _make_seal(j, custodian)
    _import_seal(j, custodian)
    _grant(j, custodian, seal_id)
    clerk = j.person(PEOPLE["seal_user"][0])
    request_url = _request(j, clerk)
    _approve(j, j.person(PEOPLE["approver"][0]))
    _verify(j, _drag_and_download(j, clerk, request_url, tmp_path))
