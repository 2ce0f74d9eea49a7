"""D5: on a copy of the audit log, every kind of tampering is detected by the offline
verifier (`openseal audit verify --export ... --roots ... --checkpoint ...`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from openseal.core.audit import AuditEvent, make_checkpoint
from openseal.core.audit.checkpointing import tree_root
from tests.support.instance import TestInstance, make_instance
from tests.support.pdfs import reportlab_pdf


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPENSEAL_HOME": str(home), "OPENSEAL_LANG": "en"}
    env.pop("OPENSEAL_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "openseal", *args], env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A real instance with 30+ events, an exported log, its roots and a kept checkpoint."""
    folder = tmp_path_factory.mktemp("d5")
    instance = make_instance(folder / "home")
    pdf = reportlab_pdf()
    for _ in range(25):
        instance.seal(pdf)
    home = instance.wiring.settings.home
    assert _cli(home, "audit", "checkpoint", "--out", str(folder / "kept.json")).returncode == 0
    assert _cli(home, "audit", "export", "--out", str(folder / "log.jsonl")).returncode == 0
    assert _cli(home, "ca", "export", "--out", str(folder / "roots.pem")).returncode == 0
    lines = (folder / "log.jsonl").read_text().splitlines()
    return {"folder": folder, "home": home, "lines": lines, "instance": instance}


def _verify(data: dict[str, Any], lines: list[str], name: str) -> dict[str, Any]:
    path = data["folder"] / f"{name}.jsonl"
    path.write_text("".join(line + "\n" for line in lines))
    result = _cli(data["home"], "audit", "verify", "--export", str(path), "--roots",
                  str(data["folder"] / "roots.pem"), "--checkpoint",
                  str(data["folder"] / "kept.json"), "--json")
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert result.returncode == (0 if report["ok"] else 1)
    return report


def _events(lines: list[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines if json.loads(line)["type"] == "event"]


def _codes(report: dict[str, Any]) -> set[str]:
    return {p["code"] for p in report["problems"]}


def test_untouched_copy_verifies(exported: dict[str, Any]) -> None:
    report = _verify(exported, exported["lines"], "untouched")
    assert report["ok"] and report["first_bad_seq"] is None
    assert len(_events(exported["lines"])) >= 30


def test_edited_field_names_its_sequence_number(exported: dict[str, Any]) -> None:
    lines = list(exported["lines"])
    event = json.loads(lines[12])
    event["outcome"] = "refused" if event["outcome"] == "success" else "success"
    lines[12] = json.dumps(event, ensure_ascii=False)
    report = _verify(exported, lines, "edited")
    assert not report["ok"] and report["first_bad_seq"] == 12


def test_deleted_middle_entry(exported: dict[str, Any]) -> None:
    lines = list(exported["lines"])
    del lines[15]
    report = _verify(exported, lines, "deleted")
    assert not report["ok"] and report["first_bad_seq"] == 15


def test_reordered_entries(exported: dict[str, Any]) -> None:
    lines = list(exported["lines"])
    lines[7], lines[8] = lines[8], lines[7]
    report = _verify(exported, lines, "reordered")
    assert not report["ok"] and report["first_bad_seq"] == 7


def test_truncated_tail_is_caught_by_the_kept_checkpoint(exported: dict[str, Any]) -> None:
    events = [line for line in exported["lines"] if json.loads(line)["type"] == "event"]
    kept = json.loads((exported["folder"] / "kept.json").read_text())
    truncated = events[: kept["size"] - 4]  # and drop the later checkpoints with them
    report = _verify(exported, truncated, "truncated")
    assert not report["ok"] and "LOG_TRUNCATED" in _codes(report)


def test_full_rewrite_with_a_fresh_key_is_caught(exported: dict[str, Any],
                                                 tmp_path: Path) -> None:
    forger: TestInstance = make_instance(tmp_path / "forger")  # its own root, audit key, TSA
    events = [AuditEvent.from_export(e) for e in _events(exported["lines"])]
    forged, prev = [], events[0].prev_hash
    for event in events:  # change history, then recompute the whole chain consistently
        outcome = "refused" if event.seq == 10 else event.outcome
        event = replace(event, outcome=outcome, prev_hash=prev)
        forged.append(event)
        prev = event.entry_hash()
    with forger.wiring.context() as c:
        signer = c.pki.audit_signer()
    hashes = [e.entry_hash() for e in forged]
    fake = make_checkpoint(signer.log_id, len(forged), tree_root(hashes),
                           forger.wiring.clock.now(), sign=signer.sign,
                           certificates=signer.certificates(), timestamp=signer.timestamp)
    lines = [json.dumps(e.to_export() | {"entry_hash": e.entry_hash()}, ensure_ascii=False)
             for e in forged] + [json.dumps(fake.to_json())]
    report = _verify(exported, lines, "rewritten")
    assert not report["ok"]
    assert {"KEPT_CHECKPOINT_MISMATCH", "CHECKPOINT_UNTRUSTED_SIGNER"} & _codes(report)


def test_checkpoint_signed_by_another_platform_key_is_refused(exported: dict[str, Any]) -> None:
    """The TSA's certificate chains to the same root, but only the audit key may sign."""
    instance: TestInstance = exported["instance"]
    events = [AuditEvent.from_export(e) for e in _events(exported["lines"])]
    with instance.wiring.context() as c:
        genuine = c.pki.audit_signer()
        tsa = c.pki.timestamp_authority()
        tsa_key = c.repos.get_certificate(
            c.repos.get_instance().tsa_cert_id).key_id  # type: ignore[union-attr]
        keystore = c.keystore
    hashes = [e.entry_hash() for e in events]
    forged = make_checkpoint(
        genuine.log_id, len(events), tree_root(hashes), instance.wiring.clock.now(),
        sign=lambda payload: keystore.sign_raw(str(tsa_key), payload, "sha256"),
        certificates=(tsa.certificate.dump(), *genuine.certificates()[1:]),
        timestamp=genuine.timestamp)
    lines = [line for line in exported["lines"] if json.loads(line)["type"] == "event"]
    report = _verify(exported, [*lines, json.dumps(forged.to_json())], "tsa-signed")
    assert not report["ok"] and "CHECKPOINT_UNTRUSTED_SIGNER" in _codes(report)
