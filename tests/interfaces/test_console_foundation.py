"""The console's foundation without a browser: security headers and a strict CSP on every
page, long-cached static files (htmx with its licence, the CJK font), the language switch,
complete catalogues (no page shows an untranslated message id), CSRF on every form (403,
nothing changed) and no state change on GET."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from openseal.interfaces.web import i18n
from openseal.interfaces.web.console.manual import markdown_subset
from openseal.interfaces.web.fontsubset import characters
from openseal.interfaces.web.rendering import static
from tests.support.api import ADMIN, ORGS, PASSWORD, ShiftedClock, World, invite, register
from tests.support.console import console_client, csrf_of
from tests.support.pdfs import reportlab_pdf

ROOT = Path(__file__).resolve().parents[2]
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
       "base-uri 'none'; object-src 'none'")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "text": (2,), "N_": None,
            "Page": (2,), "NavItem": (2,)}  # as in docs/development.md's pybabel command
CONSOLE_GETS = ("/login", "/home", "/account", "/account/password", "/account/totp",
                "/invitations/accept?token=osi_nothing", "/register", "/organisation")
PUBLIC_GETS = ("/verify", "/v/00000000-0000-0000-0000-000000000000")


def console_world(home: Path) -> World:
    from openseal.bootstrap import Wiring, load_master_key
    from openseal.config import Settings
    from openseal.core.accounts.users import create_platform_admin

    settings = Settings(home=home, audit_checkpoint_every=10_000)
    wiring = Wiring(settings, clock=ShiftedClock())
    wiring.migrate()
    load_master_key(settings, create=True)
    with wiring.context() as c:
        c.pki.init_instance("OpenSeal Console Test")
        create_platform_admin(c.repos, c.accounts, c.clock, *ADMIN, audit=c.audit)
    world = World(wiring, wiring.clock)  # type: ignore[arg-type]
    register(world, "A", *ORGS["A"])
    invite(world, world.login("admin-a"), "member-a", "seal_user")
    return world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return console_world(tmp_path_factory.mktemp("console-foundation") / "home")


def signed_in(world: World, username: str = "member-a", lang: str = "zh") -> TestClient:
    return console_client(world, username, lang)


def test_every_page_has_the_security_headers_and_no_inline_code(world: World) -> None:
    http = signed_in(world)
    for path in CONSOLE_GETS + PUBLIC_GETS:
        page = http.get(path)
        assert "text/html" in page.headers["content-type"], path
        assert page.headers["content-security-policy"] == CSP, path
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"] == "same-origin"
        assert page.headers["x-frame-options"] == "DENY"
        assert "camera=()" in page.headers["permissions-policy"]
        assert page.headers["cache-control"] == "no-store", path
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page.text), path
        assert "<style" not in page.text and " style=" not in page.text, path
        assert not re.search(r"\son[a-z]+=", page.text), path  # no inline handlers
        assert re.search(r'href="/help\?page=[a-z-]+#[\w-]+" id="help"', page.text), path
    assert http.get("/home").headers["cache-control"] == "no-store"


def test_every_control_has_a_label(world: World) -> None:
    http = signed_in(world)
    for path in CONSOLE_GETS:
        html = http.get(path).text
        for control in re.findall(r"<input\b[^>]*>", html):
            if 'type="hidden"' in control:
                continue
            ident = re.search(r'id="([^"]+)"', control)
            assert ident and f'for="{ident.group(1)}"' in html, (path, control)
        assert 'id="help"' in html and 'href="/help?page=' in html, path


def test_static_files_are_cached_long(world: World) -> None:
    http = world.client()
    for name, kind in (("css/site.css", "text/css"), ("js/console.js", "javascript"),
                       ("vendor/htmx.min.js", "javascript"),
                       ("fonts/noto-sans-sc-gb1.woff2", "font/woff2")):
        answer = http.get(static(name))
        assert answer.status_code == 200 and kind in answer.headers["content-type"], name
        assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
    htmx = http.get(static("vendor/htmx.min.js")).text
    assert htmx.startswith("/*! htmx") and "Zero-Clause BSD" in htmx.splitlines()[0]
    assert 'href="/static/css/site.css?v=' in http.get("/login").text


def test_the_cjk_font_covers_the_pages_chinese() -> None:
    """The font is cut to ``fontsubset.characters()`` (reading WOFF2 back needs brotli)."""
    font = ROOT / "src/openseal/interfaces/web/static/fonts/noto-sans-sc-gb1.woff2"
    assert font.read_bytes()[:4] == b"wOF2" and font.stat().st_size < 1_000_000
    zh = i18n.read_catalogue("zh")
    used = {ch for m in zh if m.id for ch in str(m.string) if ord(ch) > 0x2000}
    assert used - characters() == set()


def test_language_from_query_then_cookie_then_header(world: World) -> None:
    http = world.client()
    assert "登录" in http.get("/login").text and 'lang="zh-CN"' in http.get("/login").text
    english = http.get("/login?lang=en")
    assert 'lang="en"' in english.text and "lang=en" in english.headers["set-cookie"]
    assert 'lang="en"' in http.get("/login").text  # the cookie remembers
    assert 'lang="zh-CN"' in http.get("/login?lang=zh").text
    for header, lang in (("en-GB,en;q=0.9", "en"), ("fr, en;q=0.5", "en"),
                         ("zh-CN,zh;q=0.9,en;q=0.8", "zh"), ("de", "zh"),
                         ("en;q=0.2, zh;q=0.8", "zh")):
        page = world.client().get("/login", headers={"Accept-Language": header})
        assert f'lang="{"en" if lang == "en" else "zh-CN"}"' in page.text, header
    switch = world.client().get("/invitations/accept?token=osi_x&lang=en")
    assert 'href="/invitations/accept?token=osi_x&amp;lang=zh"' in switch.text


def _catalogue(lang: str) -> dict[str, str]:
    """Every message of ``lang``; an id in two of its files is an error."""
    ids: list[str] = []
    for path in i18n.catalogue_files(lang):
        ids += [str(m.id) for m in read_po(path.open("rb"), locale=lang) if m.id]
    assert len(ids) == len(set(ids)), "a message id in two .po files"
    return {str(m.id): str(m.string) for m in i18n.read_catalogue(lang) if m.id}


def test_catalogues_are_complete_and_match_the_sources() -> None:
    zh, en = _catalogue("zh"), _catalogue("en")
    assert zh.keys() == en.keys()
    assert [k for k, v in {**zh}.items() if not v] == []
    assert [k for k, v in en.items() if not v] == []
    method_map, options = parse_mapping_cfg((ROOT / "babel.cfg").open())
    found = {str(m[2]) for m in extract_from_dir(str(ROOT), method_map, options,
                                                 keywords=KEYWORDS)}
    assert found - zh.keys() == set(), "not in the catalogue (run pybabel update)"
    assert zh.keys() - found == set(), "stale catalogue entries"


def test_every_page_renders_fully_translated_in_both_languages(world: World) -> None:
    zh = _catalogue("zh")
    english_only = [k for k, v in zh.items() if v != k and len(k) >= 12]
    i18n.MISSING.clear()
    for lang in ("zh", "en"):
        http = signed_in(world, lang=lang)
        pages = [http.get(path) for path in CONSOLE_GETS + PUBLIC_GETS + ("/help?page=nothing",)]
        pages.append(http.post("/verify", files={"file": ("a.pdf", reportlab_pdf(),
                                                           "application/pdf")}))
        pages.append(world.client().get(f"/login?lang={lang}"))
        for page in pages:
            assert page.status_code < 500 and "text/html" in page.headers["content-type"]
            if lang == "zh":
                text = re.sub(r"<[^>]+>", " ", page.text)
                assert [m for m in english_only if m in text] == [], page.url
    assert i18n.MISSING == set()


def test_console_posts_without_the_right_token_change_nothing(world: World) -> None:
    http = signed_in(world, lang="en")
    before = len(world.audit())
    for token in (None, "", "0" * 40, csrf_of(signed_in(world, "admin-a").get("/home").text)):
        data = {"current_password": PASSWORD, "new_password": "brand new passphrase 55",
                "repeat_password": "brand new passphrase 55"}
        if token is not None:
            data["csrf_token"] = token
        refused = http.post("/account/password", data=data)
        assert refused.status_code == 403, refused.text
        assert "lacks a valid CSRF token" in refused.text
        assert 'data-code="CSRF_FAILED"' in refused.text
        assert http.post("/logout", data={"csrf_token": "nope"}).status_code == 403
        assert http.post("/account/totp/begin").status_code == 403
    assert http.get("/home").status_code == 200  # still signed in: logout was refused
    signed_in(world)  # the password did not change
    denied = world.audit("authz.denied")[-3:]
    assert all(e["details"]["error"] == "CSRF_FAILED" for e in denied)  # type: ignore[index]
    assert len(world.audit()) > before
    zh = world.client().post("/login", data={"username": "member-a", "password": PASSWORD})
    assert zh.status_code == 403 and "请求缺少有效的 CSRF 令牌" in zh.text
    assert "openseal_session" not in zh.headers.get("set-cookie", "")


def test_get_never_changes_state(world: World) -> None:
    http = signed_in(world)
    before = len(world.audit())
    for path in CONSOLE_GETS + ("/logout", "/account/totp/begin", "/account/totp/confirm"):
        http.get(path)
    assert http.get("/logout").status_code == 405
    assert http.get("/home").status_code == 200  # GET /logout did not log out
    assert len(world.audit()) == before
    with world.wiring.context() as c:
        member = c.repos.find_user("member-a")
        assert member is not None and member.totp_secret is None


def test_signed_out_visitors_are_sent_to_login(world: World) -> None:
    http = world.client()
    for path in ("/home", "/account", "/account/password", "/account/totp"):
        answer = http.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"] == "/login?next=" + path
    assert http.get("/", follow_redirects=False).headers["location"] == "/login"
    assert http.post("/account/password", data={}, follow_redirects=False).status_code == 303


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_wrong_addresses_and_methods_on_console_paths_are_pages(world: World,
                                                                lang: str) -> None:
    """The framework's 404 and 405 on a console path: the console's error page in the
    person's language (the API keeps its problem+json)."""
    http = signed_in(world, lang=lang)
    for path, status, words in (("/seals/x/y/z", 404, ("找不到该页面", "Page not found")),
                                ("/logout", 405, ("此地址不能这样打开", "cannot be opened"))):
        page = http.get(path)
        assert page.status_code == status and "text/html" in page.headers["content-type"]
        assert words[0 if lang == "zh" else 1] in page.text, path
        assert f'data-code="HTTP_{status}"' in page.text
    assert http.get("/logout").headers["allow"] == "POST"
    api = http.get("/api/v1/auth/logout")
    assert api.status_code == 405 and api.json()["code"] == "HTTP_405"


def test_help_pages_render_the_manual_with_section_ids(world: World) -> None:
    body = str(markdown_subset("# 登录 Log in\n\nText <b>here</b>\n\n- one\n- two\n\n"
                               "```\ncode & more\n```"))
    assert '<h2 id="登录-log-in">登录 Log in</h2>' in body and "&lt;b&gt;" in body
    assert "<ul><li>one</li><li>two</li></ul>" in body and "code &amp; more" in body
    missing = world.client().get("/help?page=nothing&lang=en")
    assert missing.status_code == 404 and "The user manual has no page" in missing.text
    assert world.client().get("/help?page=../README").status_code == 404
    login = world.client().get("/login")
    assert 'href="/help?page=signin#登录-log-in"' in login.text
