"""OFD documents in the console's seal-use request pages (issue 9, item 7): a clerk asks to
seal an OFD with an SM2 seal, the approver sees the drawn pages (``ofd_previews``; a page
that cannot be drawn keeps its outline) and approves, the clerk drops the seal on the page
picture (or gives x/y) and
downloads ``*-sealed.ofd``, which verifies VALID with the instance's SM2 root and names the
approver; an ECDSA seal or a junk ``.ofd`` refused in both languages, nothing made."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from openseal.core.verification import verify_document
from openseal.interfaces.web import i18n
from tests.interfaces.test_console_signin import console_login, csrf_of, visible
from tests.support.api import Party, World, make_world
from tests.support.ofd import make_ofd

API = "/api/v1"
OFD = "application/ofd"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    world = make_world(tmp_path_factory.mktemp("console-ofd-requests") / "home")
    yield world
    world.wiring.engine.dispose()


@pytest.fixture(scope="module")
def a(world: World) -> Party:
    return world.parties["A"]


@pytest.fixture(scope="module")
def sm2(world: World, a: Party) -> str:
    """An SM2 seal of A whose member (the clerk) may request its use (a request grant)."""
    custodian = world.login(a.custodian)
    made = custodian.post(f"{API}/seals", json={"type": "contract", "name": "SM2合同专用章",
                                                "algorithm": "sm2"})
    assert made.status_code == 201, made.text
    seal_id = str(made.json()["id"])
    granted = custodian.post(f"{API}/seals/{seal_id}/grants", json={
        "user_id": a.member_id, "level": "request", "reason": "OFD 用印申请 / OFD requests"})
    assert granted.status_code == 201, granted.text
    return seal_id


def _ask(http: TestClient, seal_id: str, data: bytes, name: str = "合同.ofd",
         lang: str = "zh") -> httpx.Response:
    form = http.get(f"/requests/new?lang={lang}")
    assert form.status_code == 200, form.text
    answer: httpx.Response = http.post(f"/requests/new?lang={lang}", data={
        "csrf_token": csrf_of(form), "purpose": "签订 OFD 合同", "seal_id": seal_id,
        "copies": "1"}, files={"documents": (name, data, OFD)}, follow_redirects=False)
    return answer


def _made(http: TestClient, seal_id: str, data: bytes) -> str:
    answer = _ask(http, seal_id, data)
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(r"/requests/([0-9a-f-]+)", answer.headers["location"])
    assert found, answer.headers["location"]
    return found.group(1)


def _approve(http: TestClient, request_id: str, lang: str = "zh") -> httpx.Response:
    page = http.get(f"/requests/{request_id}?lang={lang}")
    answer: httpx.Response = http.post(f"/requests/{request_id}/approve", data={
        "csrf_token": csrf_of(page), "comment": "同意"}, follow_redirects=False)
    return answer


def _seal(http: TestClient, request_id: str, lang: str = "zh", **fields: str
          ) -> httpx.Response:
    page = http.get(f"/requests/{request_id}/seal?lang={lang}")
    assert page.status_code == 200, page.text
    ticket = re.search(r'name="ticket" value="([^"]+)"', page.text)
    assert ticket
    answer: httpx.Response = http.post(f"/requests/{request_id}/seal?lang={lang}", data={
        "csrf_token": csrf_of(page), "ticket": ticket.group(1), "page": "1", **fields})
    return answer


def _count(world: World, org_id: str) -> int:
    with world.wiring.context() as c:
        return len(c.repos.list_use_requests(org_id, limit=1000))


def _verified(world: World, data: bytes) -> dict[str, Any]:
    with world.wiring.context() as c:
        anchors = [cert.dump() for cert in c.pki.sm2_anchors()]
    report = verify_document(data, [], filename="sealed.ofd", sm2_anchors=anchors)
    return dict(report.to_dict())


def _outlines(html: str) -> list[str]:
    return re.findall(r'<svg class="req-page req-ofd-page" viewBox="([^"]+)"', html)


def _pictures(html: str) -> list[str]:
    """The drawn OFD pages of a page: their picture addresses."""
    return re.findall(r'<img src="([^"]+)" alt="[^"]*" class="req-page req-ofd-picture"', html)


def test_the_form_accepts_ofd(world: World, a: Party) -> None:
    for lang, words in (("zh", "待盖章文件（PDF 或 OFD）"),
                        ("en", "Document to seal (PDF or OFD)")):
        page = console_login(world, a.member, lang=lang).get(f"/requests/new?lang={lang}")
        assert page.status_code == 200 and words in page.text
        assert 'accept="application/pdf,.pdf,application/ofd,.ofd"' in page.text


def test_ofd_request_outlines_approve_seal_and_verify(world: World, a: Party,
                                                      sm2: str) -> None:
    i18n.MISSING.clear()
    clerk = console_login(world, a.member)
    data = make_ofd(pages=3)
    request_id = _made(clerk, sm2, data)
    detail = clerk.get(f"/requests/{request_id}")
    assert detail.status_code == 200 and "签订 OFD 合同" in detail.text
    sha = re.search(r"SHA-256 <code class=\"hash\">([0-9a-f]{64})</code>", detail.text)
    assert sha
    pages = f"/requests/{request_id}/documents/{sha.group(1)}/pages"
    assert _pictures(detail.text) == [f"{pages}/1.png", f"{pages}/2.png"]  # the first two
    assert _outlines(detail.text) == [] and "OFD 页面暂不提供预览" not in visible(detail.text)
    drawn = clerk.get(f"{pages}/2.png")
    assert drawn.status_code == 200 and drawn.content.startswith(b"\x89PNG")
    with Image.open(io.BytesIO(drawn.content)) as image:
        assert abs(image.size[0] / image.size[1] - 210 / 297) < 0.01
        assert min(image.convert("L").get_flattened_data()) < 100  # its text is drawn
    assert clerk.get(f"/requests/{request_id}/documents/{sha.group(1)}/pages/9.png"
                     ).status_code == 404
    # the approver: the outlines, in English, then approves
    approver = console_login(world, a.approver, lang="en")
    assert f"/requests/{request_id}" in approver.get("/approvals?lang=en").text
    page = approver.get(f"/requests/{request_id}?lang=en")
    assert page.status_code == 200 and len(_pictures(page.text)) == 2
    assert "No preview for OFD pages" not in visible(page.text) and 'id="approve"' in page.text
    assert _approve(approver, request_id, "en").status_code == 303
    # the sealing page: the page picture is the drop area, the seal picture the handle
    form = clerk.get(f"/requests/{request_id}/seal")
    assert form.status_code == 200 and _pictures(form.text) == [f"{pages}/1.png"]
    assert 'id="stage"' in form.text and f'src="/requests/{request_id}/seal.png"' in form.text
    assert "盖章并下载 OFD 文件" in form.text and 'id="f-cross_page"' in form.text
    assert 'id="f-template"' not in form.text  # templates are for PDFs
    assert clerk.get(f"/requests/{request_id}/seal.png").content.startswith(b"\x89PNG")
    english = clerk.get(f"/requests/{request_id}/seal?lang=en")
    assert "Seal and download the OFD file" in english.text
    # off the page: the form again, the ticket unused
    off = _seal(clerk, request_id, x="5000", y="10")
    assert off.status_code == 422 and "POSITION_OFF_PAGE" in off.text
    assert 'id="seal-form"' in off.text and _pictures(off.text)
    sealed = _seal(clerk, request_id, x="120", y="40")
    assert sealed.status_code == 200, sealed.text[:2000]
    assert sealed.headers["content-type"] == OFD
    disposition = sealed.headers["content-disposition"]
    assert disposition.startswith("attachment;") and "-sealed.ofd" in disposition
    assert "filename*=UTF-8''%E5%90%88%E5%90%8C-sealed.ofd" in disposition
    report = _verified(world, sealed.content)
    assert report["verdict"] == "VALID", report
    [signature] = report["signatures"]
    assert [s["page"] for s in signature["stamps"]] == [1]
    x, y, w, h = signature["stamps"][0]["boundary_mm"]  # OFD: from the top-left
    assert abs(x - 120) < 0.01 and abs((297 - y - h) - 40) < 0.01, (x, y, w, h)
    approval = signature["approval"]
    assert approval["request"] == request_id and approval["requester"]["name"] == a.member
    assert [p["name"] for p in approval["approvers"]] == [a.approver]
    # the ticket is used: once only
    assert clerk.get(f"/requests/{request_id}/seal").status_code == 403
    assert i18n.MISSING == set(), sorted(i18n.MISSING)


def test_dropped_seal_keyword_and_riding_seal(world: World, a: Party, sm2: str) -> None:
    clerk = console_login(world, a.member, lang="en")
    approver = console_login(world, a.approver)
    dropped = _made(clerk, sm2, make_ofd(pages=2))
    assert _approve(approver, dropped).status_code == 303
    sealed = _seal(clerk, dropped, "en", fx="0.3", fy="0.4")
    assert sealed.status_code == 200, sealed.text[:2000]
    report = _verified(world, sealed.content)
    assert report["verdict"] == "VALID", report
    x, y, w, h = report["signatures"][0]["stamps"][0]["boundary_mm"]
    assert abs(x + w / 2 - 0.3 * 210) < 1 and abs(y + h / 2 - 0.4 * 297) < 1, (x, y, w, h)
    worded = _made(clerk, sm2, make_ofd(pages=3))
    assert _approve(approver, worded).status_code == 303
    missing = _seal(clerk, worded, "en", keyword="没有这段文字")
    assert missing.status_code == 422 and "KEYWORD_NOT_FOUND" in missing.text
    assert 'id="form-error"' in missing.text
    template = _seal(clerk, worded, "en", template="any")
    assert template.status_code == 422 and "OFD_OPTION_UNSUPPORTED" in template.text
    sealed = _seal(clerk, worded, "en", keyword="甲方（盖章）", cross_page="1")
    assert sealed.status_code == 200, sealed.text[:2000]
    report = _verified(world, sealed.content)
    assert report["verdict"] == "VALID", report
    assert [s["page"] for s in report["signatures"][0]["stamps"]] == [3, 1, 2, 3]


def test_refusals_in_both_languages_and_nothing_made(world: World, a: Party,
                                                     sm2: str) -> None:
    i18n.MISSING.clear()
    before = _count(world, a.org_id)
    for lang, ecdsa_words, junk_words in (
            ("zh", "不是 SM2 印章", "不是有效的 OFD 文件"),
            ("en", "is not an SM2 seal", "Not a valid OFD file")):
        clerk = console_login(world, a.member, lang=lang)
        ecdsa = _ask(clerk, a.seal_id, make_ofd(), lang=lang)
        assert ecdsa.status_code == 422 and "SEAL_ALGORITHM_OFD" in ecdsa.text
        assert ecdsa_words in visible(ecdsa.text) and 'id="f-documents"' in ecdsa.text
        junk = _ask(clerk, sm2, b"this is neither an OFD nor a PDF", "junk.ofd", lang)
        assert junk.status_code == 422 and "OFD_NOT_ZIP" in junk.text
        assert junk_words in visible(junk.text)
        assert '<div class="field invalid">\n    <label for="f-documents">' in junk.text
    assert _count(world, a.org_id) == before
    assert i18n.MISSING == set(), sorted(i18n.MISSING)
