"""Logs of a real `openseal serve` are JSON lines with the request id, and never hold a
password, a session token, an API client secret, a TOTP code, the token PIN or the master
key, however the request goes (log-in right or wrong, bearer calls, password change)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import pyotp
import pytest

from tests.support.api import PASSWORD, make_world
from tests.support.server import Server

PIN = "pin-7f3a9c1e"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> tuple[Server, dict[str, str]]:
    home = tmp_path_factory.mktemp("logs") / "home"
    world = make_world(home)
    party = world.parties["A"]
    world.wiring.engine.dispose()
    server = Server(home, None)
    process = server.start(OPENSEAL_LOG_LEVEL="DEBUG", OPENSEAL_PKCS11_PIN=PIN,
                           OPENSEAL_COOKIE_SECURE="false")
    secrets = _exercise(server.url, party.member, party.client_secret)
    process.terminate()
    process.wait(timeout=30)
    master = (home / "master.key").read_text().strip()
    secrets |= {"password": PASSWORD, "client_secret": party.client_secret, "pin": PIN,
                "master_key": master, "master_key_hex": base64.b64decode(master).hex()}
    return server, secrets


def _exercise(url: str, username: str, client_secret: str) -> dict[str, str]:
    found: dict[str, str] = {}
    with httpx.Client(base_url=url) as http:
        bad = http.post("/api/v1/auth/login", json={"username": username,
                                                   "password": "wrong " + PASSWORD})
        assert bad.status_code == 401
        ok = http.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD},
                       headers={"X-Request-ID": "hygiene-login-1"})
        assert ok.status_code == 200, ok.text
        found["session"] = ok.cookies.get("openseal_session") or next(iter(ok.cookies.values()))
        found["csrf"] = ok.json()["csrf_token"]
        code = pyotp.TOTP(pyotp.random_base32()).now()
        found["totp_code_field"] = f'"totp": "{code}"'
        http.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD,
                                              "totp": code})
        http.get("/api/v1/seals", headers={"Authorization": f"Bearer {client_secret}"})
        http.get("/api/v1/seals", headers={"Authorization": f"Bearer {client_secret}x"})
        http.get("/api/v1/auth/me", headers={"X-CSRF-Token": found["csrf"]})
    return found


def test_every_line_is_json_and_requests_carry_their_id(
        served: tuple[Server, dict[str, str]]) -> None:
    server, _ = served
    lines = [line for line in server.log.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # each line is one JSON object
    assert any(r.get("event", "").startswith("OpenSeal listening on") for r in records)
    requests = [r for r in records if r.get("event") == "request"]
    assert len(requests) >= 6
    assert all(r.get("request_id") and r.get("route") and r.get("status") for r in requests)
    assert any(r["request_id"] == "hygiene-login-1" and r["route"] == "/api/v1/auth/login"
               for r in requests)


def test_no_secret_reaches_the_log(served: tuple[Server, dict[str, str]]) -> None:
    server, secrets = served
    text = server.log.read_text()
    for name, secret in secrets.items():
        assert secret not in text, f"the {name} is in the server log"
    assert "BEGIN" not in text or "PRIVATE KEY" not in text


def test_the_scrubber_on_its_own() -> None:
    from openseal.ops.logs import REDACTED, scrub

    event = {"event": "login password=hunter2 Bearer osk_abcdefghijklmnopqrstuvwxyz",
             "password": "x", "Authorization": "Bearer y", "nested": {"pin": "1234"},
             "detail": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
             "seal": "合同专用章", "count": 3}
    clean = scrub(event)
    assert "hunter2" not in json.dumps(clean) and "osk_abc" not in json.dumps(clean)
    assert clean["password"] == clean["Authorization"] == clean["nested"]["pin"] == REDACTED
    assert "AAAA" not in clean["detail"]
    assert clean["seal"] == "合同专用章" and clean["count"] == 3


def test_log_path_is_the_server_log(served: tuple[Server, dict[str, str]]) -> None:
    assert Path(served[0].log).stat().st_size > 0
