"""Who is calling: the session cookie (browsers) or a bearer API client secret (integrations).

Cookie-authenticated requests that change state must carry the session's CSRF token in the
``X-CSRF-Token`` header; bearer requests cannot be forged cross-site and need none. Every
API-client request is recorded in the audit trail (``client.use``).
"""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from openseal.bootstrap import Context, Refusal, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.accounts.sessions import (
    SessionRejected,
    forget_session,
    not_logged_in,
    resolve_client,
    resolve_session,
)
from openseal.core.audit.recorder import Actor
from openseal.errors import PermissionDenied
from openseal.interfaces.api.deps import anonymous, wiring

SESSION_COOKIE = "openseal_session"
DEVICE_COOKIE = "openseal_device"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

bearer_scheme = HTTPBearer(auto_error=False, description="API client secret (osk_...)")
cookie_scheme = APIKeyCookie(name=SESSION_COOKIE, auto_error=False,
                             description="Session cookie set by POST /api/v1/auth/login")


def csrf_token(w: Wiring, session_token: str) -> str:
    return w.accounts.box.mac("csrf:" + session_token)[:40]


def session_principal(w: Wiring, cookie: str, actor: Actor, target: str) -> Principal:
    """Who the session cookie is; a refused session is audited, and one that may no longer
    be used (idle, expired, user disabled) is deleted in a transaction of its own."""
    try:
        return w.run(lambda c: resolve_session(c.repos, c.accounts, c.clock, cookie,
                                               actor.client_addr, actor.agent),
                     Refusal("auth.session_rejected", target), actor=actor)
    except SessionRejected as rejected:
        dead = rejected.session_id
        w.run(lambda c: forget_session(c.repos, dead), actor=actor)
        raise


def _principal(request: Request, w: Wiring, bearer: HTTPAuthorizationCredentials | None,
               cookie: str | None) -> Principal:
    actor = anonymous(request)
    if bearer is not None and bearer.credentials:
        return _client(request, w, bearer.credentials, actor)
    if "authorization" in request.headers:
        # Credentials we cannot read are refused, never passed over for the cookie.
        return _client(request, w, "", actor)
    if cookie:
        principal = session_principal(w, cookie, actor, request.url.path)
        _check_csrf(request, w, cookie, principal)
        return principal
    raise not_logged_in()


def _client(request: Request, w: Wiring, secret: str, actor: Actor) -> Principal:
    target = f"{request.method} {request.url.path}"

    def use(c: Context) -> Principal:
        principal = resolve_client(c.repos, c.clock, secret, actor.client_addr, actor.agent)
        c.audit.actor = principal.actor()
        c.audit.record("client.use", org_id=principal.org_id, target=f"client:{principal.id}",
                       details={"request": target})
        return principal

    return w.run(use, Refusal("auth.token_rejected", target), actor=actor)


def _check_csrf(request: Request, w: Wiring, cookie: str, principal: Principal) -> None:
    if request.method in SAFE_METHODS:
        return
    if request.headers.get(CSRF_HEADER, "") != csrf_token(w, cookie):
        w.run(lambda c: c.audit.record("authz.denied", "denied", org_id=principal.org_id,
                                       target=f"{request.method} {request.url.path}",
                                       details={"error": "CSRF_FAILED"}),
              actor=principal.actor())
        raise PermissionDenied("CSRF_FAILED", "请求缺少有效的 CSRF 令牌，已拒绝",
                               "The request lacks a valid CSRF token and was refused")


def any_caller(request: Request, w: Wiring = Depends(wiring),
               bearer: HTTPAuthorizationCredentials | None = Depends(bearer_scheme),
               cookie: str | None = Depends(cookie_scheme)) -> Principal:
    """A logged-in user or client, even one that must first fix its password or 2FA."""
    return _principal(request, w, bearer, cookie)


def caller(principal: Principal = Depends(any_caller)) -> Principal:
    """A logged-in user or client with no pending restriction."""
    if principal.restriction is not None:
        raise PermissionDenied(principal.restriction, _RESTRICTION_ZH[principal.restriction],
                               _RESTRICTION_EN[principal.restriction])
    return principal


_RESTRICTION_ZH = {"PASSWORD_EXPIRED": "密码已超过单位规定的最长使用期限，请先修改密码",
                   "TOTP_ENROLMENT_REQUIRED": "单位要求双因素认证，请先绑定动态验证码"}
_RESTRICTION_EN = {"PASSWORD_EXPIRED": "Your password is older than your organisation allows; "
                   "change it first",
                   "TOTP_ENROLMENT_REQUIRED": "Your organisation requires two-factor "
                   "authentication; enrol first"}
