"""`level` when sealing over the API and the CLI: B-LTA comes back verified at B-LTA; an
unknown level is 422 and nothing is sealed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.api import World, make_world
from tests.support.approvals import contract
from tests.support.cli import WorldCli

PDF = "application/pdf"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("levels") / "home")


def test_api_level(world: World) -> None:
    a = world.parties["A"]
    member = world.login(a.member)
    sealed = member.post("/api/v1/documents/seal", data={"seal_id": a.seal_id,
                                                         "level": "B-LTA"},
                         files={"file": ("c.pdf", contract("lta"), PDF)})
    assert sealed.status_code == 200, sealed.text
    report = world.client().post("/api/v1/verify", files={
        "file": ("c.pdf", sealed.content, PDF)}).json()
    assert report["verdict"] == "VALID" and report["signatures"][0]["pades_level"] == "B-LTA"
    assert report["registry"]["status"] == "issued"
    refused = member.post("/api/v1/documents/seal", data={"seal_id": a.seal_id,
                                                          "level": "B-Z"},
                          files={"file": ("c.pdf", contract("bad"), PDF)})
    assert refused.status_code == 422 and refused.json()["code"] == "SIGNATURE_LEVEL"


def test_cli_level(world: World, tmp_path: Path) -> None:
    a = world.parties["A"]
    source, out = tmp_path / "in.pdf", tmp_path / "out.pdf"
    source.write_bytes(contract("cli-lt"))
    WorldCli(world).json("sign", str(source), "--seal", a.seal_id, "-o", str(out),
                         "--level", "B-LT")
    report = WorldCli(world).json("verify", str(out))
    assert report["signatures"][0]["pades_level"] == "B-LT"


def test_cli_verify_at(world: World, tmp_path: Path) -> None:
    """`openseal verify --at` four years ahead: the seal certificate (3 years) has expired,
    the B-LTA document stays VALID through its document timestamp; a bad time is refused."""
    source, out = tmp_path / "in.pdf", tmp_path / "out.pdf"
    source.write_bytes(contract("cli-at"))
    WorldCli(world).json("sign", str(source), "--seal", world.parties["A"].seal_id,
                         "-o", str(out), "--level", "B-LTA")
    later = (datetime.now(UTC) + timedelta(days=4 * 365)).strftime("%Y-%m-%dT%H:%M:%SZ")
    report = WorldCli(world).json("verify", str(out), "--at", later)
    assert report["verdict"] == "VALID" and report["validation_time"] == later
    assert report["signatures"][0]["proof_time"]
    refused = WorldCli(world).json("verify", str(out), "--at", "next tuesday", expect=2)
    assert refused["error"] == "VALIDATION_TIME"
