"""The verification report PDF over HTTP (POST /api/v1/verify/report.pdf, no login) and from
the CLI (openseal verify FILE --report-pdf OUT.pdf): signed by the instance's report key
(pdfsig and our verifier agree), the approval chain and the registry in it, both languages,
and a report (never a 500) for a damaged upload."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from openseal.core.pki.profiles import CertificateRole
from openseal.core.reports import REPORT_FIELD
from openseal.core.verification import VerificationReport, verify_pdf
from openseal.core.verification.policy import local_revocation_policy
from openseal.interfaces.api.routes import verify_report
from tests.support.api import Party, World, make_world
from tests.support.approvals import API, approve, contract, made, seal_with, ticket_of
from tests.support.cli import WorldCli
from tests.support.tools import missing, require_tool

ROUTE = f"{API}/verify/report.pdf"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("verify-report") / "home")


@pytest.fixture(scope="module")
def a(world: World) -> Party:
    return world.parties["A"]


@pytest.fixture(scope="module")
def anyone(world: World) -> TestClient:
    """An anonymous client of the app (the router included if the app does not yet)."""
    http = world.client()
    app = http.app
    if ROUTE not in {getattr(r, "path", "") for r in app.routes}:  # type: ignore[attr-defined]
        app.include_router(verify_report.router)  # type: ignore[attr-defined]
    return http


@pytest.fixture(scope="module")
def ticket_sealed(world: World, a: Party) -> tuple[bytes, str]:
    """A contract sealed with a ticket (its approval chain is in the seal): (PDF, ticket)."""
    member, approver = world.login(a.member), world.login(a.approver)
    pdf = contract("report pdf")
    request = made(member, a.seal_id, pdf, purpose="签订采购合同")
    ticket = ticket_of(approve(approver, request["id"], "同意盖章"))
    sealed = seal_with(member, a.seal_id, pdf, ticket)
    assert sealed.status_code == 200, sealed.text
    return sealed.content, ticket


def ask(http: TestClient, data: bytes, lang: str | None = None, name: str = "sealed.pdf"
        ) -> bytes:
    form = {} if lang is None else {"lang": lang}
    answer = http.post(ROUTE, files={"file": (name, data, "application/pdf")}, data=form)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    return bytes(answer.content)


def ours(world: World, pdf: bytes) -> VerificationReport:
    with world.wiring.context() as c:
        return verify_pdf(pdf, c.pki.trust_anchors(), "report.pdf",
                          local_revocation_policy(c.pki.revocation_lists()))


def require_poppler_data() -> None:
    """The report's text is in the CID font STSong-Light (Adobe-GB1): poppler reads it with
    the CMaps of poppler-data (only recommended by poppler-utils)."""
    if not Path("/usr/share/poppler/cMap/Adobe-GB1").is_dir():
        missing("poppler-data not found: apt-get install poppler-data")


def tool(name: str, path: Path, *args: str) -> str:
    if name == "pdftotext":
        require_poppler_data()
    return subprocess.run([require_tool(name), *args, str(path), *(
        ["-"] if name == "pdftotext" else [])], capture_output=True, text=True, timeout=60,
        check=False).stdout


def test_report_pdf_in_chinese(world: World, a: Party, anyone: TestClient,
                               ticket_sealed: tuple[bytes, str], tmp_path: Path) -> None:
    sealed, ticket = ticket_sealed
    path = tmp_path / "report.pdf"
    path.write_bytes(ask(anyone, sealed))  # zh by default
    signed = tool("pdfsig", path)
    assert f"Signature Field Name: {REPORT_FIELD}" in signed, signed
    assert "Signature Validation: Signature is Valid." in signed, signed
    assert ours(world, path.read_bytes()).verdict == "VALID"
    text = tool("pdftotext", path)
    assert "验证结论: 有效" in text, text
    assert "甲方示例科技有限公司" in text and "合同专用章A" in text  # organisation, seal
    assert "用印申请人" in text and a.member in text  # the approval chain
    assert "审批人" in text and a.approver in text and ticket in text
    assert "本平台签发的文件，与签发时完全一致" in text  # the registry's answer


def test_report_pdf_in_english(world: World, a: Party, anyone: TestClient,
                               ticket_sealed: tuple[bytes, str], tmp_path: Path) -> None:
    sealed, ticket = ticket_sealed
    path = tmp_path / "report.pdf"
    path.write_bytes(ask(anyone, sealed + b"\n% appended\n", "en"))
    assert "Signature is Valid." in tool("pdfsig", path)
    assert ours(world, path.read_bytes()).verdict == "VALID"
    text = tool("pdftotext", path)
    assert "Verdict: INDETERMINATE" in text and "UNSIGNED_TRAILING_DATA" in text, text
    assert "甲方示例科技有限公司" in text and "Requested by" in text and a.member in text
    assert "Approved by" in text and a.approver in text and ticket in text
    assert "bytes added after it was issued" in text


def test_one_report_key_for_every_report(world: World, anyone: TestClient,
                                         ticket_sealed: tuple[bytes, str]) -> None:
    ask(anyone, ticket_sealed[0], "en")
    ask(anyone, ticket_sealed[0], "zh")
    with world.wiring.context() as c:
        assert len(c.repos.list_certificates(CertificateRole.REPORT.value)) == 1


@pytest.mark.parametrize("data", [b"%PDF-1.7\n1 0 obj << /Broken\n%%EOF", b"not a pdf",
                                  b"%PDF-1.4\n" + b"\x00" * 5000])
def test_a_damaged_upload_gets_a_report_not_an_error(world: World, anyone: TestClient,
                                                      data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(ask(anyone, data, "en", name="broken.pdf"))
    assert "Signature is Valid." in tool("pdfsig", path)
    text = tool("pdftotext", path)
    assert "Verdict: INDETERMINATE" in text and "MALFORMED_PDF" in text
    assert "No thumbnails" in text and "broken.pdf" in text


def test_refusals(anyone: TestClient) -> None:
    bad_lang = anyone.post(ROUTE, files={"file": ("a.pdf", b"%PDF-1.7", "application/pdf")},
                           data={"lang": "fr"})
    assert bad_lang.status_code == 422 and bad_lang.json()["code"] == "LANG_UNSUPPORTED"
    assert anyone.post(ROUTE).status_code == 422  # no file


def test_cli_writes_the_signed_report(world: World, a: Party,
                                      ticket_sealed: tuple[bytes, str], tmp_path: Path) -> None:
    sealed = tmp_path / "sealed.pdf"
    sealed.write_bytes(ticket_sealed[0])
    out = tmp_path / "report.pdf"
    cli = WorldCli(world)
    report = cli.json("verify", str(sealed), "--report-pdf", str(out), "--lang", "zh")
    assert report["verdict"] == "VALID"
    assert not list(tmp_path.glob(".*.part"))  # written whole, then renamed
    assert "Signature is Valid." in tool("pdfsig", out)
    assert ours(world, out.read_bytes()).verdict == "VALID"
    text = tool("pdftotext", out)
    assert "验证结论: 有效" in text and a.approver in text and "本平台签发的文件" in text
    refused = cli.run("verify", str(sealed), "--report-pdf", str(tmp_path / "x.pdf"),
                      "--lang", "fr")
    assert refused.returncode == 2 and "--lang must be zh or en" in refused.stderr
    assert not (tmp_path / "x.pdf").exists()
