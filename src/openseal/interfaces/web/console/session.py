"""The signed-in user of a console page, and CSRF.

A page gets the user with ``Depends(signed_in)``: the session cookie (the one the API's
login sets) resolved through the core, or a redirect to /login. A restricted session
(password expired, 2FA required) is sent to the page that lifts the restriction. A POST
takes ``Depends(form_user)``, which also requires the form's ``csrf_token`` (or the
X-CSRF-Token header htmx sends) to be the session's token (interfaces/api/auth.csrf_token):
a missing or wrong token is refused (403, audited) before anything runs. Forms shown
before login (login, invitation) carry a token bound to a random pre-session cookie.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import quote

from fastapi import Depends, Request, Response

from openseal.bootstrap import Context, Wiring
from openseal.core.accounts.principal import (
    PASSWORD_EXPIRED,
    TOTP_ENROLMENT_REQUIRED,
    Principal,
)
from openseal.errors import OpenSealError, PermissionDenied
from openseal.interfaces.api.auth import (
    CSRF_HEADER,
    SESSION_COOKIE,
    csrf_token,
    session_principal,
)
from openseal.interfaces.api.deps import anonymous, wiring

CSRF_FIELD = "csrf_token"
PRESESSION_COOKIE = "openseal_presession"
LIFTED_AT = {PASSWORD_EXPIRED: "/account/password", TOTP_ENROLMENT_REQUIRED: "/account/totp"}


class Redirect(Exception):  # noqa: N818 - an answer, not a fault
    """Answered with 303 to ``location`` (routes.install registers the handler)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


class Refused(Exception):  # noqa: N818 - an answer, not a fault
    """A refusal the console answers itself, as a page in the user's language (the
    language from ``?lang=``, the cookie or the browser, as the page itself uses)."""

    def __init__(self, error: OpenSealError) -> None:
        super().__init__(error.code)
        self.error = error


@dataclass(frozen=True)
class SignedIn:
    """The console's user: who (``principal``) and the CSRF token its forms carry."""

    principal: Principal
    csrf: str


def _login_first(request: Request) -> Redirect:
    """To the login page, coming back here afterwards (a GET only: a form is lost)."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Redirect("/login?next=" + quote(target, safe="/") if request.method == "GET"
                    else "/login")


def any_signed_in(request: Request, w: Wiring = Depends(wiring)) -> SignedIn:
    """The signed-in user, even one that must first change the password or enrol 2FA."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise _login_first(request)
    actor = anonymous(request)
    try:
        principal = session_principal(w, cookie, actor, request.url.path)
    except OpenSealError as exc:
        raise _login_first(request) from exc
    return SignedIn(principal, csrf_token(w, cookie))


T = TypeVar("T")


def run_as(w: Wiring, user: SignedIn, work: Callable[[Context], T]) -> T:
    """``work(c)`` in one transaction as ``user``; a refusal from the core becomes the
    console's error page (``Refused``)."""
    try:
        return w.run(work, actor=user.principal.actor())
    except OpenSealError as exc:
        raise Refused(exc) from exc


def signed_in(user: SignedIn = Depends(any_signed_in)) -> SignedIn:
    """The signed-in user with no pending restriction (else: to the page that lifts it)."""
    restriction = user.principal.restriction
    if restriction is not None:
        raise Redirect(LIFTED_AT.get(restriction, "/account/password"))
    return user


async def check_csrf(request: Request, expected: str, w: Wiring,
                     principal: Principal | None) -> None:
    """Refuse (403 CSRF_FAILED, audited) a form whose token is not ``expected``."""
    form = await request.form()
    given = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    if isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode()):
        return
    actor = principal.actor() if principal else anonymous(request)
    w.run(lambda c: c.audit.record("authz.denied", "denied",
                                   org_id=principal.org_id if principal else None,
                                   target=f"{request.method} {request.url.path}",
                                   details={"error": "CSRF_FAILED"}), actor=actor)
    raise Refused(csrf_failed())


def csrf_failed() -> PermissionDenied:
    return PermissionDenied("CSRF_FAILED", "请求缺少有效的 CSRF 令牌，已拒绝",
                            "The request lacks a valid CSRF token and was refused")


async def any_form_user(request: Request, w: Wiring = Depends(wiring),
                        user: SignedIn = Depends(any_signed_in)) -> SignedIn:
    """The user of a POSTed form, once its CSRF token checks out, even a restricted one
    (only for the pages that lift a restriction, and logout)."""
    await check_csrf(request, user.csrf, w, user.principal)
    return user


def form_user(user: SignedIn = Depends(any_form_user)) -> SignedIn:
    """The user of a POSTed form: CSRF token checked, no pending restriction."""
    return signed_in(user)


# Before login: a token bound to a random cookie of this browser (login CSRF) -------------
@dataclass(frozen=True)
class PreSession:
    """This browser's pre-session value and the CSRF token derived from it."""

    value: str
    csrf: str

    def keep(self, response: Response, w: Wiring) -> Response:
        response.set_cookie(PRESESSION_COOKIE, self.value, path="/", httponly=True,
                            samesite="strict", secure=w.settings.cookie_secure)
        return response


def presession(request: Request, w: Wiring = Depends(wiring)) -> PreSession:
    """The pre-session of this browser (a new one if it has none)."""
    value = request.cookies.get(PRESESSION_COOKIE) or secrets.token_urlsafe(24)
    return PreSession(value, _presession_mac(w, value))


def _presession_mac(w: Wiring, value: str) -> str:
    return w.accounts.box.mac("presession-csrf:" + value)[:40]


async def check_presession(request: Request, w: Wiring = Depends(wiring)) -> None:
    """Dependency for forms posted before login."""
    value = request.cookies.get(PRESESSION_COOKIE, "")
    await check_csrf(request, _presession_mac(w, value) if value else "\0", w, None)
