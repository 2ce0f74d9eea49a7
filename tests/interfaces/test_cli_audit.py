"""`openseal audit ...` as an auditor would use it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from openseal.core.audit import verify_inclusion
from tests.support.pdfs import reportlab_pdf

USCC = "91350100M000100Y43"


def _run(home: Path, *args: str, expect: int = 0) -> dict[str, Any]:
    env = {**os.environ, "OPENSEAL_HOME": str(home), "OPENSEAL_LANG": "en",
           "OPENSEAL_AUDIT_CHECKPOINT_EVERY": "5"}
    env.pop("OPENSEAL_DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "openseal", *args, "--json"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == expect, result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("audit") / "home"
    _run(home, "init")
    _run(home, "org", "create", "--name", "北京开源印章科技有限公司", "--uscc", USCC)
    seal = _run(home, "seal", "create", "--org", USCC, "--type", "contract", "--name", "合同章")
    work = home.parent
    (work / "in.pdf").write_bytes(reportlab_pdf())
    (work / "bad.pdf").write_text("<html>not a pdf</html>")
    _run(home, "sign", str(work / "in.pdf"), "--seal", str(seal["id"]), "-o",
         str(work / "out.pdf"))
    _run(home, "sign", str(work / "bad.pdf"), "--seal", str(seal["id"]), "-o",
         str(work / "bad-out.pdf"), expect=2)
    _run(home, "verify", str(work / "out.pdf"))
    return home


def test_every_action_is_listed_with_refusals(home: Path) -> None:
    events = _run(home, "audit", "list")["events"]
    actions = [(e["action"], e["outcome"]) for e in events]
    for expected in [("instance.init", "success"), ("org.create", "success"),
                     ("seal.create", "success"), ("seal.use", "success"),
                     ("seal.use", "refused"), ("document.verify", "success"),
                     ("audit.checkpoint", "success")]:
        assert expected in actions
    refused = [e for e in events if e["outcome"] == "refused"][0]
    assert refused["details"]["error"] == "NOT_A_PDF"
    assert [e["seq"] for e in events] == list(range(len(events)))
    only = _run(home, "audit", "list", "--action", "seal.use")["events"]
    assert {e["action"] for e in only} == {"seal.use"}


def test_checkpoints_reach_the_witness_directory(home: Path) -> None:
    made = _run(home, "audit", "checkpoint", "--out", str(home.parent / "cp.json"))
    witness = home / "witness" / f"checkpoint-{made['size']:012d}.json"
    assert json.loads(witness.read_text()) == json.loads((home.parent / "cp.json").read_text())


def test_export_verifies_offline_against_a_kept_checkpoint(home: Path) -> None:
    work = home.parent
    _run(home, "audit", "checkpoint", "--out", str(work / "kept.json"))
    _run(home, "audit", "export", "--out", str(work / "log.jsonl"))
    _run(home, "ca", "export", "--out", str(work / "roots.pem"))
    report = _run(home, "audit", "verify", "--export", str(work / "log.jsonl"), "--roots",
                  str(work / "roots.pem"), "--checkpoint", str(work / "kept.json"))
    assert report["ok"] is True
    assert _run(home, "audit", "verify")["ok"] is True  # the live database too


def test_inclusion_proof_verifies(home: Path) -> None:
    proof = _run(home, "audit", "proof", "--seq", "3")
    assert verify_inclusion(3, proof["tree_size"], bytes.fromhex(proof["entry_hash"]),
                            [bytes.fromhex(p) for p in proof["proof"]],
                            bytes.fromhex(proof["root_hash"]))
    assert proof["checkpoint"]["root_hash"] == proof["root_hash"]
    assert _run(home, "audit", "proof", "--seq", "99999", expect=2)["error"] == \
        "AUDIT_SEQ_NOT_FOUND"
