"""One Jinja2 environment per language (gettext installed with ``jinja2.ext.i18n``), and
``render``: a page in the visitor's language, remembering a ``?lang=`` choice in a cookie.

Templates write every word as ``{{ _("English id") }}`` or ``{% trans %}``; static files are
linked with ``static("css/site.css")``, which adds a content hash so they can be cached for
a year (see ``site.StaticFiles``).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from openseal import __version__
from openseal.interfaces.web.i18n import (
    LANG_COOKIE,
    LANGS,
    asked_language,
    catalogue,
    language,
)

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
STATIC_PREFIX = "/static"
HELP_PATH = "/help"
LANG_COOKIE_AGE = 365 * 24 * 3600
HTML_LANG = {"zh": "zh-CN", "en": "en"}
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}  # each in its own language: never translated


@cache
def static(path: str) -> str:
    """The URL of a static file, with a hash of its content (a new file, a new URL)."""
    digest = hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:12]
    return f"{STATIC_PREFIX}/{path}?v={digest}"


@cache
def environment(lang: str) -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), extensions=["jinja2.ext.i18n"],
                      autoescape=select_autoescape(["html"]))
    env.install_gettext_translations(catalogue(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(lang=lang, html_lang=HTML_LANG[lang], static=static,
                       other_lang=next(x for x in LANGS if x != lang),
                       language_names=LANGUAGE_NAMES, switch_language=switch_language,
                       help_url=help_url, version=__version__)
    return env


def help_url(request: Request, section: str) -> str:
    """The user manual at ``section`` ("signin#log-in" -> docs/manual/signin.md#log-in):
    ``/help?page=signin#log-in`` here, or ``<docs_url>/signin.md#log-in`` when the settings
    name where the manual is published."""
    base = getattr(request.app.state.wiring.settings, "docs_url", None)
    page, _, anchor = section.partition("#")
    where = f"{base.rstrip('/')}/{page}.md" if base else f"{HELP_PATH}?page={page}"
    return where + (f"#{anchor}" if anchor else "")


def switch_language(request: Request) -> str:
    """This page's path and query with the other language chosen."""
    other = next(x for x in LANGS if x != language(request))
    query = request.url.include_query_params(lang=other).query
    return f"{request.url.path}?{query}"


def render(request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
    """``name`` rendered in the request's language (headers: see site.PageHeaders)."""
    lang = language(request)
    page = environment(lang).get_template(name).render(request=request, **values)
    response = HTMLResponse(page, status_code=status)
    remember_language(request, response)
    return response


def remember_language(request: Request, response: HTMLResponse) -> None:
    asked = asked_language(request)
    if asked and request.cookies.get(LANG_COOKIE) != asked:
        response.set_cookie(LANG_COOKIE, asked, max_age=LANG_COOKIE_AGE, path="/",
                            httponly=True, samesite="lax",
                            secure=request.url.scheme == "https")
