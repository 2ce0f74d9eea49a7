"""Stamping the way Chinese offices do, through the interfaces: keyword positioning and the
cross-page seal (骑缝章) in `openseal sign` and `POST /api/v1/documents/seal`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.api import World, make_world
from tests.support.cli import WorldCli
from tests.support.pdfs import reportlab_pdf
from tests.unit.signing.test_keyword import (
    A,
    assert_seal_at,
    centre_mm,
    contract_with_keywords,
    red_pixels,
)

PDF = "application/pdf"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("stamping") / "home")


def test_api_keyword_seal_and_refusals(world: World, tmp_path: Path) -> None:
    a = world.parties["A"]
    client = world.login(a.member)
    sealed = client.post("/api/v1/documents/seal", data={
        "seal_id": a.seal_id, "keyword": A, "occurrence": "last", "offset_x": "0"},
        files={"file": ("c.pdf", contract_with_keywords(), PDF)})
    assert sealed.status_code == 200, sealed.text
    assert_seal_at(red_pixels(sealed.content, 2, tmp_path), centre_mm(2))
    report = world.client().post("/api/v1/verify", files={
        "file": ("s.pdf", sealed.content, PDF)}).json()
    assert report["verdict"] == "VALID"
    applied = [e for e in world.audit("seal.use") if e["outcome"] == "success"][-1]
    assert applied["details"]["page"] == 2  # the keyword's page, not the default page 1
    missing = client.post("/api/v1/documents/seal", data={
        "seal_id": a.seal_id, "keyword": "丙方（盖章）"},
        files={"file": ("c.pdf", contract_with_keywords(), PDF)})
    assert missing.status_code == 422 and missing.json()["code"] == "KEYWORD_NOT_FOUND"
    beyond = client.post("/api/v1/documents/seal", data={
        "seal_id": a.seal_id, "keyword": A, "occurrence": "5"},
        files={"file": ("c.pdf", contract_with_keywords(), PDF)})
    assert beyond.status_code == 422 and beyond.json()["code"] == "KEYWORD_OCCURRENCE"


def test_cli_keyword_all_with_cross_page(world: World, tmp_path: Path) -> None:
    a = world.parties["A"]
    source, out = tmp_path / "in.pdf", tmp_path / "out.pdf"
    source.write_bytes(contract_with_keywords())
    done = WorldCli(world).json("sign", str(source), "--seal", a.seal_id, "-o", str(out),
                                "--keyword", A, "--occurrence", "all", "--cross-page",
                                "--pages", "1-2", "--edge", "right")
    assert done["out"] == str(out)
    sealed = out.read_bytes()
    for page, index in ((1, 0), (2, 2)):
        points = red_pixels(sealed, page, tmp_path)
        assert_seal_at([p for p in points if p[0] < 180], centre_mm(index))
        assert [p for p in points if p[0] >= 180]  # the cross-page slice at the right edge
    missing = tmp_path / "none.pdf"
    refused = WorldCli(world).json("sign", str(source), "--seal", a.seal_id, "-o",
                                   str(missing), "--keyword", "丙方（盖章）", expect=2)
    assert refused["error"] == "KEYWORD_NOT_FOUND" and not missing.exists()


def test_api_cross_page(world: World, tmp_path: Path) -> None:
    a = world.parties["A"]
    sealed = world.login(a.member).post("/api/v1/documents/seal", data={
        "seal_id": a.seal_id, "cross_page": "true", "edge": "left", "x": "100", "y": "20"},
        files={"file": ("c.pdf", reportlab_pdf(pages=3), PDF)})
    assert sealed.status_code == 200, sealed.text
    for page in (1, 2, 3):
        assert [p for p in red_pixels(sealed.content, page, tmp_path) if p[0] < 30], page
    bad = world.login(a.member).post("/api/v1/documents/seal", data={
        "seal_id": a.seal_id, "cross_page": "true", "edge": "top"},
        files={"file": ("c.pdf", reportlab_pdf(pages=3), PDF)})
    assert bad.status_code == 422 and bad.json()["code"] == "CROSS_PAGE_EDGE"
    refused = [e for e in world.audit("seal.use")
               if isinstance(e["details"], dict) and e["details"].get("error") == "CROSS_PAGE_EDGE"]
    assert refused and refused[-1]["outcome"] == "refused"
