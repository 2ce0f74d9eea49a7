"""B1: files that are not PDFs, named .pdf, are refused: exit 2, "not a PDF", nothing stored."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.support.api import World, make_world
from tests.support.instance import TestInstance
from tests.support.producers import assert_refused, sealed_count, sign_cli


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (230, 0, 0)).save(buf, format="PNG")
    return buf.getvalue()


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("contract.txt", "采购合同 Purchase contract\n")
    return buf.getvalue()


HTML = ("<!DOCTYPE html>\n<html><head><title>合同</title></head>"
        "<body><p>%PDF is mentioned late, not as a header</p></body></html>\n").encode()

INPUTS = {"png": _png, "zip": _zip, "html": lambda: HTML, "empty": lambda: b""}


@pytest.mark.parametrize("kind", INPUTS)
def test_B1_non_pdf_rejected_by_the_cli(kind: str, fresh_instance: TestInstance,
                                      tmp_path: Path) -> None:
    src, out_dir = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    out_dir.mkdir()
    infile = src / f"{kind}.pdf"
    infile.write_bytes(INPUTS[kind]())
    home = fresh_instance.wiring.settings.home
    seal = fresh_instance.seals["contract"].id
    before = sealed_count(fresh_instance)

    zh = sign_cli(home, infile, seal, out=out_dir / "sealed.pdf")
    assert_refused(zh, "NOT_A_PDF", as_json=False)
    assert "不是 PDF" in zh.stderr, zh.stderr

    en = sign_cli(home, infile, seal, "--json", lang="en", out=out_dir / "sealed.pdf")
    payload = assert_refused(en, "NOT_A_PDF")
    assert "not a PDF" in en.stderr, en.stderr
    assert payload["kind"] == "invalid_input"

    assert list(out_dir.iterdir()) == []
    assert sealed_count(fresh_instance) == before


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    world = make_world(tmp_path_factory.mktemp("b1") / "home")
    yield world
    world.wiring.engine.dispose()


@pytest.mark.parametrize("kind", INPUTS)
def test_B1_non_pdf_rejected_over_http(kind: str, world: World) -> None:
    a = world.parties["A"]
    member = world.login(a.member)
    with world.wiring.context() as c:
        before = c.repos.count_sealed_documents()
    refused_before = len(world.audit("seal.use"))
    answer = member.post("/api/v1/documents/seal", data={"seal_id": a.seal_id},
                         files={"file": (f"{kind}.pdf", INPUTS[kind](), "application/pdf")},
                         headers={"Accept-Language": "en"})
    assert answer.status_code == 415, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == "NOT_A_PDF" and "not a PDF" in answer.json()["detail"]
    with world.wiring.context() as c:
        assert c.repos.count_sealed_documents() == before
    [event] = world.audit("seal.use")[refused_before:]
    assert event["outcome"] == "refused" and event["org_id"] == a.org_id
    assert event["details"]["error"] == "NOT_A_PDF"  # type: ignore[index]
    assert event["actor"] == f"user:{a.member}"
