"""`openseal request|approve|reject|approval-policy` and `openseal sign --ticket`, run as real
processes against a world made over HTTP: the same services, rules and audit trail."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.api import Party, World, make_world
from tests.support.approvals import contract
from tests.support.cli import WorldCli


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("cli-approvals") / "home")


@pytest.fixture(scope="module")
def cli(world: World) -> WorldCli:
    return WorldCli(world)


def test_request_approve_sign_verify(world: World, cli: WorldCli, tmp_path: Path) -> None:
    a: Party = world.parties["A"]
    pdf = tmp_path / "contract.pdf"
    pdf.write_bytes(contract("cli"))
    made = cli.json("request", "create", str(pdf), "--seal", a.seal_id, "--purpose", "签约",
                    "--as", a.member)
    assert made["status"] == "pending" and made["requester_name"] == a.member
    approved = cli.json("approve", made["id"], "--as", a.approver, "--comment", "同意")
    assert approved["status"] == "approved" and len(approved["tickets"]) == 1
    ticket = approved["tickets"][0]["id"]
    out = tmp_path / "sealed.pdf"
    sealed = cli.json("sign", str(pdf), "--seal", a.seal_id, "-o", str(out), "--ticket", ticket)
    assert out.exists() and sealed["out"] == str(out)
    report = cli.json("verify", str(out))
    approval = report["signatures"][0]["approval"]
    assert approval["ticket"] == ticket and approval["requester"]["name"] == a.member
    assert [x["name"] for x in approval["approvers"]] == [a.approver]
    again = cli.json("sign", str(pdf), "--seal", a.seal_id, "-o", str(tmp_path / "2.pdf"),
                     "--ticket", ticket, expect=2)  # a conflict
    assert again["error"] == "TICKET_USED" and not (tmp_path / "2.pdf").exists()
    assert str(world.audit("request.approve")[-1]["actor"]).endswith(f"as user:{a.approver}")


def test_cli_keeps_four_eyes(world: World, cli: WorldCli, tmp_path: Path) -> None:
    a = world.parties["A"]
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(contract("self"))
    made = cli.json("request", "create", str(pdf), "--seal", a.seal_id, "--purpose", "自批",
                    "--as", a.member)
    refused = cli.run("approve", made["id"], "--as", a.member, "--json")
    assert refused.returncode != 0 and "FORBIDDEN" in refused.stdout + refused.stderr
    assert "Traceback" not in refused.stderr
    shown = cli.json("request", "show", made["id"], "--as", a.approver)
    assert shown["status"] == "pending" and shown["decisions"] == []
    rejected = cli.json("reject", made["id"], "--as", a.approver, "--comment", "不同意")
    assert rejected["status"] == "rejected"


def test_cli_approval_policy(world: World, cli: WorldCli) -> None:
    a = world.parties["A"]
    shown = cli.json("approval-policy", "show", a.seal_id)
    assert shown["always_required"] is False and shown["steps"][0]["role"] == "approver"
    changed = cli.json("approval-policy", "set", a.seal_id, "--step", "部门:1:role=approver",
                       "--step", f"法务:1:users={a.approver}:48", "--two-person")
    assert changed["always_required"] is True and changed["steps"][1]["hours"] == 48
    bad = cli.run("approval-policy", "set", a.seal_id, "--step", "nonsense", "--json")
    assert bad.returncode != 0 and "POLICY_STEP_FORMAT" in bad.stdout + bad.stderr
    assert cli.json("approval-policy", "show", a.seal_id)["steps"] == changed["steps"]
