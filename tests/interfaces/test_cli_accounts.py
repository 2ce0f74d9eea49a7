"""`openseal user|org|client ...`: the operator's commands, run as real processes, checked
over HTTP (the credentials they print work) and in the audit trail."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from openseal.bootstrap import Wiring
from openseal.config import Settings
from openseal.core.identity.uscc import check_character
from openseal.interfaces.api.app import create_app

PASSWORD = "correct horse battery staple 9"
_serial = count(1)


def new_uscc() -> str:
    first17 = f"91110000{os.getpid() % 1000:03d}{next(_serial):06d}"
    return first17 + check_character(first17)


class Cli:
    def __init__(self, home: Path) -> None:
        self.home = home

    def run(self, *args: str, lang: str = "zh", stdin: str | None = None
            ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "OPENSEAL_HOME": str(self.home), "OPENSEAL_LANG": lang}
        env.pop("OPENSEAL_DATABASE_URL", None)
        return subprocess.run([sys.executable, "-m", "openseal", *args], env=env, input=stdin,
                               capture_output=True, text=True, timeout=120)

    def json(self, *args: str, expect: int = 0, stdin: str | None = None) -> dict[str, Any]:
        result = self.run(*args, "--json", stdin=stdin)
        assert result.returncode == expect, result.stderr + result.stdout
        assert "Traceback" not in result.stderr
        return dict(json.loads(result.stdout))

    def register(self, admin: str) -> dict[str, Any]:
        """A self-service style registration (unverified), its admin's password from stdin."""
        return self.json("org", "register", "--name", f"示例科技有限公司{admin}", "--uscc",
                         new_uscc(), "--legal-rep", "张三", "--contact-name", "李四",
                         "--contact-email", f"{admin}@example.com", "--admin-username", admin,
                         "--admin-password-stdin", stdin=PASSWORD + "\n")

    def submit_licence(self, org_id: str, folder: Path) -> dict[str, Any]:
        licence = folder / "licence.png"
        out = io.BytesIO()
        Image.new("RGB", (600, 400), "white").save(out, "PNG")
        licence.write_bytes(out.getvalue())
        return self.json("org", "submit-licence", org_id, str(licence), "--legal-rep-name",
                         "张三", "--legal-rep-id-number", "11010519491231002X")


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    cli = Cli(tmp_path_factory.mktemp("cli-accounts") / "home")
    cli.json("init")
    return cli


@pytest.fixture(scope="module")
def wiring(cli: Cli) -> Iterator[Wiring]:
    """The same instance, in this process: the HTTP API and the audit trail."""
    wired = Wiring(Settings(home=cli.home, database_url=None))
    yield wired
    wired.engine.dispose()


@pytest.fixture(scope="module")
def http_app(wiring: Wiring) -> Any:
    return create_app(wiring)


def audit(wiring: Wiring, action: str) -> list[dict[str, Any]]:
    with wiring.context() as c:
        return [e.to_export() for e, _ in c.repos.list_audit(action=action)]


def client(app: Any) -> TestClient:
    return TestClient(app, base_url="https://testserver", raise_server_exceptions=False)


def login(app: Any, username: str, password: str = PASSWORD, **extra: str) -> TestClient:
    http = client(app)
    answer = http.post("/api/v1/auth/login",
                       json={"username": username, "password": password, **extra})
    assert answer.status_code == 200, answer.text
    http.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return http


def login_status(app: Any, username: str, password: str = PASSWORD) -> int:
    answer = client(app).post("/api/v1/auth/login",
                              json={"username": username, "password": password})
    return answer.status_code


def test_create_admin_prints_a_password_once_that_logs_in(cli: Cli, wiring: Wiring,
                                                           http_app: Any) -> None:
    shown = cli.run("user", "create-admin", "root", "--email", "root@example.com")
    assert shown.returncode == 0, shown.stderr
    password = shown.stdout.strip().splitlines()[-1].split("：")[-1].strip()
    assert len(password) >= 16 and shown.stdout.count(password) == 1
    me = login(http_app, "root", password).get("/api/v1/auth/me").json()
    assert me["role"] == "platform_admin" and me["org_id"] is None
    made = cli.json("user", "create-admin", "root2", "--email", "root2@example.com",
                    "--password-stdin", stdin=PASSWORD + "\n")
    assert made["password"] is None and made["user"]["role"] == "platform_admin"
    assert login_status(http_app, "root2") == 200
    again = cli.json("user", "create-admin", "root", "--email", "x@example.com", expect=2)
    assert again["error"] == "USERNAME_TAKEN"
    event = [e for e in audit(wiring, "user.create") if e["outcome"] == "success"][-1]
    assert event["actor"].startswith("cli:") and event["details"]["username"] == "root2"


