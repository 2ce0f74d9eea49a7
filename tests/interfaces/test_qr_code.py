"""A QR code on the sealed page (`openseal sign --qr`, and `qr=true` in the API): rendered by
poppler and decoded by zbar, it is the document's verification URL, and that URL shows the
registry entry. The QR code is part of the seal's own appearance, so the seal stays VALID
(and pdfsig agrees)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.api import BASE, Party, World, make_world
from tests.support.approvals import contract
from tests.support.cli import WorldCli
from tests.support.tools import require_tool

PDF = "application/pdf"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("qr") / "home")


def _decoded(pdf: Path, page: int = 1) -> list[str]:
    """Every QR code zbar finds on ``page`` rendered at 300 dpi."""
    png = pdf.with_suffix("")
    subprocess.run([require_tool("pdftoppm"), "-r", "300", "-f", str(page), "-l", str(page),
                    "-png", "-singlefile", str(pdf), str(png)], check=True, timeout=60)
    found = subprocess.run([require_tool("zbarimg"), "--raw", "-q", f"{png}.png"],
                           capture_output=True, text=True, timeout=60)
    return found.stdout.split()


def test_api_qr_code_decodes_to_the_registry_page(world: World, tmp_path: Path) -> None:
    a: Party = world.parties["A"]
    sealed = world.login(a.member).post("/api/v1/documents/seal", data={
        "seal_id": a.seal_id, "qr": "true"}, files={"file": ("c.pdf", contract("qr"), PDF)})
    assert sealed.status_code == 200, sealed.text
    doc_id = sealed.headers["X-OpenSeal-Document-Id"]
    path = tmp_path / "sealed.pdf"
    path.write_bytes(sealed.content)
    url = f"{world.wiring.settings.certificate_url.rstrip('/')}/v/{doc_id}"
    assert _decoded(path) == [url]
    page = world.client().get(url.replace(world.wiring.settings.certificate_url.rstrip("/"),
                                          BASE) + "?lang=en")
    assert page.status_code == 200 and "甲方示例科技有限公司" in page.text
    report = world.client().post("/api/v1/verify", files={
        "file": ("s.pdf", sealed.content, PDF)}).json()
    assert report["verdict"] == "VALID" and report["registry"]["document_id"] == doc_id
    out = subprocess.run([require_tool("pdfsig"), str(path)], capture_output=True, text=True,
                         timeout=60).stdout
    assert "Signature Validation: Signature is Valid." in out


def test_without_qr_there_is_no_code(world: World, tmp_path: Path) -> None:
    a = world.parties["A"]
    sealed = world.login(a.member).post("/api/v1/documents/seal", data={
        "seal_id": a.seal_id}, files={"file": ("c.pdf", contract("plain"), PDF)})
    path = tmp_path / "plain.pdf"
    path.write_bytes(sealed.content)
    assert _decoded(path) == []


def test_cli_sign_qr(world: World, tmp_path: Path) -> None:
    a = world.parties["A"]
    source, out = tmp_path / "in.pdf", tmp_path / "out.pdf"
    source.write_bytes(contract("cli-qr"))
    done = WorldCli(world).json("sign", str(source), "--seal", a.seal_id, "-o", str(out),
                                "--qr", "--page", "1", "--x", "20", "--y", "20")
    assert _decoded(out) == [f"{world.wiring.settings.certificate_url.rstrip('/')}/v/"
                             f"{done['id']}"]
