"""C10 session_and_csrf in a real browser (Chromium) against a real `openseal serve`.

What the HTTP test (tests/acceptance/test_C10_session_and_csrf.py) proves for the API, shown
here for the console as a browser really behaves: its cookie jar, SameSite, form posts from
another origin, navigation.

* Login: a cookie planted before login (made up, or the attacker's own real session) is
  never the session after it; the console's cookies are HttpOnly, Secure, SameSite=Strict
  and the session cookie ends with the browser.
* Logout, the user being disabled, a password change and switching 2FA on end the session
  in every browser of the user at its next navigation; the old cookie, replayed in a fresh
  browser, is dead (the console sends it to /login, the API answers 401).
* Idle (30 min) and absolute (12 h) timeouts: the server's clock cannot be moved, so the
  session row is aged in the database instead; the server judges it by its real clock.
* A form auto-submitted by another origin's page (approve, seal lifecycle, grant revoke,
  logout; console and API): from the same site (another port of 127.0.0.1) the cookie
  rides along and the missing token is refused (403 CSRF_FAILED, in Chinese); from another
  site (``localhost``) SameSite=Strict keeps the cookie home (to /login, or 401). Either
  way nothing changes (read back through the API); with the victim's token the same form
  does go through, so the token is the only thing that stopped it.
* GET on a state-changing URL (the lifecycle actions, approve, logout; console and API) is
  a confirmation page or 405, never a 500, and the database is as it was.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pyotp
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tests.browser.conftest import Live, OpenPage, Tab
from tests.support.api import PASSWORD
from tests.support.browser import Shots, require_chromium, sign_in
from tests.support.instance import TestInstance, make_instance
from tests.support.pdfs import reportlab_pdf
from tests.support.routes import snapshot
from tests.support.server import Server

SESSION_COOKIE = "openseal_session"
ME = "/api/v1/auth/me"
NEW_PASSWORD = "another long passphrase 31"
CSRF_ZH = "请求缺少有效的 CSRF 令牌，已拒绝"
# one user per scenario, so that no test ends another's sessions (xdist runs modules apart)
USERS = {"admin": "org_admin", "custodian": "custodian", "requester": "seal_user",
         "approver": "approver", "fixated": "seal_user", "planter": "seal_user",
         "leaver": "seal_user", "disabled": "seal_user", "changer": "seal_user",
         "enroller": "seal_user", "idler": "seal_user"}


def _name(key: str) -> str:
    return f"{key}-sessions"


@dataclass
class Site:
    live: Live
    instance: TestInstance
    ids: dict[str, str]
    grant_id: str

    @property
    def url(self) -> str:
        return self.live.url


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The shared instance (one organisation, its contract seal), one user per scenario and
    a grant letting the seal user ask for the seal; made here, served by `openseal serve`."""
    from openseal.core.accounts.users import new_user
    from openseal.core.governance.grants import GrantTerms, create_grant
    from openseal.interfaces.cli.operator import operator

    require_chromium()
    home = tmp_path_factory.mktemp("sessions-browser") / "home"
    instance = make_instance(home)
    seal = instance.seals["contract"]
    ids: dict[str, str] = {}
    with instance.wiring.context() as c:
        for key, role in USERS.items():
            ids[key] = new_user(c.repos, c.accounts, c.clock, org_id=instance.org.id,
                                username=_name(key), display_name=key,
                                email=f"{key}@example.com", role=role, password=PASSWORD).id
        grant = create_grant(c.repos, c.clock, operator(instance.org.id), seal,
                             ("user", ids["requester"]), GrantTerms(level="request"),
                             "合同专员 / contract clerk", audit=c.audit)
    live = Live(Server(home, None), seal.id)
    yield Site(live, instance, ids, grant.id)
    live.stop()


# --- the API over real HTTP, beside the browser ------------------------------------------------

