"""C10 session_and_csrf: sessions begin fresh, end when they must, and cookies cannot be
ridden by another site; GET never changes anything.

* Login always issues a new session id; a cookie planted before login (made up, or a real
  session of someone else) is never adopted.
* Logout, logout-all, the user being disabled, a password change and turning TOTP on or off
  end the sessions at once; so do the idle (30 min) and absolute (12 h) timeouts.
* Cookies are ``Secure; HttpOnly; SameSite=strict``.
* A cookie-authenticated POST/PATCH without the session's X-CSRF-Token (missing, wrong, or
  another session's) is 403 CSRF_FAILED, changes nothing and is audited; bearer clients
  need no token.
* Every GET route of the app (from the route table, so new routes are covered) leaves the
  database as it was; GET on a state-changing route is not routed to it.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from openseal.core.accounts.secrets import token_digest
from tests.acceptance import api_world
from tests.acceptance.api_world import (
    DEVICE_COOKIE,
    LOGIN,
    ME,
    SESSION_COOKIE,
    audit,
    cookie_value,
    login_with_totp,
    new_user,
    session_rows,
    set_cookies,
    stop_clock,
    with_cookie,
)
from tests.support.api import PASSWORD, World, totp_now
from tests.support.routes import ID_OF

world = api_world.world  # the fixture each test takes (sqlite, postgresql)

NEW_PASSWORD = "another long passphrase 31"


def _token(http: TestClient) -> str:
    value = http.cookies.get(SESSION_COOKIE)
    assert value
    return str(value)


def _alive(world: World, token: str) -> bool:
    """Whether the session ``token`` is accepted; anything else must be LOGIN_REQUIRED."""
    answer = with_cookie(world, token).get(ME)
    if answer.status_code == 200:
        return True
    assert answer.status_code == 401 and answer.json()["code"] == "LOGIN_REQUIRED", answer.text
    return False


def _sessions(world: World, name: str, n: int) -> list[tuple[TestClient, str]]:
    """``n`` logged-in browsers of ``name``: (client with CSRF header, session token)."""
    browsers = [world.login(name) for _ in range(n)]
    return [(http, _token(http)) for http in browsers]


# --- a new session on every login ------------------------------------------------------------

def test_C10_login_issues_a_new_session_id_never_a_planted_one(world: World) -> None:
    name, user_id = new_user(world)
    planted = "oss_made-up-by-the-attacker-0123456789abcdefghijklmn"
    assert not _alive(world, planted)
    answer = with_cookie(world, planted).post(LOGIN, json={"username": name,
                                                           "password": PASSWORD})
    assert answer.status_code == 200
    issued = cookie_value(answer)
    assert issued != planted
    assert _alive(world, issued) and not _alive(world, planted)

    # a real session of the attacker planted in the victim's browser is not upgraded either
    attacker = _token(world.login(world.parties["B"].member))
    answer = with_cookie(world, attacker).post(LOGIN, json={"username": name,
                                                            "password": PASSWORD})
    victim = cookie_value(answer)
    assert victim not in (attacker, issued)
    assert with_cookie(world, attacker).get(ME).json()["name"] == world.parties["B"].member
    assert with_cookie(world, victim).get(ME).json()["name"] == name

    # each login its own session (and its own CSRF token)
    again = world.login(name)
    assert _token(again) not in (issued, victim)
    assert session_rows(world, user_id) == 3
    assert len({answer.json()["csrf_token"], again.headers["X-CSRF-Token"]}) == 2


def test_C10_cookies_are_secure_httponly_samesite_strict(world: World) -> None:
    answer = world.client().post(LOGIN, json={"username": world.parties["A"].member,
                                              "password": PASSWORD})
    assert answer.status_code == 200
    raw = set_cookies(answer)
    assert set(raw) == {SESSION_COOKIE, DEVICE_COOKIE}
    for name, header in raw.items():
        attributes = {part.strip().split("=")[0].lower(): part.strip().partition("=")[2]
                      for part in header.split(";")[1:]}
        assert "secure" in attributes, header
        assert "httponly" in attributes, header
        assert attributes.get("samesite", "").lower() == "strict", header
        parsed: SimpleCookie = SimpleCookie()
        parsed.load(header)
        assert parsed[name]["secure"] and parsed[name]["httponly"], header
    assert "max-age" not in raw[SESSION_COOKIE].lower()  # gone when the browser closes


# --- sessions end when they must -------------------------------------------------------------

def test_C10_logout_kills_the_session(world: World) -> None:
    name, user_id = new_user(world)
    (first, token), (_, other) = _sessions(world, name, 2)
    answer = first.post("/api/v1/auth/logout")
    assert answer.status_code == 204
    assert SESSION_COOKIE in set_cookies(answer)  # the browser is told to drop it
    assert not _alive(world, token)  # the old cookie, replayed, is dead on the server
    assert _alive(world, other)  # "log out" ends this session only
    assert session_rows(world, user_id) == 1


def test_C10_logout_all_kills_every_session(world: World) -> None:
    name, user_id = new_user(world)
    browsers = _sessions(world, name, 3)
    assert browsers[0][0].post("/api/v1/auth/logout-all").status_code == 204
    assert [_alive(world, token) for _, token in browsers] == [False] * 3
    assert session_rows(world, user_id) == 0


def test_C10_disabling_the_user_kills_all_their_sessions_at_once(world: World) -> None:
    name, user_id = new_user(world)
    browsers = _sessions(world, name, 3)
    admin = world.login(world.parties["A"].admin)
    answer = admin.post(f"/api/v1/users/{user_id}/disable")
    assert answer.status_code == 200 and answer.json()["status"] == "disabled"
    assert session_rows(world, user_id) == 0
    assert [_alive(world, token) for _, token in browsers] == [False] * 3
    refused = world.client().post(LOGIN, json={"username": name, "password": PASSWORD})
    assert refused.status_code == 403 and refused.json()["code"] == "ACCOUNT_DISABLED"
    assert admin.get(ME).status_code == 200  # the administrator's own session lives on


def test_C10_password_change_kills_all_sessions(world: World) -> None:
    name, user_id = new_user(world)
    browsers = _sessions(world, name, 2)
    answer = browsers[0][0].post("/api/v1/auth/password", json={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert answer.status_code == 204, answer.text
    assert [_alive(world, token) for _, token in browsers] == [False, False]
    assert session_rows(world, user_id) == 0
    assert world.client().post(LOGIN, json={"username": name, "password": PASSWORD}
                               ).status_code == 401
    assert _alive(world, _token(world.login(name, NEW_PASSWORD)))


def test_C10_totp_enable_and_disable_kill_all_sessions(world: World) -> None:
    name, user_id = new_user(world)
    (first, _), (_, second) = _sessions(world, name, 2)
    secret = first.post("/api/v1/auth/totp/setup").json()["secret"]
    assert _alive(world, second) and session_rows(world, user_id) == 2  # only started
    confirmed = first.post("/api/v1/auth/totp/confirm",
                           json={"code": totp_now(secret, world.clock)})
    assert confirmed.status_code == 200, confirmed.text
    assert not _alive(world, _token(first)) and not _alive(world, second)
    assert session_rows(world, user_id) == 0

    world.clock.advance(seconds=30)
    third = login_with_totp(world, name, secret)
    world.clock.advance(seconds=30)
    fourth = _token(login_with_totp(world, name, secret))
    assert third.post("/api/v1/auth/totp/disable",
                      json={"password": PASSWORD}).status_code == 204
    assert not _alive(world, _token(third)) and not _alive(world, fourth)
    assert session_rows(world, user_id) == 0


def test_C10_idle_timeout(world: World) -> None:
    name, _ = new_user(world)
    (_, used), (_, unused) = _sessions(world, name, 2)
    stop_clock(world)
    world.clock.advance(minutes=20)
    assert _alive(world, used)  # activity at 20 min restarts its idle time
    world.clock.advance(minutes=11)
    assert not _alive(world, unused)  # 31 min without a request
    assert _alive(world, used)  # 11 min idle
    world.clock.advance(minutes=31)
    assert not _alive(world, used)


def test_C10_a_refused_session_is_deleted_and_the_refusal_audited(world: World) -> None:
    """The refusal rolls its own transaction back; the session row still goes."""
    name, _ = new_user(world)
    (_, token), = _sessions(world, name, 1)
    stop_clock(world)
    world.clock.advance(minutes=31)
    with world.wiring.context() as c:
        assert c.repos.get_session_by_digest(token_digest(token)) is not None
    assert not _alive(world, token)
    with world.wiring.context() as c:
        assert c.repos.get_session_by_digest(token_digest(token)) is None
    assert world.audit("auth.session_rejected")[-1]["details"]["error"] == "LOGIN_REQUIRED"


def test_C10_absolute_timeout(world: World) -> None:
    """Kept busy with a request every 20 minutes, the session still ends at 12 hours."""
    name, _ = new_user(world)
    stop_clock(world)
    token = _token(world.login(name))
    answers = {}
    for minutes in range(20, 12 * 60 + 1, 20):
        world.clock.advance(minutes=20)
        answers[minutes] = _alive(world, token)
    assert all(alive for minutes, alive in answers.items() if minutes < 12 * 60), answers
    assert answers[12 * 60] is False


# --- CSRF ------------------------------------------------------------------------------------

STATE_TABLES_SKIP = {"audit_events", "audit_head", "audit_checkpoints"}
COLUMNS_SKIP = {("sessions", "last_seen_at"), ("api_clients", "last_used_at")}


def _layout(world: World) -> dict[str, list[str]]:
    """The tables that hold state and their columns: all but the audit log and the two
    "last used" times (which a read may bump)."""
    with world.wiring.engine.connect() as conn:
        found = inspect(conn)
        return {table: [c["name"] for c in found.get_columns(table)
                        if (table, c["name"]) not in COLUMNS_SKIP]
                for table in found.get_table_names() if table not in STATE_TABLES_SKIP}


def snapshot(world: World, layout: dict[str, list[str]] | None = None
             ) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every state table."""
    state: dict[str, list[tuple[Any, ...]]] = {}
    with world.wiring.engine.connect() as conn:
        for table, cols in (layout or _layout(world)).items():
            rows = conn.execute(text(f'SELECT {", ".join(cols)} FROM "{table}"')).all()
            state[table] = sorted((tuple(r) for r in rows), key=repr)
    assert {"users", "sessions", "api_clients", "invitations"} <= set(state)
    return state


