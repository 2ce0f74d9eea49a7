"""The console's seal-use requests without a browser: a new request (a non-PDF refused in
both languages, nothing made), the approver's inbox and page previews, four-eyes errors on
the page, approve -> ticket, sealing where the seal was dropped (the PDF verifies VALID and
names the approver), a ticket used once, another organisation's request (404), CSRF (403)."""

from __future__ import annotations

import io
import re

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.interfaces.test_console_signin import console_login, csrf_of, visible
from tests.support.api import Party, World, make_world
from tests.support.approvals import add_approver, contract
from tests.support.pdfs import reportlab_pdf

API = "/api/v1"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("console-requests") / "home")


@pytest.fixture(scope="module")
def a(world: World) -> Party:
    return world.parties["A"]


def _ask(http: TestClient, seal_id: str, pdf: bytes, purpose: str = "签订采购合同",
         name: str = "合同.pdf", lang: str = "zh") -> httpx.Response:
    form = http.get(f"/requests/new?lang={lang}")
    assert form.status_code == 200, form.text
    return http.post("/requests/new", data={
        "csrf_token": csrf_of(form), "purpose": purpose, "seal_id": seal_id, "copies": "1"},
        files={"documents": (name, pdf, "application/pdf")}, follow_redirects=False)


def _made(http: TestClient, seal_id: str, pdf: bytes, purpose: str = "签订采购合同") -> str:
    answer = _ask(http, seal_id, pdf, purpose)
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(r"/requests/([0-9a-f-]+)", answer.headers["location"])
    assert found, answer.headers["location"]
    return found.group(1)


def _count(world: World, org_id: str) -> int:
    with world.wiring.context() as c:
        return len(c.repos.list_use_requests(org_id, limit=1000))


def _decide(http: TestClient, request_id: str, decision: str = "approve",
            comment: str = "同意", lang: str = "zh") -> httpx.Response:
    page = http.get(f"/requests/{request_id}?lang={lang}")
    return http.post(f"/requests/{request_id}/{decision}",
                     data={"csrf_token": csrf_of(page), "comment": comment},
                     follow_redirects=False)


def _seal(http: TestClient, request_id: str, **fields: str) -> httpx.Response:
    page = http.get(f"/requests/{request_id}/seal")
    assert page.status_code == 200, page.text
    ticket = re.search(r'name="ticket" value="([^"]+)"', page.text)
    assert ticket
    return http.post(f"/requests/{request_id}/seal", data={
        "csrf_token": csrf_of(page), "ticket": ticket.group(1), "page": "1", **fields})


