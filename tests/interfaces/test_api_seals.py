"""Seals, sealing, sealed-document records and the audit trail over HTTP, tenant-scoped."""

from __future__ import annotations

import io
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw

from openseal.core.signing import service as signing_service
from tests.support import producers
from tests.support.api import World, invite, make_world
from tests.support.pdfs import reportlab_pdf
from tests.support.tools import require_tool

API = "/api/v1"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("api-seals") / "home")


@pytest.fixture(scope="module")
def admin_a(world: World) -> TestClient:
    return world.login(world.parties["A"].admin)


@pytest.fixture(scope="module")
def member_a(world: World) -> TestClient:
    return world.login(world.parties["A"].member)


@pytest.fixture(scope="module")
def custodian_a(world: World) -> TestClient:
    return world.login(world.parties["A"].custodian)


@pytest.fixture(scope="module")
def auditor_a(world: World) -> TestClient:
    invite(world, world.login(world.parties["A"].admin), "auditor-a", "auditor")
    return world.login("auditor-a")


@pytest.fixture(scope="module")
def admin_b(world: World) -> TestClient:
    return world.login(world.parties["B"].admin)


def sealed_count(world: World) -> int:
    with world.wiring.context() as c:
        return c.repos.count_sealed_documents()


def seal_pdf(http: TestClient, seal_id: str, pdf: bytes, name: str = "contract.pdf",
             **fields: str) -> httpx.Response:
    answer: httpx.Response = http.post(f"{API}/documents/seal", data={"seal_id": seal_id,
                                                                       **fields},
                                       files={"file": (name, pdf, "application/pdf")})
    return answer


def details(event: dict[str, object]) -> dict[str, Any]:
    facts = event["details"]
    assert isinstance(facts, dict)
    return facts


def seal_png() -> bytes:
    image = Image.new("RGB", (400, 400), "white")
    ImageDraw.Draw(image).ellipse((20, 20, 380, 380), outline=(220, 0, 0), width=16)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_custodian_creates_a_drawn_seal_and_fetches_image_and_certificate(
    world: World, custodian_a: TestClient, tmp_path: Path,
) -> None:
    made = custodian_a.post(f"{API}/seals", json={"type": "official", "name": "公章 API"})
    assert made.status_code == 201, made.text
    seal = made.json()
    assert seal["type"] == "official" and seal["status"] == "active"
    assert seal["sandbox"] is False and seal["certificate_serial"]
    listed = custodian_a.get(f"{API}/seals").json()
    assert {s["id"] for s in listed} >= {seal["id"], world.parties["A"].seal_id}
    assert world.parties["B"].seal_id not in {s["id"] for s in listed}
    assert custodian_a.get(f"{API}/seals/{seal['id']}").json() == seal

    png = custodian_a.get(seal["image_png_url"])
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    svg = custodian_a.get(seal["image_svg_url"])
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content and "sandbox" in svg.headers["content-security-policy"]

    pem = custodian_a.get(seal["certificate_url"])
    assert pem.status_code == 200 and pem.text.count("BEGIN CERTIFICATE") >= 2
    (tmp_path / "seal.pem").write_bytes(pem.content)
    parsed = subprocess.run([require_tool("openssl"), "x509", "-noout", "-serial", "-in",
                             str(tmp_path / "seal.pem")], capture_output=True, text=True)
    assert parsed.returncode == 0, parsed.stderr
    assert parsed.stdout.strip().lower().endswith(seal["certificate_serial"].lower().lstrip("0"))


def test_custodian_uploads_a_seal_image_which_has_no_svg(custodian_a: TestClient) -> None:
    made = custodian_a.post(f"{API}/seals/upload", files={"file": ("seal.png", seal_png(),
                                                              "image/png")},
                        data={"type": "contract", "name": "上传合同章",
                              "white_to_transparent": "true"})
    assert made.status_code == 201, made.text
    seal = made.json()
    assert seal["image_svg_url"] is None
    assert custodian_a.get(seal["image_png_url"]).content.startswith(b"\x89PNG")
    missing = custodian_a.get(f"{API}/seals/{seal['id']}/image.svg")
    assert missing.status_code == 404 and missing.json()["code"] == "SEAL_NO_SVG"
    not_image = custodian_a.post(f"{API}/seals/upload", files={"file": ("x.png", b"<html>")},
                             data={"type": "contract", "name": "坏图"})
    assert not_image.status_code == 422 and not_image.json()["code"] == "IMAGE_FORMAT"


