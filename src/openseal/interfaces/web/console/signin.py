"""Logging in and out of the console, through core/accounts as the API does (same
throttling, same audit): username and password, then the one-time code or a recovery code
when the account has 2FA. The password is not sent back to the browser between the two
steps: the second step carries it sealed (SecretBox, five minutes)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openseal.bootstrap import Wiring
from openseal.core.accounts.login import LoginAttempt, LoginResult, login
from openseal.core.accounts.sessions import logout
from openseal.core.accounts.throttle import TooManyRequests
from openseal.errors import OpenSealError, PermissionDenied
from openseal.interfaces.api.auth import DEVICE_COOKIE, SESSION_COOKIE
from openseal.interfaces.api.deps import anonymous, wiring
from openseal.interfaces.api.problems import status_of
from openseal.interfaces.web.console.layout import Page, show
from openseal.interfaces.web.console.session import (
    PreSession,
    SignedIn,
    any_form_user,
    check_presession,
    presession,
)

router = APIRouter(include_in_schema=False)
LOGIN = Page("console/login.html", "Log in", "signin#登录-log-in")
SECOND = Page("console/login_code.html", "Two-factor authentication", "signin#两步验证-two-factor")
PENDING_PURPOSE = "console-login-pending"
PENDING_SECONDS = 300
DEVICE_MAX_AGE = 400 * 24 * 3600


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, w: Wiring = Depends(wiring),
               pre: PreSession = Depends(presession)) -> Response:
    return pre.keep(show(request, LOGIN, csrf=pre.csrf, next=_next(request)), w)


@router.post("/login", response_class=HTMLResponse,
             dependencies=[Depends(check_presession)])
def log_in(request: Request, username: str = Form(""), password: str = Form(""),
           pending: str = Form(""), code: str = Form(""), recovery_code: str = Form(""),
           next: str = Form("/home"), w: Wiring = Depends(wiring),
           pre: PreSession = Depends(presession)) -> Response:
    """Check the credentials; on success a new session (cookie), then ``next``."""
    try:
        if pending:
            username, password = _unseal(w, pending)
        result = _attempt(request, w, username, password, code, recovery_code)
    except OpenSealError as exc:
        return _refused(request, w, pre, exc, username, next)
    if result.error is None:
        return _signed_in(w, result, next)
    if result.error.code == "TOTP_REQUIRED" or (
            pending and not isinstance(result.error, TooManyRequests)):
        sealed = _seal(w, username, password)
        return pre.keep(show(request, SECOND, status=_status(result, pending),
                             error=result.error if pending else None, csrf=pre.csrf,
                             pending=sealed, next=_safe(next)), w)
    return _refused(request, w, pre, result.error, username, next)


def _status(result: LoginResult, pending: str) -> int:
    return status_of(result.error) if pending and result.error else 200


def _attempt(request: Request, w: Wiring, username: str, password: str, code: str,
             recovery_code: str) -> LoginResult:
    actor = anonymous(request)
    attempt = LoginAttempt(username, password, code.strip() or None,
                           recovery_code.strip() or None, actor.client_addr, actor.agent,
                           request.cookies.get(DEVICE_COOKIE))
    return w.run(lambda c: login(c.repos, c.accounts, c.clock, attempt, audit=c.audit),
                 actor=actor)


def _refused(request: Request, w: Wiring, pre: PreSession, error: OpenSealError,
             username: str, next: str) -> Response:
    page = show(request, LOGIN, status=status_of(error), error=error, csrf=pre.csrf,
                username=username, next=_safe(next))
    retry = getattr(error, "retry_after", None)
    if retry:
        page.headers["Retry-After"] = str(retry)
    return pre.keep(page, w)


def _signed_in(w: Wiring, result: LoginResult, next: str) -> Response:
    assert result.token and result.device
    response = RedirectResponse(_safe(next), status_code=303)
    secure = w.settings.cookie_secure
    response.set_cookie(SESSION_COOKIE, result.token, path="/", httponly=True,
                        secure=secure, samesite="strict")
    # The trusted-device mark (core/accounts/login.py), for the console's own login path.
    response.set_cookie(DEVICE_COOKIE, result.device, max_age=DEVICE_MAX_AGE,
                        path="/login", httponly=True, secure=secure, samesite="strict")
    return response


def _seal(w: Wiring, username: str, password: str) -> str:
    payload = json.dumps({"u": username, "p": password, "t": w.clock.now().timestamp()})
    return w.accounts.box.encrypt(payload, PENDING_PURPOSE)


def _unseal(w: Wiring, sealed: str) -> tuple[str, str]:
    try:
        payload = json.loads(w.accounts.box.decrypt(sealed, PENDING_PURPOSE))
        fresh = 0 <= w.clock.now().timestamp() - float(payload["t"]) < PENDING_SECONDS
        username, password = str(payload["u"]), str(payload["p"])
    except (ValueError, KeyError, TypeError, OpenSealError):
        fresh = False
    if not fresh:
        raise PermissionDenied("LOGIN_EXPIRED", "登录步骤已过期，请重新输入用户名和密码",
                               "The login step has expired; enter your username and "
                               "password again")
    return username, password


def _next(request: Request) -> str:
    return _safe(request.query_params.get("next", "/home"))


def _safe(target: str) -> str:
    """Only a path of this site (never //host or a scheme): no open redirect."""
    ok = target.startswith("/") and not target.startswith("//") and "\\" not in target
    return target if ok else "/home"


@router.post("/logout")
def log_out(request: Request, user: SignedIn = Depends(any_form_user),
            w: Wiring = Depends(wiring)) -> Response:
    """End this session (POST with the CSRF token only; GET /logout changes nothing)."""
    p = user.principal
    w.run(lambda c: logout(c.repos, p, audit=c.audit), actor=p.actor())
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
