"""B1: files that are not PDFs, named .pdf, are refused: exit 2, "not a PDF", nothing stored."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image

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
def test_non_pdf_named_pdf_is_refused(kind: str, fresh_instance: TestInstance,
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