def _forged_requests(world: World) -> list[tuple[str, str, dict[str, Any] | None]]:
    a = world.parties["A"]
    return [
        ("POST", "/api/v1/invitations", {"email": "forged@example.com"}),
        ("POST", "/api/v1/clients", {"name": "forged", "scopes": ["documents:seal"]}),
        ("POST", f"/api/v1/clients/{a.client_id}/revoke", None),
        ("POST", f"/api/v1/users/{a.member_id}/disable", None),
        ("PATCH", f"/api/v1/orgs/{a.org_id}", {"require_2fa": True}),
        ("POST", "/api/v1/auth/password", {"current_password": PASSWORD,
                                           "new_password": NEW_PASSWORD}),
        ("POST", "/api/v1/auth/logout-all", None),
        ("POST", "/api/v1/auth/logout", None),
    ]


def test_C10_cookie_post_without_csrf_token_is_refused(world: World) -> None:
    a = world.parties["A"]
    admin = world.login(a.admin)
    token, right = _token(admin), admin.headers["X-CSRF-Token"]
    elsewhere = world.login(a.admin).headers["X-CSRF-Token"]  # valid, for another session
    assert elsewhere != right
    before = snapshot(world)
    denials = len(audit(world, "authz.denied"))
    forged = 0
    for wrong in (None, "", "0" * len(right), right[:-1], elsewhere):
        browser = with_cookie(world, token)  # the cookie rides along, as cross-site it would
        browser.headers["Origin"] = "https://evil.example"
        if wrong is not None:
            browser.headers["X-CSRF-Token"] = wrong
        for method, path, body in _forged_requests(world):
            answer = browser.request(method, path, json=body)
            assert answer.status_code == 403, f"{method} {path}: {answer.text}"
            assert answer.json()["code"] == "CSRF_FAILED"
            forged += 1
    assert snapshot(world) == before  # nothing changed
    assert _alive(world, token)  # not even logged out

    new = audit(world, "authz.denied")[denials:]
    assert len(new) == forged
    assert all(e["details"] == {"error": "CSRF_FAILED"} and e["outcome"] == "denied"
               and e["actor"] == f"user:{a.admin}" and e["org_id"] == a.org_id for e in new)
    assert {e["target"] for e in new} == {f"{m} {p}" for m, p, _ in _forged_requests(world)}

    # the same request with the right token goes through: CSRF was the only objection
    assert admin.post("/api/v1/invitations", json={"email": "real@example.com"}
                      ).status_code == 201


