"""`make run` runs `openseal demo --serve`: it must leave a verifiable sealed contract, seal
images, and administrators whose passwords (printed once) log in."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from openseal.bootstrap import Wiring
from openseal.config import Settings
from openseal.core.pki.pem import load_pem_certificates
from openseal.core.verification import verify_pdf
from openseal.interfaces.api.app import create_app

KINDS = ("official", "contract", "finance", "invoice", "legal-rep", "custom")
PEOPLE = {"admin": "platform_admin", "demo-admin": "org_admin",
          "demo-custodian": "custodian", "demo-approver": "approver", "demo-clerk": "seal_user"}
PASSWORD_LINE = re.compile(r"^\s+\S+\s+(admin|demo-[a-z]+)\s+密码（只显示这一次）：(\S+)$", re.M)


@dataclass
class Demo:
    home: Path
    first: subprocess.CompletedProcess[str]
    again: subprocess.CompletedProcess[str]


def _demo(home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPENSEAL_HOME": str(home), "OPENSEAL_LANG": "zh"}
    env.pop("OPENSEAL_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "openseal", "demo"], env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    home = tmp_path_factory.mktemp("demo") / "demo"
    first = _demo(home)
    assert first.returncode == 0, first.stderr
    again = _demo(home)  # running `make run` twice reuses the instance
    assert again.returncode == 0, again.stderr
    return Demo(home, first, again)


def test_demo_prepares_seals_and_a_valid_sealed_contract(demo: Demo) -> None:
    out = demo.home / "out"
    assert str(out / "contract-sealed.pdf") in demo.first.stdout
    for kind in KINDS:
        assert (out / f"seal-{kind}.png").stat().st_size > 1000
        assert (out / f"seal-{kind}.svg").is_file()
    roots = load_pem_certificates((out / "openseal-roots.pem").read_bytes())
    report = verify_pdf((out / "contract-sealed.pdf").read_bytes(), roots)
    assert report.verdict == "VALID"
    assert len(report.to_dict()["signatures"]) == 2
    official = report.signatures[1]  # 公章: requested by the clerk, approved by the approver
    assert official.approval is not None and official.approval["document_matches"] is True
    assert official.approval["requester"]["name"] == "demo-clerk"
    assert [a["name"] for a in official.approval["approvers"]] == ["demo-approver"]
    assert report.signatures[0].approval is None  # the contract seal: a direct-use grant
    assert "审批人: demo-approver" in demo.first.stdout
    assert "http://127.0.0.1:8000/docs" in demo.first.stdout
    assert "http://127.0.0.1:8000/verify" in demo.first.stdout


def test_demo_administrators_log_in_with_the_password_printed_once(demo: Demo) -> None:
    passwords = dict(PASSWORD_LINE.findall(demo.first.stdout))
    assert set(passwords) == set(PEOPLE)
    for password in passwords.values():
        assert demo.first.stdout.count(password) == 1
        assert password not in demo.again.stdout
    assert PASSWORD_LINE.search(demo.again.stdout) is None
    assert "user reset-password admin" in demo.again.stdout
    wiring = Wiring(Settings(home=demo.home, database_url=None))
    try:
        http = TestClient(create_app(wiring), base_url="https://testserver")
        for username, role in PEOPLE.items():
            answer = http.post("/api/v1/auth/login",
                               json={"username": username, "password": passwords[username]})
            assert answer.status_code == 200, answer.text
            assert answer.json()["user"]["role"] == role
        http.post("/api/v1/auth/login", json={"username": "demo-admin",
                                              "password": passwords["demo-admin"]})
        orgs = http.get("/api/v1/orgs").json()  # demo-admin's session: its own, verified org
        assert [(o["status"], o["sandbox"]) for o in orgs] == [("verified", False)]
    finally:
        wiring.engine.dispose()