def test_requests_cannot_name_an_organisation_or_lack_the_scope(
    world: World, admin_a: TestClient, member_a: TestClient, custodian_a: TestClient,
) -> None:
    sneaky = admin_a.post(f"{API}/seals", json={
        "type": "official", "name": "公章", "org_id": world.parties["B"].org_id})
    assert sneaky.status_code == 422 and sneaky.json()["code"] == "REQUEST_INVALID"
    denied = member_a.post(f"{API}/seals", json={"type": "official", "name": "公章"})
    assert denied.status_code == 403 and denied.json()["code"] == "FORBIDDEN"
    separated = admin_a.post(f"{API}/seals", json={"type": "official", "name": "公章"})
    assert separated.status_code == 403 and separated.json()["scope"] == "seals:manage"
    bad_type = custodian_a.post(f"{API}/seals", json={"type": "royal", "name": "玉玺"})
    assert bad_type.status_code == 422 and bad_type.json()["code"] == "SEAL_TYPE"


def test_member_seals_a_pdf_that_verifies_valid(world: World, member_a: TestClient) -> None:
    a = world.parties["A"]
    before = sealed_count(world)
    answer = seal_pdf(member_a, a.seal_id, reportlab_pdf(), reason="同意", location="北京")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == 'attachment; filename="contract-sealed.pdf"'
    doc_id = answer.headers["x-openseal-document-id"]
    assert sealed_count(world) == before + 1

    report = world.client().post(f"{API}/verify", files={"file": ("s.pdf", answer.content)})
    assert report.json()["verdict"] == "VALID", report.json()
    record = member_a.get(f"{API}/documents/{doc_id}")
    assert record.status_code == 200 and record.json()["seal_id"] == a.seal_id
    assert record.json()["size"] == len(answer.content)
    listed = member_a.get(f"{API}/documents").json()
    assert doc_id in {d["id"] for d in listed} and a.document_id in {d["id"] for d in listed}
    assert world.parties["B"].document_id not in {d["id"] for d in listed}
    used = [e for e in world.audit("seal.use") if details(e)["document"] == doc_id]
    assert used and used[0]["org_id"] == a.org_id


def test_api_client_seals_and_sealers_are_reused(world: World,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    a = world.parties["A"]
    built: list[str] = []
    original = signing_service._build_sealer

    def counting(seal, pki, keystore):  # type: ignore[no-untyped-def]
        built.append(seal.id)
        return original(seal, pki, keystore)

    monkeypatch.setattr(signing_service, "_build_sealer", counting)
    client = world.bearer(a.client_secret)
    for n in range(2):
        answer = seal_pdf(client, a.seal_id, reportlab_pdf(title=f"合同 {n}"), x="20", y="30")
        assert answer.status_code == 200, answer.text
    assert built == [a.seal_id]


def test_untrusted_file_names_stay_inside_the_header(world: World,
                                                     member_a: TestClient) -> None:
    answer = seal_pdf(member_a, world.parties["A"].seal_id, reportlab_pdf(),
                      name='..\\采购"合同\r\n.pdf')
    assert answer.status_code == 200, answer.text
    header = answer.headers["content-disposition"]
    assert header.startswith('attachment; filename="') and "\r" not in header
    assert header.count('"') == 2 and "filename*=UTF-8''" in header


def test_numbers_out_of_range_are_refused_not_500(world: World, member_a: TestClient) -> None:
    seal_id = world.parties["A"].seal_id
    for fields in ({"page": str(10**20)}, {"size": "nan"}, {"x": "inf"}):
        answer = seal_pdf(member_a, seal_id, reportlab_pdf(), **fields)
        assert answer.status_code == 422 and answer.json()["code"] == "REQUEST_INVALID"


def test_a_client_without_documents_seal_is_forbidden(world: World,
                                                      admin_a: TestClient) -> None:
    made = admin_a.post(f"{API}/clients", json={"name": "read only", "scopes": ["seals:read"]})
    reader = world.bearer(made.json()["secret"])
    before = sealed_count(world)
    answer = seal_pdf(reader, world.parties["A"].seal_id, reportlab_pdf())
    assert answer.status_code == 403 and answer.json()["code"] == "FORBIDDEN"
    assert sealed_count(world) == before
    assert reader.get(f"{API}/seals").status_code == 200
    assert reader.get(f"{API}/documents").status_code == 200
    assert reader.get(f"{API}/audit").status_code == 403
    denied = world.audit("authz.denied")
    assert any(e["target"] == "scope:seals:use" for e in denied)


def _problem(http: TestClient, path: str, ref: str) -> tuple[int, object]:
    answer = http.get(path)
    return answer.status_code, answer.text.replace(ref, "<ref>")


@pytest.mark.parametrize("path", ["/seals/{seal}", "/seals/{seal}/image.png",
                                  "/seals/{seal}/image.svg", "/seals/{seal}/certificate.pem",
                                  "/documents/{doc}"])
def test_another_organisations_records_look_missing(world: World, admin_b: TestClient,
                                                     path: str) -> None:
    a = world.parties["A"]
    ref = a.document_id if "{doc}" in path else a.seal_id
    foreign = _problem(admin_b, API + path.format(seal=ref, doc=ref), ref)
    random = str(uuid.uuid4())
    missing = _problem(admin_b, API + path.format(seal=random, doc=random), random)
    assert foreign[0] == 404 and foreign == missing
    kind = "document" if "{doc}" in path else "seal"
    assert any(e["target"] == f"{kind}:{ref}" and e["outcome"] == "denied"
               for e in world.audit("authz.denied"))


def test_another_organisation_cannot_seal_with_my_seal(world: World) -> None:
    a = world.parties["A"]
    member_b = world.login(world.parties["B"].member)
    before = sealed_count(world)
    foreign = seal_pdf(member_b, a.seal_id, reportlab_pdf())
    random = str(uuid.uuid4())
    missing = seal_pdf(member_b, random, reportlab_pdf())
    assert foreign.status_code == missing.status_code == 404
    assert foreign.text.replace(a.seal_id, "x") == missing.text.replace(random, "x")
    assert sealed_count(world) == before
    assert any(e["target"] == f"seal:{a.seal_id}" and e["actor"] == "user:member-b"
               for e in world.audit("authz.denied"))


def test_audit_shows_only_my_organisation(world: World, admin_a: TestClient,
                                          auditor_a: TestClient) -> None:
    a, b = world.parties["A"], world.parties["B"]
    events = auditor_a.get(f"{API}/audit", params={"limit": 1000}).json()
    assert events and {e["org_id"] for e in events} == {a.org_id}
    assert "seal.create" in {e["action"] for e in events}
    assert not any(b.org_id in str(e) for e in events)
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs)
    latest = auditor_a.get(f"{API}/audit", params={"limit": 2}).json()
    assert [e["seq"] for e in latest] == seqs[-2:]
    older = auditor_a.get(f"{API}/audit", params={"limit": 2, "before": seqs[-2]}).json()
    assert all(e["seq"] < seqs[-2] for e in older)
    only = auditor_a.get(f"{API}/audit", params={"action": "seal.create"}).json()
    assert only and {e["action"] for e in only} == {"seal.create"}
    client = world.bearer(a.client_secret).get(f"{API}/audit").json()
    assert client and {e["org_id"] for e in client} == {a.org_id}
    member = world.login(a.member).get(f"{API}/audit")
    assert member.status_code == 403
    assert admin_a.get(f"{API}/audit").status_code == 403  # separation of duties
    assert auditor_a.get(f"{API}/audit", params={"limit": 1001}).status_code == 422


