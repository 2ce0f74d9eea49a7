"""C11 audit_completeness_and_hygiene: every authentication event and every refusal leaves an
audit row saying who, what, to what, when (UTC), from where and with what outcome; no
password, one-time code, recovery code, session or CSRF token, client secret or invitation
token is ever written to the audit trail or to a log; control characters a caller sends (in
a username, in the User-Agent) are stored escaped, so no log viewer shows a forged line.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.acceptance import api_world
from tests.acceptance.api_world import (
    DEVICE_COOKIE,
    LOGIN,
    ME,
    SESSION_COOKIE,
    audit,
    files_containing,
    logs_in_home,
    stop_clock,
    unique,
    with_cookie,
)
from tests.support.api import PASSWORD, World, totp_now

world = api_world.world  # the fixture each test takes (sqlite, postgresql)

WRONG = "wrong password typed by someone 5"


class Scenario:
    """Runs C1-C10-style actions over HTTP and remembers every secret that crossed the wire."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.secrets: dict[str, str] = {"default password": PASSWORD, "wrong password": WRONG}
        self.codes: dict[str, str] = {}  # six-digit one-time codes (searched as whole words)
        for key, party in world.parties.items():
            self.secrets[f"client secret {key}"] = party.client_secret

    def keep(self, what: str, value: str) -> str:
        assert value, what
        self.secrets[what] = value
        return value

    def login(self, username: str, password: str, what: str, **extra: str) -> TestClient:
        http = self.world.client()
        answer = http.post(LOGIN, json={"username": username, "password": password, **extra})
        assert answer.status_code == 200, answer.text
        http.headers["X-CSRF-Token"] = self.keep(f"csrf {what}", answer.json()["csrf_token"])
        session, device = http.cookies.get(SESSION_COOKIE), http.cookies.get(DEVICE_COOKIE)
        assert session and device
        self.keep(f"session {what}", session)
        self.keep(f"device mac {what}", device.rsplit(".", 1)[-1])  # the signature part
        return http


def _expect(events: list[dict[str, Any]], action: str, outcome: str, target: str,
            **details: object) -> dict[str, Any]:
    """The one new event with this action, outcome and target (and these details)."""
    found = [e for e in events if e["action"] == action and e["outcome"] == outcome
             and e["target"] == target
             and all(e["details"].get(k) == v for k, v in details.items())]
    assert found, f"no audit row {action} {outcome} {target} {details}"
    return found[-1]


def _is_utc(text: str) -> bool:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (text.endswith("Z") or text.endswith("+00:00")) and \
        moment.utcoffset() == timedelta(0)


def _run_scenario(world: World, s: Scenario) -> dict[str, str]:
    """Every kind of event C11 names; returns {label: expected target} bits it needs."""
    a, b = world.parties["A"], world.parties["B"]
    admin = s.login(a.admin, PASSWORD, "admin")
    anonymous = world.client()

    # invitation and a new user
    invited = admin.post("/api/v1/invitations", json={"email": "c11@example.com"})
    assert invited.status_code == 201
    name, own_password = unique(), s.keep("new user's password", f"C11 {unique('pw')} pass")
    accepted = anonymous.post("/api/v1/invitations/accept", json={
        "token": s.keep("invitation token", invited.json()["token"]), "username": name,
        "password": own_password})
    assert accepted.status_code == 201, accepted.text
    user_id = accepted.json()["id"]

    # failed logins until throttled (clock stopped: the delay cannot pass meanwhile)
    stop_clock(world)
    answers = [anonymous.post(LOGIN, json={"username": name, "password": WRONG}).status_code
               for _ in range(7)]
    assert answers == [401] * 6 + [429]
    ghost = unique("ghost")
    assert anonymous.post(LOGIN, json={"username": ghost, "password": WRONG}
                          ).status_code == 401
    world.clock.advance(seconds=2)  # past the 1 s delay

    # TOTP: enrol, a wrong code, the right code, logout, the dead cookie, a recovery code
    http = s.login(name, own_password, "enrolment")
    secret = s.keep("totp secret", http.post("/api/v1/auth/totp/setup").json()["secret"])
    s.codes["enrolment code"] = totp_now(secret, world.clock)
    confirmed = http.post("/api/v1/auth/totp/confirm", json={"code": s.codes["enrolment code"]})
    assert confirmed.status_code == 200
    for i, code in enumerate(confirmed.json()["recovery_codes"]):
        s.keep(f"recovery code {i}", code)
        s.keep(f"recovery code {i} compact", code.replace("-", ""))
    world.clock.advance(seconds=30)
    right = s.codes["right code"] = totp_now(secret, world.clock)
    wrong = s.codes["wrong code"] = f"{(int(right) + 7) % 1_000_000:06d}"
    assert anonymous.post(LOGIN, json={"username": name, "password": own_password,
                                       "code": wrong}).status_code == 403
    http = s.login(name, own_password, "totp", code=right)
    dead = s.secrets["session totp"]
    assert http.post("/api/v1/auth/logout").status_code == 204
    assert with_cookie(world, dead).get(ME).status_code == 401
    s.login(name, own_password, "recovery", recovery_code=s.secrets["recovery code 0"])

    # refusals: CSRF, another tenant's organisation, a missing scope
    forged = with_cookie(world, s.secrets["session admin"])
    assert forged.post("/api/v1/invitations", json={"email": "x@example.com"}
                       ).status_code == 403
    assert admin.get(f"/api/v1/orgs/{b.org_id}").status_code == 404
    member = s.login(a.member, PASSWORD, "member")
    assert member.get("/api/v1/users").status_code == 403

    # an API client: created, used, revoked, refused
    made = admin.post("/api/v1/clients", json={"name": "C11 ERP", "scopes": ["seals:read"]})
    assert made.status_code == 201
    client_id, bearer = made.json()["id"], s.keep("client secret C11", made.json()["secret"])
    assert world.bearer(bearer).get(ME).status_code == 200
    assert admin.post(f"/api/v1/clients/{client_id}/revoke").status_code == 200
    assert world.bearer(bearer).get(ME).status_code == 401

    # disable the user; their next login is refused
    assert admin.post(f"/api/v1/users/{user_id}/disable").status_code == 200
    assert anonymous.post(LOGIN, json={"username": name, "password": own_password}
                          ).status_code == 403
    return {"invitation": f"invitation:{invited.json()['id']}", "user": f"user:{user_id}",
            "ghost": f"username:{ghost}", "client": f"client:{client_id}",
            "b org": f"org:{b.org_id}"}


