"""The console's sign-in without a browser: login (wrong password, 2FA with a one-time or
recovery code, no open redirect, a new session each time), TOTP enrolment with the QR code
and the recovery codes shown once, invitation acceptance, password change, logout."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pyotp
import pytest
from fastapi.testclient import TestClient

from openseal.bootstrap import Wiring, load_master_key
from openseal.config import Settings
from openseal.core.accounts.users import create_platform_admin
from tests.support.api import ADMIN, ORGS, PASSWORD, ShiftedClock, World, invite, register

NEW_PASSWORD = "another long passphrase 77"


def console_world(home: Path) -> World:
    """An instance with one organisation: its administrator and a member (over the API)."""
    settings = Settings(home=home, audit_checkpoint_every=10_000)
    clock = ShiftedClock()
    wiring = Wiring(settings, clock=clock)
    wiring.migrate()
    load_master_key(settings, create=True)
    with wiring.context() as c:
        c.pki.init_instance("OpenSeal Console Test")
        create_platform_admin(c.repos, c.accounts, c.clock, *ADMIN, audit=c.audit)
    world = World(wiring, clock)
    register(world, "A", *ORGS["A"])
    for name in ("member-a", "enrolee-a", "changer-a", "hammered-a", "tamper-a"):
        invite(world, world.login("admin-a"), name, "seal_user")
    return world


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def console_login(world: World, username: str, password: str = PASSWORD,
                  lang: str = "zh") -> TestClient:
    http = world.client()
    form = http.get(f"/login?lang={lang}")
    answer = http.post("/login", data={"csrf_token": csrf_of(form), "username": username,
                                       "password": password}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/home", answer.text
    return http


def visible(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return console_world(tmp_path_factory.mktemp("console-signin") / "home")


def _post_login(http: TestClient, lang: str = "zh", **fields: str) -> httpx.Response:
    form = http.get(f"/login?lang={lang}")
    return http.post("/login", data={"csrf_token": csrf_of(form), **fields},
                     follow_redirects=False)


def test_wrong_password_is_refused_in_both_languages_without_a_session(world: World) -> None:
    for lang, words in (("zh", "用户名或密码错误"),
                        ("en", "The username or password is not correct")):
        http = world.client()
        answer = _post_login(http, lang, username="member-a", password="not the password!")
        assert answer.status_code == 401 and words in answer.text
        assert 'id="form-error"' in answer.text and "INVALID_CREDENTIALS" in answer.text
        assert "openseal_session" not in answer.headers.get("set-cookie", "")
        assert http.get("/home", follow_redirects=False).headers["location"].startswith("/login")


def test_login_sets_a_new_strict_session_and_shows_home(world: World) -> None:
    http = world.client()
    http.cookies.set("openseal_session", "oss_planted-by-an-attacker")
    answer = _post_login(http, username="member-a", password=PASSWORD)
    cookie = answer.headers["set-cookie"]
    assert answer.status_code == 303 and "openseal_session=oss_" in cookie
    assert "planted" not in cookie
    session = next(c for c in answer.headers.get_list("set-cookie")
                   if c.startswith("openseal_session="))
    assert "HttpOnly" in session and "Secure" in session and "SameSite=strict" in session
    home = http.get("/home?lang=en")
    text = visible(home.text)
    assert home.status_code == 200 and "member-a" in text and ORGS["A"][0] in text
    assert "seal user" in text and home.headers["cache-control"] == "no-store"


def test_login_never_redirects_off_site(world: World) -> None:
    http = world.client()
    form = http.get("/login?next=//evil.example/x")
    assert 'value="/home"' in form.text
    answer = http.post("/login", data={"csrf_token": csrf_of(form), "username": "member-a",
                                       "password": PASSWORD, "next": "https://evil.example"},
                       follow_redirects=False)
    assert answer.headers["location"] == "/home"


def _enrol(world: World, http: TestClient) -> tuple[str, list[str]]:
    """Enrol TOTP through the pages: (secret, recovery codes)."""
    page = http.get("/account/totp")
    started = http.post("/account/totp/begin", data={"csrf_token": csrf_of(page)})
    assert started.status_code == 200 and 'src="data:image/png;base64,' in started.text
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', started.text).group(1)  # type: ignore[union-attr]
    wrong = http.post("/account/totp/confirm", data={"csrf_token": csrf_of(started),
                                                     "code": "000000"})
    assert wrong.status_code == 403 and 'id="form-error"' in wrong.text
    assert "data:image/png;base64," in wrong.text  # the same QR code, to try again
    code = pyotp.TOTP(secret).at(world.clock.now())
    done = http.post("/account/totp/confirm", data={"csrf_token": csrf_of(wrong),
                                                    "code": code})
    assert done.status_code == 200, done.text
    codes = re.findall(r"<li><code>([^<]+)</code></li>", done.text)
    return secret, codes


def test_totp_enrolment_then_login_with_code_or_recovery_code(world: World) -> None:
    http = console_login(world, "enrolee-a")
    secret, codes = _enrol(world, http)
    assert len(codes) == 10
    assert http.get("/home", follow_redirects=False).status_code == 303  # sessions ended
    world.clock.advance(seconds=31)  # the enrolment code's step is used up
    second = _post_login(world.client(), "en", username="enrolee-a", password=PASSWORD)
    assert second.status_code == 200 and 'name="pending"' in second.text
    assert PASSWORD not in second.text and "openseal_session" not in second.headers.get(
        "set-cookie", "")
    http = world.client()
    step = _post_login(http, username="enrolee-a", password=PASSWORD)
    pending = re.search(r'name="pending" value="([^"]+)"', step.text).group(1)  # type: ignore[union-attr]
    wrong = http.post("/login", data={"csrf_token": csrf_of(step), "pending": pending,
                                      "code": "123456"}, follow_redirects=False)
    assert wrong.status_code == 403 and "openseal_session" not in wrong.headers.get(
        "set-cookie", "")
    code = pyotp.TOTP(secret).at(world.clock.now())
    right = http.post("/login", data={"csrf_token": csrf_of(wrong), "pending": pending,
                                      "code": code}, follow_redirects=False)
    assert right.status_code == 303 and http.get("/home").status_code == 200
    other = world.client()
    step = _post_login(other, username="enrolee-a", password=PASSWORD)
    pending = re.search(r'name="pending" value="([^"]+)"', step.text).group(1)  # type: ignore[union-attr]
    fields = {"csrf_token": csrf_of(step), "pending": pending, "recovery_code": codes[0]}
    assert other.post("/login", data=fields, follow_redirects=False).status_code == 303
    used = other.post("/login", data=fields, follow_redirects=False)
    assert used.status_code == 403 and "RECOVERY_CODE_INVALID" in used.text


def test_tampered_pending_step_is_refused(world: World) -> None:
    _enrol(world, console_login(world, "tamper-a"))  # its own user: no order between tests
    http = world.client()
    step = _post_login(http, "en", username="tamper-a", password=PASSWORD)
    answer = http.post("/login", data={"csrf_token": csrf_of(step), "pending": "v1:AAAA",
                                       "code": "123456"})
    assert answer.status_code == 403 and "The login step has expired" in answer.text


def test_invitation_acceptance(world: World) -> None:
    invited = world.login("admin-a").post("/api/v1/invitations", json={
        "email": "newcomer@example.com", "role": "approver"})
    token = invited.json()["token"]
    http = world.client()
    form = http.get(f"/invitations/accept?token={token}&lang=en")
    assert form.status_code == 200 and f'value="{token}"' in form.text
    fields = {"csrf_token": csrf_of(form), "token": token, "username": "newcomer-a",
              "display_name": "新同事", "password": PASSWORD}
    differ = http.post("/invitations/accept", data={**fields, "repeat_password": "other"})
    assert differ.status_code == 422 and "The two passwords differ" in differ.text
    done = http.post("/invitations/accept", data={**fields, "repeat_password": PASSWORD})
    assert done.status_code == 200 and "newcomer-a" in done.text
    again = http.post("/invitations/accept", data={**fields, "username": "second-a",
                                                   "repeat_password": PASSWORD})
    assert again.status_code == 403 and "The invitation is invalid, used or expired" in again.text
    assert "新同事" in console_login(world, "newcomer-a").get("/home").text


def test_password_change_ends_sessions(world: World) -> None:
    http = console_login(world, "changer-a", lang="en")
    form = http.get("/account/password")
    wrong = http.post("/account/password", data={
        "csrf_token": csrf_of(form), "current_password": "not it at all!",
        "new_password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD})
    assert wrong.status_code == 403 and "The current password is not correct" in wrong.text
    done = http.post("/account/password", data={
        "csrf_token": csrf_of(form), "current_password": PASSWORD,
        "new_password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD})
    assert done.status_code == 200 and 'id="done"' in done.text
    assert http.get("/home", follow_redirects=False).status_code == 303
    assert console_login(world, "changer-a", NEW_PASSWORD).get("/home").status_code == 200


def test_logout_ends_the_session(world: World) -> None:
    http = console_login(world, "member-a")
    home = http.get("/home")
    cookie = http.cookies.get("openseal_session")
    copy = world.client()
    copy.cookies.set("openseal_session", cookie or "")
    assert copy.get("/home", follow_redirects=False).status_code == 200
    answer = http.post("/logout", data={"csrf_token": csrf_of(home)}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    stale = world.client()
    stale.cookies.set("openseal_session", cookie or "")
    assert stale.get("/home", follow_redirects=False).status_code == 303


def test_failed_logins_are_throttled_as_in_the_api(world: World) -> None:
    trusted = console_login(world, "hammered-a")  # this browser gets the device mark
    device = next(c for c in trusted.cookies.jar if c.name == "openseal_device")
    assert device.path == "/login"
    for _ in range(20):  # five free failures, then a doubling wait: reach one of 4 s+
        failed = _post_login(world.client(), username="hammered-a", password="wrong one!!")
        wait = int(failed.headers.get("retry-after", "0"))
        if wait >= 4:
            break
        world.clock.advance(seconds=wait)
    throttled = _post_login(world.client(), "en", username="hammered-a", password=PASSWORD)
    assert throttled.status_code == 429 and "try again in" in throttled.text
    assert int(throttled.headers["retry-after"]) > 0
    assert "openseal_session" not in throttled.headers.get("set-cookie", "")
    again = _post_login(trusted, username="hammered-a", password=PASSWORD)
    assert again.status_code == 303  # the owner's own browser is not locked out


def test_a_restricted_session_is_sent_to_lift_the_restriction(world: World) -> None:
    admin = world.login("admin-a")
    org_id = admin.get("/api/v1/auth/me").json()["org_id"]
    assert admin.patch(f"/api/v1/orgs/{org_id}", json={"require_2fa": True}).status_code == 200
    try:
        http = console_login(world, "member-a")
        home = http.get("/home", follow_redirects=False)
        assert home.status_code == 303 and home.headers["location"] == "/account/totp"
        page = http.get("/account/totp")
        assert page.status_code == 200 and 'action="/account/totp/begin"' in page.text
        lifting = http.post("/account/password", data={"csrf_token": csrf_of(page)},
                            follow_redirects=False)  # reachable: it lifts restrictions
        assert lifting.status_code == 403 and "PASSWORD_WRONG" in lifting.text
    finally:
        admin.patch(f"/api/v1/orgs/{org_id}", json={"require_2fa": False})
