"""One way to declare a console page and to show it: the base layout (header, navigation
for the user's roles, language switch, help link), the user, and a form's error.

Help links go to docs/manual/<page>.md#<section>: ``/help?page=<page>#<section>`` (served by
manual.py from the source tree), or ``<docs_url>/<page>.md#<section>`` when the settings name
a published manual (``docs_url``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from openseal.core.governance.roles import ROLE_NAMES
from openseal.errors import OpenSealError
from openseal.interfaces.web.console.session import SignedIn
from openseal.interfaces.web.i18n import language
from openseal.interfaces.web.rendering import help_url, render


@dataclass(frozen=True)
class Page:
    """A console page: its template, title (a message id), the manual section that
    explains it (``"signin#login"`` -> docs/manual/signin.md#login) and the navigation
    entry it belongs to."""

    template: str
    title: str
    help: str
    nav: str | None = None


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str  # a message id
    href: str
    permission: str | None = None  # shown only to users who have it


# The console's navigation, in order; each feature adds its entry here.
NAV: list[NavItem] = [
    NavItem("home", "Home", "/home"),
    NavItem("account", "My account", "/account"),
]


@dataclass(frozen=True)
class FormError:
    """An error from the core, shown on the form: the message in the user's language and
    the field it is about (None: the whole form)."""

    code: str
    message: str
    field: str | None

    @classmethod
    def of(cls, exc: OpenSealError, lang: str) -> FormError:
        field = exc.fields.get("field")
        return cls(exc.code, exc.message(lang), field if isinstance(field, str) else None)


def navigation(user: SignedIn | None) -> list[NavItem]:
    if user is None:
        return []
    return [item for item in NAV
            if item.permission is None or user.principal.may(item.permission)]


def role_names(user: SignedIn, lang: str) -> list[str]:
    roles = user.principal.roles or frozenset({user.principal.role or ""})
    index = 1 if lang == "en" else 0
    return [ROLE_NAMES[r][index] if r in ROLE_NAMES else r for r in sorted(roles) if r]


def show(request: Request, page: Page, user: SignedIn | None = None, *, status: int = 200,
         error: OpenSealError | None = None, csrf: str | None = None,
         **values: Any) -> HTMLResponse:
    """``page`` in the user's language inside the base layout."""
    lang = language(request)
    return render(request, page.template, status, page=page, user=user,
                  nav=navigation(user), help_link=help_url(request, page.help),
                  error=FormError.of(error, lang) if error else None,
                  csrf=csrf or (user.csrf if user else ""),
                  roles=role_names(user, lang) if user else [], **values)