def test_C11_every_auth_event_and_refusal_is_audited_without_secrets(world: World) -> None:
    start = len(audit(world))
    s = Scenario(world)
    with logs_in_home(world) as log:
        t = _run_scenario(world, s)
    events = audit(world)[start:]
    user = t["user"]

    expected = [
        _expect(events, "user.invite", "success", t["invitation"]),
        _expect(events, "user.create", "success", user),
        _expect(events, "auth.login", "failed", user, reason="wrong_password",
                error="INVALID_CREDENTIALS"),
        _expect(events, "auth.login", "refused", user, reason="throttled",
                error="LOGIN_THROTTLED"),
        _expect(events, "auth.login", "failed", t["ghost"], reason="unknown_user"),
        _expect(events, "user.totp_enable", "success", user),
        _expect(events, "auth.login", "failed", user, reason="totp_invalid"),
        _expect(events, "auth.login", "success", user, second_factor="totp"),
        _expect(events, "auth.logout", "success", user),
        _expect(events, "auth.session_rejected", "refused", "/api/v1/auth/me",
                error="LOGIN_REQUIRED"),
        _expect(events, "auth.recovery_code_used", "success", user),
        _expect(events, "auth.login", "success", user, second_factor="recovery_code"),
        _expect(events, "authz.denied", "denied", "POST /api/v1/invitations",
                error="CSRF_FAILED"),
        _expect(events, "authz.denied", "denied", t["b org"]),
        _expect(events, "authz.denied", "denied", "scope:users:manage", error="FORBIDDEN"),
        _expect(events, "client.create", "success", t["client"]),
        _expect(events, "client.use", "success", t["client"]),
        _expect(events, "client.revoke", "success", t["client"]),
        _expect(events, "auth.token_rejected", "refused", "GET /api/v1/auth/me",
                error="TOKEN_INVALID"),
        _expect(events, "user.disable", "success", user),
        _expect(events, "auth.login", "refused", user, reason="disabled",
                error="ACCOUNT_DISABLED"),
    ]
    for event in expected:
        where = f"{event['action']} {event['target']}"
        assert event["actor"] and event["actor_kind"], where
        assert _is_utc(str(event["time"])), where
        assert event["client_addr"] == "testclient", where
        assert event["agent"] == "testclient", where
    # who: the right actor for each kind of event
    assert expected[0]["actor"] == f"user:{world.parties['A'].admin}"
    assert expected[2]["actor"] == "anonymous"
    assert expected[13]["actor"] == f"user:{world.parties['A'].admin}"
    assert expected[14]["actor"] == f"user:{world.parties['A'].member}"
    assert expected[16]["actor"] == "client:C11 ERP"
    # every event this scenario caused came from the HTTP caller, in UTC
    for event in events:
        if event["actor_kind"] != "system":
            assert event["client_addr"] == "testclient", event
        assert _is_utc(str(event["time"])), event

    # no secret in the audit trail, the log, or any file under the home (database included)
    everything = json.dumps(audit(world), ensure_ascii=False)
    logged = log.read_text(encoding="utf-8")
    assert "/api/v1/auth/login" in logged  # the log did record this scenario
    assert [w for w, v in s.secrets.items() if v in everything] == []
    assert [w for w, v in s.secrets.items() if v in logged] == []
    assert files_containing(world.wiring.settings.home, s.secrets) == []
    for what, code in s.codes.items():
        word = re.compile(rf"(?<![0-9A-Za-z]){code}(?![0-9A-Za-z])")
        assert not word.search(everything), what
        assert not word.search(logged), what


def test_C11_control_characters_from_callers_are_escaped(world: World) -> None:
    hostile = "evil\r\nadmin\x1b[31m"
    answer: httpx.Response = world.client().post(
        LOGIN, json={"username": hostile, "password": WRONG},
        headers={"User-Agent": "agent\x1b[2J\x1b[31mred"})
    assert answer.status_code == 401
    assert answer.json()["code"] == "INVALID_CREDENTIALS"

    events = [e for e in audit(world, "auth.login")
              if str(e["target"]).startswith("username:evil")]
    assert len(events) == 1
    event = events[0]
    target, agent = str(event["target"]), str(event["agent"])
    for text in (target, agent, json.dumps(event, ensure_ascii=False)):
        assert not {"\r", "\n", "\x1b"} & set(text), repr(text)
    assert target == "username:evil\\u000d\\u000aadmin\\u001b[31m"
    assert agent == "agent\\u001b[2J\\u001b[31mred"
    assert event["outcome"] == "failed" and event["details"]["reason"] == "unknown_user"