def test_C10_bearer_clients_need_no_csrf_token(world: World) -> None:
    """A bearer secret is not sent by browsers on their own, so API clients are not asked
    for a CSRF token: their POSTs reach the permission check (these clients lack the
    scope), never CSRF_FAILED."""
    a = world.parties["A"]
    client = world.bearer(a.client_secret)
    assert "X-CSRF-Token" not in client.headers
    for method, path, body in _forged_requests(world)[:5]:
        answer = client.request(method, path, json=body)
        assert answer.status_code == 403, f"{method} {path}: {answer.text}"
        assert answer.json()["code"] == "FORBIDDEN", answer.text
    me = client.get(ME)
    assert me.status_code == 200 and me.json()["kind"] == "client"
    # a POST a client may make goes through without a token (there is no session to end,
    # and the audit row names the client, not a user)
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert audit(world, "auth.logout")[-1]["target"] == f"client:{a.client_id}"


# --- GET never mutates -----------------------------------------------------------------------

def _callers(world: World) -> dict[str, TestClient]:
    a = world.parties["A"]
    return {"anonymous": world.client(), "org admin": world.login(a.admin),
            "member": world.login(a.member), "api client": world.bearer(a.client_secret),
            "platform admin": world.platform_admin()}


def _own(path: str, route: APIRoute, world: World) -> str:
    for param in route.dependant.path_params:
        assert param.name in ID_OF, f"{route.path}: add {param.name} to ID_OF"
        path = path.replace("{" + param.name + "}",
                            getattr(world.parties["A"], ID_OF[param.name]))
    return path


