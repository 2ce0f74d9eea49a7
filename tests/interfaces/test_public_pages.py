"""The public pages without a browser: /verify (upload, verdict in Chinese and English,
registry answer, the signed revision for download) and /v/{document_id} (the registry entry
a QR code links to, and the comparison with a holder's copy); the JSON API beside them."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.support.api import Party, World, make_world
from tests.support.approvals import approved_ticket, contract, seal_with
from tests.support.pdfs import reportlab_pdf

PDF = "application/pdf"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("public-pages") / "home")


@pytest.fixture(scope="module")
def a(world: World) -> Party:
    return world.parties["A"]


@pytest.fixture(scope="module")
def sealed(world: World, a: Party) -> httpx.Response:
    answer = seal_with(world.login(a.member), a.seal_id, contract("public"))
    assert answer.status_code == 200, answer.text
    return answer


def _upload(http: TestClient, path: str, data: bytes, lang: str = "zh") -> httpx.Response:
    answer: httpx.Response = http.post(f"{path}?lang={lang}",
                                       files={"file": ("合同.pdf", data, PDF)})
    return answer


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_verify_page_in_both_languages(world: World) -> None:
    http = world.client()
    zh = http.get("/verify")
    assert zh.status_code == 200 and "验证电子印章" in zh.text and 'lang="zh-CN"' in zh.text
    assert "frame-ancestors 'none'" in zh.headers["content-security-policy"]
    en = http.get("/verify?lang=en")
    assert "Verify an electronic seal" in en.text and 'lang="en"' in en.text
    assert "Verify an electronic seal" in http.get(
        "/verify", headers={"Accept-Language": "en-GB"}).text


def test_sealed_document_is_valid_and_issued(world: World, a: Party,
                                             sealed: httpx.Response) -> None:
    doc_id = sealed.headers["X-OpenSeal-Document-Id"]
    zh = _text(_upload(world.client(), "/verify", sealed.content).text)
    assert "印章有效" in zh and f"#{doc_id}" in zh and "甲方示例科技有限公司" in zh
    en = _text(_upload(world.client(), "/verify", sealed.content, "en").text)
    assert "The seal is valid" in en and f"This is document #{doc_id}, issued by" in en
    assert "Trust anchor" in en and "Root CA" in en


def test_changed_after_sealing_offers_the_signed_revision(world: World,
                                                          sealed: httpx.Response) -> None:
    doc_id = sealed.headers["X-OpenSeal-Document-Id"]
    changed = sealed.content + b"\n% appended later\n" + b"x" * 100
    page = _upload(world.client(), "/verify", changed, "en")
    text = _text(page.text)
    assert "The seal is valid" not in text
    assert f"document #{doc_id}" in text and "bytes added after sealing" in text
    end = int(re.search(r'name="end" value="(\d+)"', page.text).group(1))  # type: ignore[union-attr]
    revision = world.client().post("/verify/revision", data={"end": str(end)},
                                   files={"file": ("x.pdf", changed, PDF)})
    assert revision.status_code == 200 and revision.content == sealed.content
    bad = world.client().post("/verify/revision?lang=en", data={"end": "7"},
                              files={"file": ("x.pdf", changed, PDF)})
    assert bad.status_code == 422 and "text/html" in bad.headers["content-type"]
    assert "REVISION_END" in bad.text


def test_unknown_and_unsigned_documents(world: World) -> None:
    text = _text(_upload(world.client(), "/verify", reportlab_pdf(), "en").text)
    assert "carries no seal or signature" in text
    assert "not issued by this platform" in text
    zh = _text(_upload(world.client(), "/verify", b"not a pdf at all").text)
    assert "此文件不是本平台签发的" in zh


def test_ticket_sealed_document_names_who_approved(world: World, a: Party) -> None:
    pdf = contract("approved")
    member = world.login(a.member)
    ticket = approved_ticket(member, world.login(a.approver), a.seal_id, pdf)
    sealed = seal_with(member, a.seal_id, pdf, ticket)
    page = _upload(world.client(), "/verify", sealed.content)
    assert re.search(r'class="requester">\s*member-a', page.text), page.text
    assert re.search(r'class="approvers">\s*approver-a', page.text)


def test_document_page_and_comparison(world: World, a: Party, sealed: httpx.Response) -> None:
    doc_id = sealed.headers["X-OpenSeal-Document-Id"]
    http = world.client()
    page = _text(http.get(f"/v/{doc_id}?lang=en").text)
    assert "甲方示例科技有限公司" in page and a.seal_id not in page
    same = _text(_upload(http, f"/v/{doc_id}", sealed.content, "en").text)
    assert "Your copy is exactly the document issued." in same
    other = _text(_upload(http, f"/v/{doc_id}", reportlab_pdf(), "en").text)
    assert "Your copy is not this issued document." in other
    missing = http.get("/v/00000000-0000-0000-0000-000000000000?lang=en")
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    assert "No such document was issued here" in missing.text


def test_api_verify_and_registry_json(world: World, sealed: httpx.Response) -> None:
    doc_id = sealed.headers["X-OpenSeal-Document-Id"]
    http = world.client()
    report = http.post("/api/v1/verify", files={"file": ("c.pdf", sealed.content, PDF)}).json()
    assert report["verdict"] == "VALID"
    assert report["registry"]["status"] == "issued" and report["registry"]["document_id"] == doc_id
    entry = http.get(f"/api/v1/registry/{doc_id}").json()
    assert entry["issued_size"] == len(sealed.content) and entry["text"]["en"].startswith(
        f"This is document #{doc_id}")
    assert http.get("/api/v1/registry/nope").status_code == 404