class Api:
    """The JSON API over real HTTP as one session. The cookie is sent by hand: it is Secure,
    and a cookie jar would keep it off plain http://127.0.0.1 (Chromium treats loopback as
    a secure origin, httpx does not)."""

    def __init__(self, base: str, token: str, csrf: str = "") -> None:
        headers = {"Cookie": f"{SESSION_COOKIE}={token}"}
        if csrf:
            headers["X-CSRF-Token"] = csrf
        self.token = token
        self.http = httpx.Client(base_url=base, headers=headers, timeout=30)

    @classmethod
    def login(cls, base: str, username: str, password: str = PASSWORD) -> Api:
        answer = httpx.post(f"{base}/api/v1/auth/login", timeout=30,
                            json={"username": username, "password": password})
        assert answer.status_code == 200, answer.text
        return cls(base, answer.cookies[SESSION_COOKIE], answer.json()["csrf_token"])

    def get(self, path: str) -> httpx.Response:
        return self.http.get(path)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.post(path, **kwargs)

    def alive(self) -> bool:
        """Whether this session is accepted; anything else must be 401 LOGIN_REQUIRED."""
        answer = self.get(ME)
        if answer.status_code == 200:
            return True
        assert answer.status_code == 401, answer.text
        assert answer.json()["code"] == "LOGIN_REQUIRED", answer.text
        return False

    def status(self, path: str) -> str:
        answer = self.get(path)
        assert answer.status_code == 200, f"{path}: {answer.text}"
        return str(answer.json()["status"])


def _new_request(site: Site) -> str:
    """A pending request to use the seal, made by the seal user over the API."""
    requester = Api.login(site.url, _name("requester"))
    made = requester.post("/api/v1/requests", data={
        "seal_id": site.live.seal_id, "purpose": "浏览器会话测试 session test"},
        files={"files": ("合同.pdf", reportlab_pdf(title="会话 CSRF"), "application/pdf")})
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "pending"
    return str(made.json()["id"])


# --- the browser side ---------------------------------------------------------------------------

def _session_cookie(tab: Tab, base: str) -> dict[str, Any] | None:
    found = [c for c in tab.page.context.cookies(base) if c["name"] == SESSION_COOKIE]
    assert len(found) <= 1, found
    return found[0] if found else None


def _signed_in(open_page: OpenPage, site: Site, key: str, password: str = PASSWORD) -> Tab:
    tab = open_page("zh")
    sign_in(tab.page, site.url, _name(key), password)
    assert tab.page.url == f"{site.url}/home", tab.page.url
    return tab


def _goto(tab: Tab, url: str) -> Any:
    response = tab.page.goto(url)
    assert response is not None
    return response


def _sent_to_login(tab: Tab, site: Site, path: str = "/home") -> bool:
    """Whether opening ``path`` lands on the login page (the session is gone)."""
    _goto(tab, site.url + path)
    return bool(tab.page.url.startswith(f"{site.url}/login"))


def _token(tab: Tab, site: Site) -> str:
    cookie = _session_cookie(tab, site.url)
    assert cookie
    return str(cookie["value"])


def _plant(tab: Tab, base: str, value: str) -> None:
    tab.page.context.add_cookies([{"name": SESSION_COOKIE, "value": value, "url": base}])


# --- 1. a new session on every login; the cookies' flags -----------------------------------------

