"""The CLI contract, exercised as a person (or another tool) would: real processes."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from tests.support.pdfs import reportlab_pdf

USCC = "91350100M000100Y43"


class Cli:
    def __init__(self, home: Path) -> None:
        self.home = home

    def run(self, *args: str, lang: str = "zh") -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "OPENSEAL_HOME": str(self.home), "OPENSEAL_LANG": lang}
        env.pop("OPENSEAL_DATABASE_URL", None)
        return subprocess.run([sys.executable, "-m", "openseal", *args], env=env,
                              capture_output=True, text=True, timeout=120)

    def json(self, *args: str, expect: int = 0) -> dict[str, object]:
        result = self.run(*args, "--json")
        assert result.returncode == expect, result.stderr + result.stdout
        assert "Traceback" not in result.stderr
        return json.loads(result.stdout)


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    cli = Cli(tmp_path_factory.mktemp("cli") / "home")
    assert cli.json("init")["already"] is False
    cli.json("org", "create", "--name", "北京开源印章科技有限公司", "--uscc", USCC)
    return cli


def test_commands_before_init_say_what_to_do(tmp_path: Path) -> None:
    result = Cli(tmp_path / "empty").run("org", "list")
    assert result.returncode == 2
    assert "openseal init" in result.stderr and "Traceback" not in result.stderr


def test_init_is_idempotent(cli: Cli) -> None:
    assert cli.json("init")["already"] is True


def test_bad_credit_code_is_refused_in_both_languages(cli: Cli) -> None:
    bad = ["org", "create", "--name", "某公司", "--uscc", "91350100M000100Y44"]
    assert cli.json(*bad, expect=2)["error"] == "USCC_CHECKSUM"
    assert "校验位错误" in cli.run(*bad).stderr
    assert "check character is wrong" in cli.run(*bad, lang="en").stderr


@pytest.mark.parametrize("seal_type,name", [
    ("official", "公章"), ("contract", "合同专用章"), ("finance", "财务专用章"),
    ("invoice", "发票专用章"), ("legal-rep", "李四"), ("custom", "人事专用章"),
])
def test_every_seal_type_can_be_created(cli: Cli, seal_type: str, name: str) -> None:
    made = cli.json("seal", "create", "--org", USCC, "--type", seal_type, "--name", name)
    assert made["type"] == seal_type and made["status"] == "active"
    if seal_type == "invoice":
        assert (made["width_mm"], made["height_mm"]) == (40.0, 30.0)


def test_missing_glyph_is_refused_and_nothing_is_created(cli: Cli) -> None:
    before = len(cli.json("seal", "list")["seals"])  # type: ignore[arg-type]
    error = cli.json("seal", "create", "--org", USCC, "--type", "legal-rep", "--name", "王\ue000",
                     expect=2)
    assert error["error"] == "GLYPH_MISSING" and error["character"] == "\ue000"
    assert len(cli.json("seal", "list")["seals"]) == before  # type: ignore[arg-type]


def test_uploaded_image_seal(cli: Cli, tmp_path: Path) -> None:
    img = Image.new("RGB", (400, 400), "white")
    img.paste((230, 0, 0), (50, 50, 350, 350))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    (tmp_path / "seal.png").write_bytes(buf.getvalue())
    made = cli.json("seal", "create", "--org", USCC, "--type", "custom", "--name", "上传章",
                    "--image", str(tmp_path / "seal.png"), "--white-transparent")
    cli.json("seal", "image", str(made["id"]), "--out", str(tmp_path / "back.png"))
    back = Image.open(tmp_path / "back.png")
    assert back.mode == "RGBA" and back.getpixel((0, 0))[3] == 0
    (tmp_path / "fake.png").write_text("<html>not an image</html>")
    error = cli.json("seal", "create", "--org", USCC, "--type", "custom", "--name", "坏图",
                     "--image", str(tmp_path / "fake.png"), expect=2)
    assert error["error"] == "IMAGE_FORMAT"


def test_seal_image_certificate_and_roots_export(cli: Cli, tmp_path: Path) -> None:
    seal = cli.json("seal", "create", "--org", USCC, "--type", "contract", "--name", "合同章2")
    cli.json("seal", "image", str(seal["id"]), "--out", str(tmp_path / "s.png"))
    png = Image.open(tmp_path / "s.png")
    assert png.size == (472, 472) and round(png.info["dpi"][0]) == 300
    cli.json("seal", "image", str(seal["id"]), "--svg", "--out", str(tmp_path / "s.svg"))
    assert (tmp_path / "s.svg").read_text().lstrip().startswith(("<svg", "<?xml"))
    cli.json("seal", "cert", str(seal["id"]), "--out", str(tmp_path / "chain.pem"))
    assert (tmp_path / "chain.pem").read_text().count("BEGIN CERTIFICATE") == 3
    assert cli.json("ca", "export", "--out", str(tmp_path / "roots.pem"))["count"] == 1


def test_sign_then_verify(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "in.pdf").write_bytes(reportlab_pdf())
    seal = cli.json("seal", "create", "--org", USCC, "--type", "contract", "--name", "签署章")
    out = tmp_path / "out.pdf"
    signed = cli.json("sign", str(tmp_path / "in.pdf"), "--seal", str(seal["id"]), "-o",
                      str(out), "--x", "120", "--y", "30", "--reason", "同意")
    assert out.is_file() and signed["field"] == "OpenSeal1"
    report = cli.json("verify", str(out))
    assert report["verdict"] == "VALID"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_sign_refusals_leave_no_file(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "in.pdf").write_bytes(reportlab_pdf())
    seal = cli.json("seal", "list")["seals"][0]["id"]  # type: ignore[index]
    missing_dir = tmp_path / "nope" / "out.pdf"
    assert cli.json("sign", str(tmp_path / "in.pdf"), "--seal", seal, "-o", str(missing_dir),
                    expect=2)["error"] == "OUTPUT_DIR"
    assert cli.json("sign", str(tmp_path / "absent.pdf"), "--seal", seal, "-o",
                    str(tmp_path / "o.pdf"), expect=2)["error"] == "FILE_UNREADABLE"
    assert cli.json("sign", str(tmp_path / "in.pdf"), "--seal", "no-such-seal", "-o",
                    str(tmp_path / "o.pdf"), expect=2)["error"] == "SEAL_NOT_FOUND"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.pdf"]


def test_verify_shows_a_report_not_library_logs(cli: Cli, shared_dir: Path) -> None:
    attack = shared_dir / "testdata/pdf-attacks-2019/isa_B.pdf"
    result = cli.run("verify", str(attack))
    assert result.returncode == 2
    assert "UNSIGNED_TRAILING_DATA" in result.stdout
    assert result.stderr == ""