def _api_routes(app: Any) -> list[APIRoute]:
    """Every APIRoute of the app, with its full path (newer FastAPI keeps included routers
    as one entry each in ``app.routes``; ``iter_route_contexts`` opens them)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: included routes are listed one by one
        candidates = list(app.routes)
    else:
        candidates = [ctx.original_route for ctx in iter_route_contexts(app.routes)]
    return [r for r in candidates if isinstance(r, APIRoute)]


def test_C10_get_never_mutates(world: World) -> None:
    routes = _api_routes(world.client().app)
    gets = [r for r in routes if "GET" in (r.methods or set())]
    readable = {r.path for r in gets}
    # paths with only state-changing methods: a GET there must not reach the handler
    # (GET /seals/upload is routed to GET /seals/{seal_id}, which finds no such seal)
    writes = [r for r in routes if r.path not in readable]
    assert len(gets) >= 8 and len(writes) >= 8
    layout = _layout(world)
    ok = 0
    for caller, http in _callers(world).items():
        # GET on a write-only path is answered by routing alone: one caller is enough
        for route in gets + (writes if caller == "org admin" else []):
            path = _own(route.path, route, world)
            before = snapshot(world, layout)
            answer = http.get(path)
            where = f"{caller}: GET {path}"
            assert answer.status_code < 500, f"{where}: {answer.text[:200]}"
            assert snapshot(world, layout) == before, f"{where} changed the database"
            if route in writes:  # 405, or a read route with a matching pattern refuses
                assert answer.status_code in (401, 403, 404, 405), f"{where}: {answer.text}"
            ok += answer.status_code == 200
    assert ok >= 25, ok  # the GETs really ran, logged in, for most callers