def test_login_never_adopts_a_planted_cookie(open_page: OpenPage, site: Site,
                                             shot: Shots) -> None:
    tab = open_page("zh")
    page = tab.page
    planted = "oss_made-up-by-the-attacker-0123456789abcdefghijklmn"
    _plant(tab, site.url, planted)
    assert _sent_to_login(tab, site)  # a made-up cookie is no session
    sign_in(page, site.url, _name("fixated"), PASSWORD)
    assert page.url == f"{site.url}/home"
    cookie = _session_cookie(tab, site.url)
    assert cookie and cookie["value"] != planted
    assert not Api(site.url, planted).alive()
    assert Api(site.url, cookie["value"]).get(ME).json()["name"] == _name("fixated")
    assert cookie["value"] not in page.evaluate("document.cookie")  # HttpOnly: no script
    shot(page, "signed-in-after-planted-cookie")

    # every cookie the console set: HttpOnly, Secure, SameSite=Strict; the session one has
    # no expiry (it ends with the browser); the trusted-device mark is for /login only
    ours = {c["name"]: c for c in page.context.cookies([site.url, f"{site.url}/login"])
            if c["name"] in (SESSION_COOKIE, "openseal_device", "openseal_presession")}
    assert set(ours) == {SESSION_COOKIE, "openseal_device", "openseal_presession"}, ours
    for c in ours.values():
        assert (c["httpOnly"], c["secure"], c["sameSite"]) == (True, True, "Strict"), c
    assert ours[SESSION_COOKIE]["expires"] == -1, ours[SESSION_COOKIE]
    assert ours[SESSION_COOKIE]["path"] == "/" and ours["openseal_device"]["path"] == "/login"

    # the attacker's own real session planted in the victim's browser is not taken over
    attacker = Api.login(site.url, _name("planter"))
    victim = open_page("zh")
    _plant(victim, site.url, attacker.token)
    _goto(victim, f"{site.url}/home")
    assert victim.page.url == f"{site.url}/home"  # the planted session works, as planted
    sign_in(victim.page, site.url, _name("fixated"), PASSWORD)
    issued = _session_cookie(victim, site.url)
    assert issued and issued["value"] not in (attacker.token, cookie["value"])
    assert attacker.get(ME).json()["name"] == _name("planter")  # not upgraded to the victim
    assert Api(site.url, issued["value"]).get(ME).json()["name"] == _name("fixated")
    tab.watch.assert_clean()
    victim.watch.assert_clean()


# --- 2. logout ---------------------------------------------------------------------------------

def test_logout_kills_the_cookie_for_good(open_page: OpenPage, site: Site,
                                          shot: Shots) -> None:
    tab = _signed_in(open_page, site, "leaver")
    other = Api.login(site.url, _name("leaver"))  # another device of the same user
    old = _session_cookie(tab, site.url)
    assert old
    with tab.page.expect_navigation():
        tab.page.locator("form[action='/logout'] button[type=submit]").click()
    assert tab.page.url.startswith(f"{site.url}/login")
    assert _session_cookie(tab, site.url) is None  # the browser was told to drop it
    shot(tab.page, "logged-out")

    replay = open_page("zh")
    replay.page.context.add_cookies([{**old, "sameSite": "Strict"}])  # the stolen cookie
    assert _sent_to_login(replay, site, "/seals")
    assert replay.page.url == f"{site.url}/login?next=/seals"
    shot(replay.page, "old-cookie-replayed")
    assert not Api(site.url, old["value"]).alive()  # dead on the server, not only here
    assert other.alive()  # "log out" ends this session only
    tab.watch.assert_clean()
    replay.watch.assert_clean()


# --- 3. disabled user, password and 2FA change -------------------------------------------------

def test_disabling_the_user_ends_every_browser_of_theirs(open_page: OpenPage, site: Site,
                                                         shot: Shots) -> None:
    first = _signed_in(open_page, site, "disabled")
    second = _signed_in(open_page, site, "disabled")
    _goto(second, f"{site.url}/seals")
    assert second.page.url == f"{site.url}/seals"
    admin = Api.login(site.url, _name("admin"))
    answer = admin.post(f"/api/v1/users/{site.ids['disabled']}/disable")
    assert answer.status_code == 200 and answer.json()["status"] == "disabled", answer.text

    assert _sent_to_login(first, site, "/home")
    assert _sent_to_login(second, site, "/seals")
    assert second.page.url == f"{site.url}/login?next=/seals"
    shot(second.page, "disabled-sent-to-login")
    sign_in(first.page, site.url, _name("disabled"), PASSWORD)  # and cannot come back
    error = first.page.locator("#form-error")
    assert error.get_attribute("data-code") == "ACCOUNT_DISABLED"
    assert "停用" in error.inner_text(), error.inner_text()
    left = _session_cookie(first, site.url)  # no new session; what is left is dead
    assert left is None or not Api(site.url, left["value"]).alive()
    shot(first.page, "disabled-login-refused")
    assert admin.alive()  # the administrator's own session lives on


