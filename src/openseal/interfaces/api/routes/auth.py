"""/api/v1/auth: log in and out, the caller, password change, TOTP enrolment."""

from __future__ import annotations

import base64

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import APIKeyCookie

from openseal.bootstrap import Context, Wiring
from openseal.core.accounts.login import LoginAttempt, login
from openseal.core.accounts.principal import Principal
from openseal.core.accounts.sessions import logout, logout_everywhere, resolve_session
from openseal.core.accounts.twofactor import begin_totp, confirm_totp, disable_totp
from openseal.core.accounts.users import change_password
from openseal.core.records import UserRecord
from openseal.errors import PermissionDenied
from openseal.interfaces.api.auth import (
    DEVICE_COOKIE,
    SESSION_COOKIE,
    any_caller,
    cookie_scheme,
    csrf_token,
)
from openseal.interfaces.api.deps import anonymous, wiring
from openseal.interfaces.api.schemas import (
    CodeBody,
    LoginBody,
    LoginOut,
    MeOut,
    PasswordBody,
    PasswordOnlyBody,
    RecoveryCodesOut,
    TotpSetupOut,
    UserOut,
)

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
device_scheme = APIKeyCookie(name=DEVICE_COOKIE, auto_error=False)
DEVICE_MAX_AGE = 400 * 24 * 3600


@router.post("/login", response_model=LoginOut)
def log_in(body: LoginBody, request: Request, response: Response,
           w: Wiring = Depends(wiring), device: str | None = Depends(device_scheme)
           ) -> LoginOut:
    """Log in with username, password and (when enrolled) a TOTP or recovery code.

    Sets the session cookie (HttpOnly, Secure, SameSite=Strict); always a new session id.
    """
    actor = anonymous(request)
    attempt = LoginAttempt(body.username, body.password, body.code, body.recovery_code,
                           actor.client_addr, actor.agent, device)
    result = w.run(lambda c: login(c.repos, c.accounts, c.clock, attempt, audit=c.audit),
                   actor=actor)
    if result.error is not None:
        raise result.error
    assert result.token and result.session and result.user and result.device
    _set_cookie(w, response, SESSION_COOKIE, result.token, None, "/")
    _set_cookie(w, response, DEVICE_COOKIE, result.device, DEVICE_MAX_AGE, "/api/v1/auth")
    restriction = w.run(lambda c: _restriction_of(c, result.token or ""))
    return LoginOut(user=UserOut.of(result.user), csrf_token=csrf_token(w, result.token),
                    expires_at=result.session.expires_at, restriction=restriction)


def _restriction_of(c: Context, token: str) -> str | None:
    return resolve_session(c.repos, c.accounts, c.clock, token).restriction


def _set_cookie(w: Wiring, response: Response, name: str, value: str, max_age: int | None,
                path: str) -> None:
    response.set_cookie(name, value, max_age=max_age, path=path, httponly=True,
                        secure=w.settings.cookie_secure, samesite="strict")


@router.post("/logout", status_code=204)
def log_out(response: Response, p: Principal = Depends(any_caller),
            w: Wiring = Depends(wiring)) -> Response:
    """End this session."""
    w.run(lambda c: logout(c.repos, p, audit=c.audit), actor=p.actor())
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/logout-all", status_code=204)
def log_out_everywhere(p: Principal = Depends(any_caller),
                       w: Wiring = Depends(wiring)) -> Response:
    """End every session of this user, on every device."""
    w.run(lambda c: logout_everywhere(c.repos, _me(c, p), audit=c.audit), actor=p.actor())
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", response_model=MeOut)
def me(p: Principal = Depends(any_caller), w: Wiring = Depends(wiring),
       cookie: str | None = Depends(cookie_scheme)) -> MeOut:
    """Who is calling, what they may do, and the CSRF token for this session."""
    return MeOut(kind=p.kind, id=p.id, name=p.name, org_id=p.org_id, role=p.role,
                 scopes=sorted(p.scopes), restriction=p.restriction,
                 csrf_token=csrf_token(w, cookie) if cookie and p.kind == "user" else None)


def _me(c: Context, p: Principal) -> UserRecord:
    user = c.repos.get_user(p.id) if p.kind == "user" else None
    if user is None:
        raise PermissionDenied("USERS_ONLY", "只有登录用户可以执行此操作",
                               "Only a logged-in user can do this")
    return user


@router.post("/password", status_code=204)
def new_password(body: PasswordBody, p: Principal = Depends(any_caller),
                 w: Wiring = Depends(wiring)) -> Response:
    """Change your password; every session of yours ends (log in again)."""
    w.run(lambda c: change_password(c.repos, c.accounts, c.clock, _me(c, p),
                                    body.current_password, body.new_password, audit=c.audit),
          actor=p.actor())
    return Response(status_code=204)


@router.post("/totp/setup", response_model=TotpSetupOut)
def totp_setup(p: Principal = Depends(any_caller), w: Wiring = Depends(wiring)
               ) -> TotpSetupOut:
    """Start TOTP enrolment: scan the QR code, then confirm with a code."""
    issuer = w.settings.instance_name
    enrolment = w.run(lambda c: begin_totp(c.repos, c.accounts, _me(c, p), issuer,
                                           audit=c.audit), actor=p.actor())
    return TotpSetupOut(secret=enrolment.secret, otpauth_uri=enrolment.uri,
                        qr_png_base64=base64.b64encode(enrolment.qr_png).decode())


@router.post("/totp/confirm", response_model=RecoveryCodesOut)
def totp_confirm(body: CodeBody, p: Principal = Depends(any_caller),
                 w: Wiring = Depends(wiring)) -> RecoveryCodesOut:
    """Finish enrolment; returns ten single-use recovery codes (shown once). Sessions end."""
    codes = w.run(lambda c: confirm_totp(c.repos, c.accounts, c.clock, _me(c, p), body.code,
                                         audit=c.audit), actor=p.actor())
    return RecoveryCodesOut(recovery_codes=codes)


@router.post("/totp/disable", status_code=204)
def totp_disable(body: PasswordOnlyBody, p: Principal = Depends(any_caller),
                 w: Wiring = Depends(wiring)) -> Response:
    """Turn two-factor authentication off (password asked again). Sessions end."""
    w.run(lambda c: disable_totp(c.repos, c.accounts, _me(c, p), body.password,
                                 audit=c.audit), actor=p.actor())
    return Response(status_code=204)
