"""B6 decompression_bomb: a page image of 300 MiB that deflates from about 300 KB, and a
30000 x 30000 stamp PNG. Sealing and verifying the PDF are unaffected (nothing decodes the
image) and stay within 512 MiB and 10 s; the PNG is refused by the pixel cap before it is
decoded. Memory is the peak RSS of each real process (the server's VmHWM; a CLI run's
ru_maxrss, measured in a wrapper whose only child it is)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.bombs import pdf_with_image_bomb, png_bomb
from tests.support.server import Server
from tests.support.tools import require_tool

RSS_BOUND_KIB = 512 * 1024
WALL_SECONDS = 10.0
_MEASURED = ("import resource, subprocess, sys, json; "
             "done = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
             "print(json.dumps({'rc': done.returncode, 'out': done.stdout, 'err': done.stderr, "
             "'maxrss_kib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("b6") / "home", None)
    server.cli("init")
    server.cli("org", "create", "--name", "炸弹测试有限公司", "--uscc", "91350100M000100Y43")
    server.cli("seal", "create", "--org", "91350100M000100Y43", "--type", "contract",
               "--name", "合同专用章")
    process = server.start()
    server.pid = process.pid  # type: ignore[attr-defined]
    yield server
    process.terminate()
    process.wait(timeout=20)


def _cli(server: Server, *args: str) -> tuple[dict[str, object], int, float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", _MEASURED, sys.executable, "-m", "openseal",
                           *args], env=server.env, capture_output=True, text=True, timeout=120)
    measured = json.loads(done.stdout)
    return measured, int(measured["maxrss_kib"]), time.monotonic() - started


def _peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_B6_page_image_bomb_seals_and_verifies_within_bounds(server: Server,
                                                             tmp_path: Path) -> None:
    bomb, sealed = tmp_path / "bomb.pdf", tmp_path / "sealed.pdf"
    bomb.write_bytes(pdf_with_image_bomb())
    assert bomb.stat().st_size < 1024 * 1024
    result, rss, wall = _cli(server, "sign", str(bomb), "--seal", "合同专用章", "-o",
                             str(sealed), "--json")
    assert result["rc"] == 0, result
    assert rss < RSS_BOUND_KIB and wall < WALL_SECONDS, (rss, wall)
    started = time.monotonic()
    answer = httpx.post(f"{server.url}/api/v1/verify", timeout=60, files={
        "file": ("sealed.pdf", sealed.read_bytes(), "application/pdf")})
    wall = time.monotonic() - started
    assert answer.status_code == 200 and answer.json()["verdict"] == "VALID", answer.text
    assert wall < WALL_SECONDS
    assert _peak_rss_kib(server.pid) < RSS_BOUND_KIB  # type: ignore[attr-defined]


def test_B6_stamp_png_bomb_is_refused_by_the_pixel_cap(server: Server, tmp_path: Path) -> None:
    png = tmp_path / "stamp.png"
    png.write_bytes(png_bomb())
    result, rss, wall = _cli(server, "seal", "create", "--org", "91350100M000100Y43",
                             "--type", "custom", "--name", "炸弹章", "--image", str(png),
                             "--json")
    assert result["rc"] != 0 and "IMAGE_TOO_LARGE" in str(result["out"]), result
    assert "Traceback" not in str(result["err"])
    assert rss < RSS_BOUND_KIB and wall < WALL_SECONDS, (rss, wall)


def test_B6_report_thumbnail_of_the_bomb_is_a_placeholder(server: Server,
                                                          tmp_path: Path) -> None:
    """The report PDF's page renderer refuses the oversized image (area cap) and shows a
    placeholder; the server (and its verifier workers) stay within the bounds."""
    bomb, sealed = tmp_path / "bomb.pdf", tmp_path / "sealed.pdf"
    bomb.write_bytes(pdf_with_image_bomb())
    result, _, _ = _cli(server, "sign", str(bomb), "--seal", "合同专用章", "-o", str(sealed))
    assert result["rc"] == 0, result
    started = time.monotonic()
    answer = httpx.post(f"{server.url}/api/v1/verify/report.pdf", timeout=60,
                        data={"lang": "en"}, files={
                            "file": ("sealed.pdf", sealed.read_bytes(), "application/pdf")})
    wall = time.monotonic() - started
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF-"), answer.text[:300]
    assert wall < WALL_SECONDS
    report = tmp_path / "report.pdf"
    report.write_bytes(answer.content)
    text = subprocess.run([require_tool("pdftotext"), str(report), "-"],
                          capture_output=True, text=True, timeout=60).stdout
    assert "page has an oversized image, not shown" in text, text[:2000]
    assert _peak_rss_kib(server.pid) < RSS_BOUND_KIB  # type: ignore[attr-defined]
    for child in _children(server.pid):  # type: ignore[attr-defined]
        assert _peak_rss_kib(child) < RSS_BOUND_KIB


def _children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in found]