def test_password_change_in_one_browser_ends_the_other(open_page: OpenPage, site: Site,
                                                       shot: Shots) -> None:
    changing = _signed_in(open_page, site, "changer")
    other = _signed_in(open_page, site, "changer")
    old = _session_cookie(changing, site.url)
    assert old
    page = changing.page
    _goto(changing, f"{site.url}/account/password")
    page.fill("#f-current_password", PASSWORD)
    page.fill("#f-new_password", NEW_PASSWORD)
    page.fill("#f-repeat_password", NEW_PASSWORD)
    with page.expect_navigation():
        page.locator("form[action='/account/password'] button[type=submit]").click()
    shot(page, "password-changed")
    assert _session_cookie(changing, site.url) is None

    assert _sent_to_login(other, site, "/home")
    shot(other.page, "other-browser-sent-to-login")
    assert not Api(site.url, old["value"]).alive()
    assert _sent_to_login(changing, site, "/home")
    sign_in(page, site.url, _name("changer"), PASSWORD)  # the old password is gone
    assert page.url.startswith(f"{site.url}/login")
    sign_in(page, site.url, _name("changer"), NEW_PASSWORD)
    assert page.url == f"{site.url}/home"
    other.watch.assert_clean()


def test_switching_2fa_on_in_one_browser_ends_the_other(open_page: OpenPage, site: Site,
                                                        shot: Shots) -> None:
    enrolling = _signed_in(open_page, site, "enroller")
    other = _signed_in(open_page, site, "enroller")
    page = enrolling.page
    _goto(enrolling, f"{site.url}/account/totp")
    with page.expect_navigation():
        page.locator("form[action='/account/totp/begin'] button[type=submit]").click()
    assert not _sent_to_login(other, site, "/seals")  # beginning is not switching on
    secret = page.inner_text("#totp-secret").strip()
    page.fill("#f-code", pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.locator("form[action='/account/totp/confirm'] button[type=submit]").click()
    shot(page, "2fa-on-recovery-codes")
    assert _session_cookie(enrolling, site.url) is None

    assert _sent_to_login(other, site, "/home")
    assert _sent_to_login(enrolling, site, "/home")
    shot(other.page, "other-browser-sent-to-login")


# --- 4. cross-origin form posts ------------------------------------------------------------------

class Attacker:
    """Another origin serving pages whose form posts itself to the victim's site on load:
    http://127.0.0.1:<port> (same site, another origin: the Strict cookie is sent) and
    http://localhost:<port> (another site: it is not)."""

    def __init__(self) -> None:
        self.pages: dict[str, bytes] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                body = pages.get(self.path)
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.same_site = f"http://127.0.0.1:{self.port}"
        self.cross_site = f"http://localhost:{self.port}"

    def form(self, target: str, fields: dict[str, str]) -> str:
        """The path of a page that posts ``fields`` to ``target`` as soon as it loads."""
        inputs = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
                         for k, v in fields.items())
        path = f"/lure-{len(self.pages)}.html"
        self.pages[path] = (
            "<!doctype html><meta charset=utf-8><title>中奖了</title>"
            f'<form id=f method=post action="{escape(target)}">{inputs}</form>'
            "<script>document.getElementById('f').submit()</script>").encode()
        return path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def attacker() -> Iterator[Attacker]:
    served = Attacker()
    yield served
    served.close()