def test_register_submit_approve_makes_the_org_verified(cli: Cli, wiring: Wiring,
                                                         tmp_path: Path) -> None:
    registered = cli.register("reg-admin")
    org_id = registered["id"]
    assert (registered["status"], registered["sandbox"]) == ("unverified", True)
    assert registered["admin"]["password"] is None
    assert cli.submit_licence(org_id, tmp_path)["status"] == "pending"
    approved = cli.json("org", "approve", org_id)
    assert (approved["status"], approved["sandbox"]) == ("verified", False)
    assert cli.json("org", "show", registered["uscc"])["status"] == "verified"
    listed = {o["id"]: o for o in cli.json("org", "list")["organizations"]}
    assert listed[org_id]["status"] == "verified"
    for action in ("org.register", "org.verification_submit", "org.verification_approve"):
        events = [e for e in audit(wiring, action) if e["target"] == f"org:{org_id}"]
        assert [e["outcome"] for e in events] == ["success"], action
        assert events[0]["actor"].startswith("cli:")


def test_register_prints_a_random_admin_password_once(cli: Cli, http_app: Any) -> None:
    shown = cli.run("org", "register", "--name", "随机密码示例有限公司", "--uscc", new_uscc(),
                    "--legal-rep", "张三", "--contact-name", "李四", "--contact-email",
                    "rand@example.com", "--admin-username", "rand-admin", lang="en")
    assert shown.returncode == 0, shown.stderr
    line = next(x for x in shown.stdout.splitlines() if x.startswith("Password"))
    password = line.split(": ", 1)[1].strip()
    assert shown.stdout.count(password) == 1
    assert login_status(http_app, "rand-admin", password) == 200


def test_reject_needs_a_reason_and_changes_nothing_without_one(cli: Cli, wiring: Wiring,
                                                                 tmp_path: Path) -> None:
    org_id = cli.register("rej-admin")["id"]
    cli.submit_licence(org_id, tmp_path)
    refused = cli.json("org", "reject", org_id, expect=2)
    assert refused["error"] == "REASON_REQUIRED" and refused["field"] == "reason"
    human = cli.run("org", "reject", org_id, "--reason", "  ")
    assert human.returncode == 2 and "驳回时必须填写原因" in human.stderr
    assert "Traceback" not in human.stderr
    assert "A rejection needs a reason" in cli.run("org", "reject", org_id, lang="en").stderr
    assert cli.json("org", "show", org_id)["status"] == "pending"
    mine = [e for e in audit(wiring, "org.verification_reject") if e.get("details", {}).get(
        "org") == org_id or e["target"] == f"org:{org_id}"]
    assert mine and {e["outcome"] for e in mine} == {"refused"}
    rejected = cli.json("org", "reject", org_id, "--reason", "营业执照不清晰")
    assert rejected["status"] == "rejected" and rejected["decision_reason"] == "营业执照不清晰"


def test_invitation_token_works_once(cli: Cli, http_app: Any) -> None:
    org_id = cli.register("inv-admin")["id"]
    invited = cli.json("user", "invite", "--org", org_id, "--email", "new@example.com")
    assert invited["role"] == "seal_user" and invited["token"].startswith("osi_")
    assert invited["expires_at"]
    body = {"token": invited["token"], "username": "invited-one", "password": PASSWORD}
    accepted = client(http_app).post("/api/v1/invitations/accept", json=body)
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["org_id"] == org_id
    again = client(http_app).post("/api/v1/invitations/accept",
                                  json=body | {"username": "invited-two"})
    assert again.status_code == 403
    users = cli.json("user", "list", "--org", org_id)["users"]
    assert {u["username"] for u in users} == {"inv-admin", "invited-one"}
    bad = cli.json("user", "invite", "--org", org_id, "--email", "x@example.com", "--role",
                   "platform_admin", expect=2)
    assert bad["error"] == "ROLE_UNKNOWN"


