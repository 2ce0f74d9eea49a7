"""`openseal template ...`, `openseal sign --template`, `openseal request create --template`
and `openseal batch --template` on a test world: the batch as a real process (its workers
are), the rest in-process (the same Typer app, its own wiring) to keep the suite fast."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from openseal.core.seals.service import SealOrder, create_seal
from openseal.interfaces.cli import app as cli_app
from tests.support.api import Party, World, make_world
from tests.support.approvals import contract
from tests.support.batch import write_pdfs
from tests.support.cli import WorldCli
from tests.support.tools import require_tool


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("cli-templates") / "home")


@pytest.fixture(scope="module")
def cli(world: World) -> WorldCli:
    return WorldCli(world)


class InProcess:
    """``openseal ARGS... --json`` in this process, on ``world``'s home: (exit code, JSON)."""

    def __init__(self, world: World) -> None:
        self.env = {"OPENSEAL_HOME": str(world.wiring.settings.home), "OPENSEAL_LANG": "en",
                    "OPENSEAL_DATABASE_URL": None}

    def run(self, *args: str) -> tuple[int, dict[str, Any]]:
        cli_app.wiring.cache_clear()  # a wiring of this home only, for this command
        try:
            done = CliRunner().invoke(cli_app.app, [*args, "--json"], env=self.env)
        finally:
            cli_app.wiring.cache_clear()
        assert done.exception is None or isinstance(done.exception, SystemExit), \
            done.exception
        return done.exit_code, dict(json.loads(done.stdout))

    def json(self, *args: str) -> dict[str, Any]:
        code, answer = self.run(*args)
        assert code == 0, answer
        return answer


@pytest.fixture(scope="module")
def local(world: World) -> InProcess:
    return InProcess(world)


@pytest.fixture(scope="module")
def two_seals(world: World, local: InProcess) -> dict[str, Any]:
    """A template of party A: its 公章 at the keyword 甲方, its contract seal at a position."""
    a = world.parties["A"]
    with world.wiring.context() as c:
        create_seal(c.repos, c.pki, c.clock, SealOrder(a.org_id, "official",
                                                                  "公章A"),
                               c.settings.base_url, audit=c.audit)
    return local.json("template", "create", "--org", a.org_id, "--name", "双章合同",
                    "--category", "contract", "--stamp", "公章A@kw=甲方",
                    "--stamp", f"{a.seal_id}@1:30:40")


def test_create_list_show_update_delete(world: World, local: InProcess, tmp_path: Path,
                                        two_seals: dict[str, Any]) -> None:
    a: Party = world.parties["A"]
    assert two_seals["stamps"][0]["keyword"] == "甲方"
    assert local.json("template", "show", "双章合同", "--org", a.org_id) == two_seals
    spec = tmp_path / "template.json"
    spec.write_text(json.dumps({
        "name": "审批模板", "category": "采购", "stamps": [{"seal_id": a.seal_id, "page": 1,
                                                          "x": 120, "y": 40}],
        "policy": {"steps": [{"name": "负责人", "users": [a.approver]}],
                   "request_hours": 48}}, ensure_ascii=False), encoding="utf-8")
    made = local.json("template", "create", "--file", str(spec), "--as", a.custodian)
    assert made["policy"]["steps"][0]["users"] == [a.approver_id]
    listed = local.json("template", "list", "--as", a.member)["templates"]
    assert {t["name"] for t in listed} >= {"双章合同", "审批模板"}
    changed = local.json("template", "update", "审批模板", "--org", a.org_id, "--level", "B-LT")
    assert (changed["version"], changed["level"], changed["policy"]) == \
        (2, "B-LT", made["policy"])
    pdf = tmp_path / "合同.pdf"
    pdf.write_bytes(contract("cli"))
    asked = local.json("request", "create", str(pdf), "--template", "审批模板", "--purpose",
                     "按模板", "--as", a.member)
    assert asked["steps"] == made["policy"]["steps"] and asked["category"] == "采购"
    assert (asked["template_id"], asked["template_version"]) == (made["id"], 2)
    code, refused = local.run("template", "create", "--name", "越权", "--stamp", a.seal_id,
                              "--as", a.member)
    assert code != 0 and refused["error"] == "FORBIDDEN"
    deleted = local.json("template", "delete", made["id"], "--as", a.custodian)
    assert deleted["id"] == made["id"]
    assert [e["action"] for e in world.audit() if e["target"] == f"template:{made['id']}"] \
        == ["template.create", "template.change", "template.delete"]


def test_sign_with_a_template_of_two_seals(local: InProcess, tmp_path: Path,
                                           two_seals: dict[str, Any]) -> None:
    pdf, out = tmp_path / "合同.pdf", tmp_path / "sealed.pdf"
    pdf.write_bytes(contract("sign"))
    sealed = local.json("sign", str(pdf), "--template", "双章合同", "-o", str(out))
    assert len(sealed["seals"]) == 2
    report = subprocess.run([require_tool("pdfsig"), str(out)], capture_output=True,
                            text=True, check=False).stdout
    assert report.count("Signature is Valid.") == 2, report
    subprocess.run([require_tool("qpdf"), "--check", str(out)], check=True,
                   capture_output=True)
    code, mixed = local.run("sign", str(pdf), "--template", "双章合同", "--seal", "公章A",
                            "-o", str(tmp_path / "mixed.pdf"))
    assert code != 0 and mixed["error"] == "TEMPLATE_WITH_OPTIONS"
    assert not (tmp_path / "mixed.pdf").exists()


def test_batch_with_a_template(cli: WorldCli, local: InProcess, tmp_path: Path,
                               two_seals: dict[str, Any]) -> None:
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    write_pdfs(in_dir, 3)
    done = cli.run("batch", str(in_dir), "-o", str(out_dir), "--template", "双章合同",
                   "--workers", "1", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["sealed"] == 3
    for name in ("doc-000.pdf", "doc-001.pdf", "doc-002.pdf"):
        report = subprocess.run([require_tool("pdfsig"), str(out_dir / name)],
                                capture_output=True, text=True, check=False).stdout
        assert report.count("Signature is Valid.") == 2, report
    code, mixed = local.run("batch", str(in_dir), "-o", str(out_dir), "--template",
                            "双章合同", "--seal", "公章A")
    assert code != 0 and mixed["error"] == "TEMPLATE_WITH_OPTIONS"
    outputs = {p.name: p.read_bytes() for p in out_dir.glob("*.pdf")}
    changed = local.json("template", "update", "双章合同", "--level", "B-T")
    assert changed["version"] == 2  # a changed template: the outputs are not done work
    rerun = cli.run("batch", str(in_dir), "-o", str(out_dir), "--template", "双章合同",
                    "--workers", "1", "--json")
    assert rerun.returncode == 1, rerun.stdout + rerun.stderr
    assert {e["error"] for e in json.loads(rerun.stdout)["errors"]} == {"TEMPLATE_CHANGED"}
    assert {p.name: p.read_bytes() for p in out_dir.glob("*.pdf")} == outputs