@dataclass
class Forgery:
    """A forged post: who the victim is, where it goes, and what it must not change."""

    victim: str
    target: str
    fields: dict[str, str]
    state: str  # the API path whose "status" must stay ``unchanged``
    unchanged: str
    control: bool = False  # also sent with the victim's token: must then go through
    changed: str = ""


def _console_grant_revokes(site: Site) -> list[str]:
    """The console's URLs revoking the grant (授权), from its route table: the authorisation
    pages were being written alongside this test, and are covered once they exist."""
    from fastapi.routing import APIRoute

    from openseal.interfaces.web.console.routes import ROUTERS

    found = []
    for router in ROUTERS:
        for route in router.routes:
            if not (isinstance(route, APIRoute) and "POST" in (route.methods or set())
                    and "grant" in route.path
                    and ("revoke" in route.path or "{action}" in route.path)):
                continue
            path = route.path.replace("{grant_id}", site.grant_id)
            path = path.replace("{seal_id}", site.live.seal_id).replace("{action}", "revoke")
            if "{" not in path:
                found.append(path)
    return found


def _landing(tab: Tab, site: Site, lure: str, target: str) -> tuple[int, str]:
    """Open the lure; return the status of the forged post and where the browser ends."""
    page = tab.page
    with page.expect_response(lambda r: r.url == target and r.request.method == "POST"
                              ) as posted:
        page.goto(lure)
    page.wait_for_load_state()
    return posted.value.status, page.url