def test_disable_ends_the_session_and_enable_lets_them_back(cli: Cli, http_app: Any) -> None:
    cli.register("dis-admin")
    http = login(http_app, "dis-admin")
    assert http.get("/api/v1/auth/me").status_code == 200
    disabled = cli.json("user", "disable", "dis-admin")
    assert disabled["user"]["status"] == "disabled"
    assert http.get("/api/v1/auth/me").status_code == 401
    assert login_status(http_app, "dis-admin") != 200
    assert cli.json("user", "enable", "dis-admin")["user"]["status"] == "active"
    assert login_status(http_app, "dis-admin") == 200
    assert cli.json("user", "disable", "nobody-here", expect=2)["error"] == "USER_NOT_FOUND"


def test_reset_password_prints_a_new_one_and_ends_sessions(cli: Cli, wiring: Wiring,
                                                           http_app: Any) -> None:
    cli.register("pw-admin")
    http = login(http_app, "pw-admin")
    reset = cli.json("user", "reset-password", "pw-admin")
    assert http.get("/api/v1/auth/me").status_code == 401
    assert login_status(http_app, "pw-admin") != 200
    assert login_status(http_app, "pw-admin", reset["password"]) == 200
    chosen = "another long passphrase 31"
    assert cli.json("user", "reset-password", "pw-admin", "--password-stdin",
                    stdin=chosen + "\n")["password"] is None
    assert login_status(http_app, "pw-admin", chosen) == 200
    assert audit(wiring, "user.password_reset")[-1]["details"] == {"sessions_ended": True}


def test_reset_2fa_turns_totp_off_and_ends_sessions(cli: Cli, wiring: Wiring,
                                                    http_app: Any) -> None:
    cli.register("otp-admin")
    http = login(http_app, "otp-admin")
    secret = http.post("/api/v1/auth/totp/setup").json()["secret"]
    confirmed = http.post("/api/v1/auth/totp/confirm", json={"code": pyotp.TOTP(secret).now()})
    assert confirmed.status_code == 200, confirmed.text
    assert login_status(http_app, "otp-admin") != 200  # a code is needed now
    later = login(http_app, "otp-admin", recovery_code=confirmed.json()["recovery_codes"][0])
    reset = cli.json("user", "reset-2fa", "otp-admin")
    assert reset["user"]["totp_enabled"] is False
    assert later.get("/api/v1/auth/me").status_code == 401
    assert login_status(http_app, "otp-admin") == 200
    event = audit(wiring, "user.totp_reset")[-1]
    assert event["outcome"] == "success" and event["details"]["was_enabled"] is True


def test_client_secret_authenticates_until_revoked(cli: Cli, http_app: Any) -> None:
    org_id = cli.register("cl-admin")["id"]
    made = cli.json("client", "create", "--org", org_id, "--name", "ERP", "--scope",
                    "seals:read", "--scope", "documents:seal", "--days", "30")
    assert made["scopes"] == ["seals:use", "seals:view"]  # old names kept as aliases
    bearer = client(http_app)
    bearer.headers["Authorization"] = f"Bearer {made['secret']}"
    me = bearer.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json()["kind"] == "client"
    assert me.json()["org_id"] == org_id
    listed = cli.json("client", "list", "--org", org_id)["clients"]
    assert [c["id"] for c in listed] == [made["id"]] and "secret" not in listed[0]
    other = cli.register("cl-other")["id"]
    assert cli.json("client", "revoke", made["id"], "--org", other,
                    expect=2)["error"] == "CLIENT_NOT_FOUND"
    assert bearer.get("/api/v1/auth/me").status_code == 200
    revoked = cli.json("client", "revoke", made["id"], "--org", org_id)
    assert revoked["revoked_at"] is not None
    assert bearer.get("/api/v1/auth/me").status_code == 401
    bad = cli.json("client", "create", "--org", org_id, "--name", "X", "--scope", "bogus",
                   expect=2)
    assert bad["error"] == "SCOPE_UNKNOWN"