def _seal_centre_mm(pdf: bytes) -> tuple[float, float]:
    """The centre of the signature widget on page 1, in mm from the bottom left."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    page = PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Kids"][0].get_object()
    for annot in page["/Annots"]:
        widget = annot.get_object()
        if widget.get("/FT") == "/Sig":
            x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
            return (x1 + x2) / 2 * 25.4 / 72, (y1 + y2) / 2 * 25.4 / 72
    raise AssertionError("no signature widget")


def test_new_request_form_in_both_languages(world: World, a: Party) -> None:
    for lang, words in (("zh", "新建用印申请"), ("en", "New seal-use request")):
        http = console_login(world, a.member, lang=lang)
        page = http.get(f"/requests/new?lang={lang}")
        assert page.status_code == 200 and words in page.text
        assert f'value="{a.seal_id}"' in page.text and 'enctype="multipart/form-data"' in page.text
        listed = http.get(f"/requests?lang={lang}")
        assert listed.status_code == 200 and 'href="/requests/new"' in listed.text
        assert 'href="/requests"' in http.get("/home").text  # in the navigation


def test_a_non_pdf_is_refused_in_the_users_language_and_nothing_is_made(
        world: World, a: Party) -> None:
    before = _count(world, a.org_id)
    for lang, words in (("zh", "不是 PDF 文件"), ("en", "is not a PDF")):
        http = console_login(world, a.member, lang=lang)
        answer = _ask(http, a.seal_id, b"hello, not a pdf", name="note.txt", lang=lang)
        assert answer.status_code == 415, answer.text
        assert words in answer.text and "NOT_A_PDF" in answer.text
        assert 'id="f-purpose"' in answer.text and "签订采购合同" in answer.text  # kept
    http = console_login(world, a.member, lang="en")
    form = http.get("/requests/new?lang=en")
    answer = http.post("/requests/new?lang=en", data={
        "csrf_token": csrf_of(form), "purpose": "x", "seal_id": a.seal_id, "copies": "0"},
        files={"documents": ("c.pdf", contract("copies"), "application/pdf")})
    assert answer.status_code == 422 and "The number must be 1 to 20" in answer.text
    assert 'class="field invalid"' in answer.text  # the copies field is marked
    unknown = http.post("/requests/new?lang=en", data={
        "csrf_token": csrf_of(form), "purpose": "x", "seal_id": "nope", "copies": "1"},
        files={"documents": ("c.pdf", contract("seal"), "application/pdf")})
    assert unknown.status_code == 404 and "SEAL_NOT_FOUND" in unknown.text
    assert 'id="f-documents"' in unknown.text  # the form again, not an error page
    assert _count(world, a.org_id) == before


def test_inbox_preview_four_eyes_approve_seal_and_verify(world: World, a: Party) -> None:
    member = console_login(world, a.member)
    pdf = contract("console")
    request_id = _made(member, a.seal_id, pdf, "控制台用印")
    mine = member.get("/requests")
    assert f"/requests/{request_id}" in mine.text and "待审批" in visible(mine.text)
    detail = member.get(f"/requests/{request_id}")
    assert detail.status_code == 200 and "控制台用印" in detail.text
    assert 'action="/requests/' not in detail.text.split("</header>")[1]  # no decision forms
    sha = re.search(r"/documents/([0-9a-f]{64})/pages/1\.png", detail.text)
    assert sha, detail.text
    png = member.get(f"/requests/{request_id}/documents/{sha.group(1)}/pages/1.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert member.get(f"/requests/{request_id}/documents/{sha.group(1)}/pages/99.png"
                      ).status_code == 404
    # the inbox: the approver's, not the member's
    assert member.get("/approvals").status_code == 403
    approver = console_login(world, a.approver, lang="en")
    inbox = approver.get("/approvals?lang=en")
    assert inbox.status_code == 200 and f"/requests/{request_id}" in inbox.text
    assert approver.get(f"/requests/{request_id}/documents/{sha.group(1)}/pages/1.png"
                        ).status_code == 200
    # approve -> ticket; the inbox is empty of it
    page = approver.get(f"/requests/{request_id}?lang=en")
    assert 'id="approve"' in page.text and 'id="reject"' in page.text
    assert _decide(approver, request_id, comment="同意盖章").status_code == 303
    assert f"/requests/{request_id}" not in approver.get("/approvals").text
    done = member.get(f"/requests/{request_id}?lang=en")
    assert "Approved" in done.text and "同意盖章" in done.text and 'id="go-seal"' in done.text
    assert a.approver in visible(done.text)
    again = _decide(approver, request_id, lang="en")
    assert again.status_code in (403, 409) and 'id="form-error"' in again.text
    # seal with the centre dropped at (0.3, 0.4) of page 1
    sealed = _seal(member, request_id, fx="0.3", fy="0.4")
    assert sealed.status_code == 200, sealed.text[:2000]
    assert sealed.headers["content-type"] == "application/pdf"
    assert sealed.headers["content-disposition"].startswith("attachment;")
    report = world.client().post(f"{API}/verify", files={
        "file": ("sealed.pdf", sealed.content, "application/pdf")}).json()
    assert report["verdict"] == "VALID", report
    approval = report["signatures"][0]["approval"]
    assert approval["request"] == request_id and approval["document_matches"] is True
    cx, cy = _seal_centre_mm(sealed.content)  # A4: the picture's (0.3, 0.4) from top left
    assert abs(cx - 0.3 * 210) < 1 and abs(cy - 0.6 * 297) < 1, (cx, cy)
    assert [x["name"] for x in approval["approvers"]] == [a.approver]
    # the ticket is used: once only
    page = member.get(f"/requests/{request_id}/seal")
    assert page.status_code == 403 and "NO_USABLE_TICKET" in page.text
    csrf = csrf_of(member.get("/requests"))
    twice = member.post(f"/requests/{request_id}/seal", data={"csrf_token": csrf,
                                                              "page": "1"})
    assert twice.status_code == 403 and "NO_USABLE_TICKET" in twice.text


def test_the_seal_lands_where_it_was_dropped(world: World, a: Party) -> None:
    member = console_login(world, a.member)
    request_id = _made(member, a.seal_id, contract("placed"))
    approver = console_login(world, a.approver)
    assert _decide(approver, request_id).status_code == 303
    off = _seal(member, request_id, x="5000", y="10")
    assert off.status_code == 422 and "POSITION_OFF_PAGE" in off.text
    assert 'id="seal-form"' in off.text  # the page again, the ticket still there
    sealed = _seal(member, request_id, x="20", y="30")
    assert sealed.status_code == 200 and sealed.content.startswith(b"%PDF-")


def test_keyword_and_cross_page_options(world: World, a: Party) -> None:
    member = console_login(world, a.member, lang="en")
    request_id = _made(member, a.seal_id, reportlab_pdf(3, "关键字与骑缝章"))
    assert _decide(console_login(world, a.approver), request_id).status_code == 303
    missing = _seal(member, request_id, keyword="没有这段文字")
    assert 400 <= missing.status_code < 500 and 'id="form-error"' in missing.text
    sealed = _seal(member, request_id, keyword="乙方", cross_page="1")
    assert sealed.status_code == 200, sealed.text[:2000]
    report = world.client().post(f"{API}/verify", files={
        "file": ("sealed.pdf", sealed.content, "application/pdf")}).json()
    assert report["verdict"] == "VALID", report


def test_seal_as_the_template_says(world: World, a: Party) -> None:
    member = console_login(world, a.member)
    request_id = _made(member, a.seal_id, reportlab_pdf(2, "模板盖章"))
    assert _decide(console_login(world, a.approver), request_id).status_code == 303
    page = member.get(f"/requests/{request_id}/seal")
    assert f'<option value="{a.template_id}">' in page.text
    mixed = _seal(member, request_id, template=a.template_id, keyword="乙方")
    assert mixed.status_code == 200, mixed.text[:2000]  # the template wins over the rest
    report = world.client().post(f"{API}/verify", files={
        "file": ("sealed.pdf", mixed.content, "application/pdf")}).json()
    assert report["verdict"] == "VALID", report
    assert report["signatures"][0]["approval"]["request"] == request_id


def test_a_used_ticket_is_refused_as_ticket_used(world: World, a: Party) -> None:
    """A ticket used (here through the API) cannot seal again from the console."""
    member = console_login(world, a.member)
    request_id = _made(member, a.seal_id, pdf := contract("twice"))
    approver = console_login(world, a.approver)
    assert _decide(approver, request_id).status_code == 303
    page = member.get(f"/requests/{request_id}/seal")
    ticket = re.search(r'name="ticket" value="([^"]+)"', page.text)
    assert ticket
    api = world.login(a.member)
    first = api.post(f"{API}/documents/seal", data={"seal_id": a.seal_id,
                                                     "ticket": ticket.group(1)},
                     files={"file": ("c.pdf", pdf, "application/pdf")})
    assert first.status_code == 200, first.text
    for lang, words in (("zh", "已使用"), ("en", "used")):  # the page was open: sent again
        again = member.post(f"/requests/{request_id}/seal?lang={lang}", data={
            "csrf_token": csrf_of(page), "ticket": ticket.group(1), "page": "1"})
        assert again.status_code == 409 and "TICKET_USED" in again.text
        assert words in visible(again.text)


def test_requester_cannot_approve_own_request(world: World, a: Party) -> None:
    _, dual_id = add_approver(world, a, "dual-console")
    changed = world.login(a.admin).post(f"/api/v1/users/{dual_id}/roles", json={
        "roles": ["seal_user", "approver"], "reason": "岗位调整 / new duties"})
    assert changed.status_code == 200, changed.text
    granted = world.login(a.custodian).post(f"/api/v1/seals/{a.seal_id}/grants", json={
        "user_id": dual_id, "level": "request", "reason": "部门经理 / manager"})
    assert granted.status_code == 201, granted.text
    for lang, words in (("zh", "申请人不能审批自己的用印申请"),
                        ("en", "The requester may not approve their own request")):
        dual = console_login(world, "dual-console", lang=lang)
        request_id = _made(dual, a.seal_id, contract(f"self-{lang}"))
        answer = _decide(dual, request_id, lang=lang)
        assert answer.status_code == 403 and words in answer.text
        assert "SELF_APPROVAL" in answer.text
        with world.wiring.context() as c:
            found = c.repos.get_use_request(request_id)
            assert found is not None and found.status == "pending"
            assert c.repos.decisions_of(request_id) == []


def test_reject_with_a_comment(world: World, a: Party) -> None:
    member = console_login(world, a.member)
    request_id = _made(member, a.seal_id, contract("reject"))
    approver = console_login(world, a.approver)
    assert _decide(approver, request_id, "reject", "用途不清").status_code == 303
    page = member.get(f"/requests/{request_id}?lang=en")
    assert "Rejected" in page.text and "用途不清" in page.text and 'id="go-seal"' not in page.text
    assert member.get(f"/requests/{request_id}/seal").status_code == 403


def test_another_organisation_sees_nothing(world: World, a: Party) -> None:
    b = world.parties["B"]
    other = console_login(world, b.approver)
    for path in (f"/requests/{a.request_id}",
                 f"/requests/{a.request_id}/documents/{a.request_sha256}/pages/1.png",
                 f"/requests/{a.request_id}/seal.png"):
        answer = other.get(path)
        assert answer.status_code == 404, path
        assert "text/html" in answer.headers["content-type"]
    outsider = console_login(world, b.member)
    assert outsider.get(f"/requests/{a.request_id}/seal").status_code == 404
    csrf = csrf_of(other.get("/approvals"))
    decided = other.post(f"/requests/{a.request_id}/reject",
                         data={"csrf_token": csrf, "comment": "x"})
    assert decided.status_code == 404


def test_posts_without_the_token_are_refused_and_change_nothing(
        world: World, a: Party) -> None:
    member = console_login(world, a.member)
    before = _count(world, a.org_id)
    made = member.post("/requests/new", data={"purpose": "x", "seal_id": a.seal_id},
                       files={"documents": ("c.pdf", contract("csrf"), "application/pdf")})
    assert made.status_code == 403 and "CSRF_FAILED" in made.text
    assert _count(world, a.org_id) == before
    request_id = _made(member, a.seal_id, contract("csrf2"))
    approver = console_login(world, a.approver)
    for decision in ("approve", "reject"):
        refused = approver.post(f"/requests/{request_id}/{decision}",
                                data={"comment": "x", "csrf_token": "wrong"})
        assert refused.status_code == 403 and "CSRF_FAILED" in refused.text
    sealed = member.post(f"/requests/{a.request_id}/seal", data={"page": "1"})
    assert sealed.status_code == 403 and "CSRF_FAILED" in sealed.text
    with world.wiring.context() as c:
        found = c.repos.get_use_request(request_id)
        assert found is not None and found.status == "pending"


def test_pages_need_a_session(world: World) -> None:
    http = world.client()
    for path in ("/requests", "/requests/new", "/approvals"):
        answer = http.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