def test_cross_origin_posts_change_nothing(open_page: OpenPage, site: Site,
                                           attacker: Attacker, shot: Shots) -> None:
    request_id = _new_request(site)
    seal, grant = site.live.seal_id, site.grant_id
    base = site.url
    forgeries = [
        Forgery("approver", f"{base}/requests/{request_id}/approve", {"comment": "同意"},
                f"/api/v1/requests/{request_id}", "pending", control=True,
                changed="approved"),
        Forgery("approver", f"{base}/api/v1/requests/{request_id}/approve",
                {"comment": "同意"}, f"/api/v1/requests/{request_id}", "pending"),
        Forgery("custodian", f"{base}/seals/{seal}/suspend", {"reason": "forged"},
                f"/api/v1/seals/{seal}", "active", control=True, changed="suspended"),
        Forgery("custodian", f"{base}/api/v1/seals/{seal}/suspend", {"reason": "forged"},
                f"/api/v1/seals/{seal}", "active"),
        Forgery("custodian", f"{base}/api/v1/grants/{grant}/revoke", {"reason": "forged"},
                f"/api/v1/grants/{grant}", "active"),
        *[Forgery("custodian", base + path, {"reason": "forged"}, f"/api/v1/grants/{grant}",
                  "active", control=True, changed="revoked")
          for path in _console_grant_revokes(site)],
    ]
    tabs = {key: _signed_in(open_page, site, key) for key in ("approver", "custodian")}
    readers = {key: Api.login(site.url, _name(key)) for key in tabs}
    tokens = {key: _session_cookie(tab, base) for key, tab in tabs.items()}

    for forgery in forgeries:
        tab, reader = tabs[forgery.victim], readers[forgery.victim]
        api = forgery.target.startswith(f"{base}/api/")
        for origin in (attacker.same_site, attacker.cross_site):
            where = f"{forgery.target} from {origin}"
            lure = origin + attacker.form(forgery.target, forgery.fields)
            status, landed = _landing(tab, site, lure, forgery.target)
            assert reader.status(forgery.state) == forgery.unchanged, where
            if origin == attacker.same_site:  # the cookie went along: the token is missing
                assert status == 403, where
                if api:
                    assert '"CSRF_FAILED"' in tab.page.inner_text("body"), where
                else:
                    error = tab.page.locator("#error")
                    assert error.get_attribute("data-code") == "CSRF_FAILED", where
                    assert CSRF_ZH in error.inner_text(), where
            elif api:  # no cookie from another site: not logged in
                assert status == 401 and "LOGIN_REQUIRED" in tab.page.inner_text("body"), where
            else:
                assert status == 303 and landed.startswith(f"{base}/login"), where
            if forgery.target.endswith("/approve") and not api:
                shot(tab.page, "forged-approve-" + ("same-site" if origin == attacker.same_site
                                                    else "cross-site"))

    # forged logout, and forged login into the attacker's account (login CSRF): refused
    # (403: no token; from another site not even the pre-session cookie is sent), the
    # victim stays signed in as themself
    for origin in (attacker.same_site, attacker.cross_site):
        lure = origin + attacker.form(f"{base}/logout", {})
        status, _ = _landing(tabs["custodian"], site, lure, f"{base}/logout")
        assert status in (303, 403), status
        if origin == attacker.same_site:
            assert status == 403
            shot(tabs["custodian"].page, "forged-logout-refused")
        lure = origin + attacker.form(f"{base}/login", {"username": _name("planter"),
                                                        "password": PASSWORD})
        status, _ = _landing(tabs["approver"], site, lure, f"{base}/login")
        assert status == 403, origin
        assert tabs["approver"].page.locator("#error").get_attribute("data-code") \
            == "CSRF_FAILED"
    for key, tab in tabs.items():
        assert _session_cookie(tab, base) == tokens[key]
        assert not _sent_to_login(tab, site, "/home"), key
        assert Api(base, _token(tab, site)).get(ME).json()["name"] == _name(key)

    # the control: the same lure, carrying the victim's token, does go through (from the
    # same site, where the cookie is sent): the token was the only thing that stopped it
    for forgery in (f for f in forgeries if f.control):
        tab = tabs[forgery.victim]
        _goto(tab, f"{base}/home")
        token = tab.page.locator("input[name=csrf_token]").first.get_attribute("value")
        assert token
        lure = attacker.same_site + attacker.form(forgery.target,
                                                  {**forgery.fields, "csrf_token": token})
        status, _ = _landing(tab, site, lure, forgery.target)
        assert status == 303, forgery.target
        assert readers[forgery.victim].status(forgery.state) == forgery.changed
    resumed = readers["custodian"].post(f"/api/v1/seals/{seal}/resume",
                                        json={"reason": "test over"})
    assert resumed.status_code == 200, resumed.text
    if readers["custodian"].status(f"/api/v1/grants/{grant}") == "revoked":
        restored = readers["custodian"].post(f"/api/v1/grants/{grant}/restore",
                                             json={"reason": "test over"})
        assert restored.status_code == 200, restored.text


# --- 5. GET never mutates ----------------------------------------------------------------------