REFUSED: dict[str, tuple[Callable[[], bytes], dict[str, str], int, str]] = {
    "not a pdf": (lambda: b"<!DOCTYPE html><html>%PDF late</html>", {}, 415, "NOT_A_PDF"),
    "damaged": (producers.truncated, {}, 422, "PDF_DAMAGED"),
    "encrypted": (producers.encrypted_pubkey, {}, 422, "PDF_ENCRYPTED"),
    "no such page": (reportlab_pdf, {"page": "9"}, 422, "PAGE_NOT_FOUND"),
    "off the page": (reportlab_pdf, {"x": "500", "y": "10"}, 422, "POSITION_OFF_PAGE"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_refused_uploads_store_nothing_and_are_audited(world: World, member_a: TestClient,
                                                       case: str) -> None:
    make, fields, status, code = REFUSED[case]
    before = sealed_count(world)
    answer = seal_pdf(member_a, world.parties["A"].seal_id, make(), **fields)
    assert answer.status_code == status and answer.json()["code"] == code, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert sealed_count(world) == before
    refused = [e for e in world.audit("seal.use") if details(e).get("error") == code]
    assert refused and refused[-1]["outcome"] == "refused"
    assert refused[-1]["org_id"] == world.parties["A"].org_id


def test_oversize_upload_is_413_and_audited(world: World, member_a: TestClient,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(world.wiring.settings, "max_upload_bytes", 1024)
    before = sealed_count(world)
    answer = seal_pdf(member_a, world.parties["A"].seal_id, reportlab_pdf())
    assert answer.status_code == 413 and answer.json()["code"] == "UPLOAD_TOO_LARGE"
    assert sealed_count(world) == before
    refused = [e for e in world.audit("seal.use")
               if details(e).get("error") == "UPLOAD_TOO_LARGE"]
    assert refused and refused[-1]["outcome"] == "refused"


def test_openapi_documents_the_new_routes(world: World) -> None:
    paths = world.client().get("/openapi.json").json()["paths"]
    sealing = paths["/api/v1/documents/seal"]["post"]
    assert "application/pdf" in sealing["responses"]["200"]["content"]
    assert sealing["description"].startswith("Seal a PDF")
    for path in ("/api/v1/seals", "/api/v1/seals/upload", "/api/v1/seals/{seal_id}/image.png",
                 "/api/v1/seals/{seal_id}/image.svg", "/api/v1/seals/{seal_id}/certificate.pem",
                 "/api/v1/documents", "/api/v1/documents/{document_id}", "/api/v1/audit"):
        assert path in paths
