"""The user's own account: who they are, password change, TOTP enrolment (QR code, then the
recovery codes shown once). Changing the password or switching 2FA on ends every session
of the user (core/accounts), so those pages end by asking to log in again."""

from __future__ import annotations

import base64

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from openseal.bootstrap import Context, Wiring
from openseal.core.accounts.totp import provisioning_uri, qr_png
from openseal.core.accounts.twofactor import TOTP_PURPOSE, begin_totp, confirm_totp
from openseal.core.accounts.users import change_password
from openseal.core.records import UserRecord
from openseal.errors import InvalidInput, OpenSealError
from openseal.interfaces.api.auth import SESSION_COOKIE
from openseal.interfaces.api.deps import wiring
from openseal.interfaces.api.problems import status_of
from openseal.interfaces.web.console.layout import Page, show
from openseal.interfaces.web.console.session import (
    SignedIn,
    any_form_user,
    any_signed_in,
)

router = APIRouter(include_in_schema=False)
ACCOUNT = Page("console/account.html", "My account", "account#我的账户-overview", "account")
PASSWORD = Page("console/password.html", "Change password", "account#修改密码-password", "account")
PASSWORD_DONE = Page("console/password_done.html", "Password changed", "account#修改密码-password")
TOTP = Page("console/totp.html", "Two-factor authentication", "account#两步验证-two-factor",
            "account")
CODES = Page("console/recovery_codes.html", "Recovery codes", "account#恢复码-recovery-codes")


def me(c: Context, user: SignedIn) -> UserRecord:
    found = c.repos.get_user(user.principal.id)
    assert found is not None  # the session was just resolved to this user
    return found


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, user: SignedIn = Depends(any_signed_in),
            w: Wiring = Depends(wiring)) -> Response:
    record = w.run(lambda c: me(c, user))
    return show(request, ACCOUNT, user, record=record)


@router.get("/account/password", response_class=HTMLResponse)
def password_form(request: Request, user: SignedIn = Depends(any_signed_in)) -> Response:
    return show(request, PASSWORD, user)


@router.post("/account/password", response_class=HTMLResponse)
def password_change(request: Request, current_password: str = Form(""),
                    new_password: str = Form(""), repeat_password: str = Form(""),
                    user: SignedIn = Depends(any_form_user), w: Wiring = Depends(wiring)
                    ) -> Response:
    p = user.principal
    try:
        if new_password != repeat_password:
            raise InvalidInput("PASSWORD_MISMATCH", "两次输入的新密码不一致",
                               "The two new passwords differ", field="repeat_password")
        w.run(lambda c: change_password(c.repos, c.accounts, c.clock, me(c, user),
                                        current_password, new_password, audit=c.audit),
              actor=p.actor())
    except OpenSealError as exc:
        return show(request, PASSWORD, user, status=status_of(exc), error=exc)
    return _signed_out(show(request, PASSWORD_DONE))


@router.get("/account/totp", response_class=HTMLResponse)
def totp_page(request: Request, user: SignedIn = Depends(any_signed_in),
              w: Wiring = Depends(wiring)) -> Response:
    record = w.run(lambda c: me(c, user))
    return show(request, TOTP, user, record=record, enrolment=None)


@router.post("/account/totp/begin", response_class=HTMLResponse)
def totp_begin(request: Request, user: SignedIn = Depends(any_form_user),
               w: Wiring = Depends(wiring)) -> Response:
    """Store a new (inactive) secret and show its QR code."""
    p, issuer = user.principal, w.settings.instance_name
    try:
        enrolment = w.run(lambda c: begin_totp(c.repos, c.accounts, me(c, user), issuer,
                                               audit=c.audit), actor=p.actor())
    except OpenSealError as exc:
        return _totp_again(request, user, w, exc)
    return show(request, TOTP, user, record=None,
                enrolment=_shown(enrolment.secret, enrolment.qr_png))


@router.post("/account/totp/confirm", response_class=HTMLResponse)
def totp_confirm(request: Request, code: str = Form(""),
                 user: SignedIn = Depends(any_form_user), w: Wiring = Depends(wiring)
                 ) -> Response:
    """Switch 2FA on with a code from the app; show the recovery codes once."""
    p = user.principal
    try:
        codes = w.run(lambda c: confirm_totp(c.repos, c.accounts, c.clock, me(c, user),
                                             code.strip(), audit=c.audit), actor=p.actor())
    except OpenSealError as exc:
        return _totp_again(request, user, w, exc)
    return _signed_out(show(request, CODES, codes=codes))


def _totp_again(request: Request, user: SignedIn, w: Wiring, exc: OpenSealError) -> Response:
    """The enrolment page again with the error (and the pending QR code, if any)."""
    issuer = w.settings.instance_name

    def pending(c: Context) -> tuple[UserRecord, dict[str, str] | None]:
        record = me(c, user)
        if record.totp_enabled or record.totp_secret is None:
            return record, None
        secret = c.accounts.box.decrypt(record.totp_secret, TOTP_PURPOSE)
        return record, _shown(secret, qr_png(provisioning_uri(secret, record.username,
                                                               issuer)))

    record, enrolment = w.run(pending)
    return show(request, TOTP, user, status=status_of(exc), error=exc, record=record,
                enrolment=enrolment)


def _shown(secret: str, png: bytes) -> dict[str, str]:
    return {"secret": secret, "qr": "data:image/png;base64," + base64.b64encode(png).decode()}


def _signed_out(response: Response) -> Response:
    """The session is gone (core ended every session of the user): drop the cookie too."""
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