def test_get_on_state_changing_urls_changes_nothing(open_page: OpenPage, site: Site,
                                                    shot: Shots) -> None:
    request_id = _new_request(site)
    seal, grant, base = site.live.seal_id, site.grant_id, site.url
    custodian = _signed_in(open_page, site, "custodian")
    approver = _signed_in(open_page, site, "approver")
    engine = site.instance.wiring.engine
    visits = [  # (browser, path, the statuses it may answer)
        (custodian, f"/seals/{seal}/suspend", {200}),  # the confirmation page
        (custodian, f"/seals/{seal}/revoke", {200}),
        (custodian, f"/seals/{seal}/renew", {200}),
        (custodian, f"/seals/{seal}/destroy", {200, 403, 409}),
        (approver, f"/requests/{request_id}/approve", {405}),
        (approver, f"/requests/{request_id}/reject", {405}),
        (custodian, f"/api/v1/seals/{seal}/suspend", {405}),
        (custodian, f"/api/v1/grants/{grant}/revoke", {405}),
        (approver, f"/api/v1/requests/{request_id}/approve", {405}),
        (custodian, "/api/v1/auth/logout", {405}),
        (custodian, "/api/v1/auth/logout-all", {405}),
        (custodian, "/logout", {405}),
        (approver, "/logout", {405}),
        *[(custodian, path, {200}) for path in _console_grant_revokes(site)],  # confirm page
    ]
    before = snapshot(engine)
    for tab, path, allowed in visits:
        status = _goto(tab, base + path).status
        assert status in allowed, f"GET {path}: {status} {tab.page.inner_text('body')[:300]}"
        assert snapshot(engine) == before, f"GET {path} changed the database"
        if path == f"/seals/{seal}/suspend":
            assert tab.page.locator("#confirm-form").count() == 1
            shot(tab.page, "get-suspend-is-a-confirmation")
        if path == "/logout" and tab is approver:
            shot(tab.page, "get-logout-405")
    reader = Api.login(base, _name("custodian"))
    assert reader.status(f"/api/v1/seals/{seal}") == "active"
    assert reader.status(f"/api/v1/grants/{grant}") == "active"
    assert Api.login(base, _name("approver")).status(f"/api/v1/requests/{request_id}"
                                                     ) == "pending"
    for tab in (custodian, approver):  # GET /logout logged nobody out
        assert not _sent_to_login(tab, site, "/home")


# --- 6. idle and absolute timeouts ---------------------------------------------------------------

def _session_row(site: Site, token: str) -> Any:
    from openseal.adapters.db.tables import SessionRow
    from openseal.core.accounts.secrets import token_digest

    with Session(site.instance.wiring.engine) as db:
        return db.scalars(select(SessionRow).where(
            SessionRow.token_digest == token_digest(token))).one_or_none()


def _age_session(site: Site, token: str, **moments: datetime) -> None:
    """Move the times of the session ``token`` (the server's clock stays real)."""
    from openseal.adapters.db.tables import SessionRow
    from openseal.core.accounts.secrets import token_digest

    with Session(site.instance.wiring.engine) as db:
        done = db.execute(update(SessionRow).where(
            SessionRow.token_digest == token_digest(token)).values(**moments))
        assert done.rowcount == 1  # type: ignore[attr-defined]
        db.commit()


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_idle_and_absolute_timeouts_send_the_browser_to_login(open_page: OpenPage, site: Site,
                                                             shot: Shots) -> None:
    tab = _signed_in(open_page, site, "idler")
    token = _token(tab, site)
    now = datetime.now(UTC)
    _age_session(site, token, last_seen_at=now - timedelta(minutes=29))
    assert not _sent_to_login(tab, site, "/seals")  # 29 min idle: still on
    row = _session_row(site, token)
    assert row and _utc(row.last_seen_at) > now - timedelta(minutes=1)  # idle time restarts
    _age_session(site, token, last_seen_at=datetime.now(UTC) - timedelta(minutes=31))
    assert _sent_to_login(tab, site, "/seals")  # 31 min idle: gone
    assert tab.page.url == f"{site.url}/login?next=/seals"
    assert not Api(site.url, token).alive()
    shot(tab.page, "idle-timeout")

    sign_in(tab.page, site.url, _name("idler"), PASSWORD)
    assert tab.page.url == f"{site.url}/home"
    token = _token(tab, site)
    now = datetime.now(UTC)  # kept busy, but 12 hours old
    _age_session(site, token, created_at=now - timedelta(hours=12),
                 expires_at=now - timedelta(seconds=1), last_seen_at=now)
    assert _sent_to_login(tab, site, "/home")
    assert not Api(site.url, token).alive()
    shot(tab.page, "absolute-timeout")
    tab.watch.assert_clean()


def test_a_timed_out_session_row_is_deleted(site: Site) -> None:
    api = Api.login(site.url, _name("idler"))
    _age_session(site, api.token, last_seen_at=datetime.now(UTC) - timedelta(minutes=31))
    assert not api.alive()
    assert _session_row(site, api.token) is None
