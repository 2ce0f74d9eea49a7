"""Accepting an invitation (/invitations/accept?token=...): the invited person chooses a
username and password; no login needed, the token is the proof (single use, expires)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from openseal.bootstrap import Wiring
from openseal.core.accounts.users import accept_invitation
from openseal.errors import InvalidInput, OpenSealError
from openseal.interfaces.api.deps import anonymous, wiring
from openseal.interfaces.api.problems import status_of
from openseal.interfaces.web.console.layout import Page, show
from openseal.interfaces.web.console.session import PreSession, check_presession, presession

router = APIRouter(include_in_schema=False)
ACCEPT = Page("console/invitation.html", "Accept the invitation", "signin#接受邀请-invitation")
WELCOME = Page("console/welcome.html", "Your account is ready", "signin#接受邀请-invitation")


@router.get("/invitations/accept", response_class=HTMLResponse)
def invitation_form(request: Request, token: str = "", w: Wiring = Depends(wiring),
                    pre: PreSession = Depends(presession)) -> Response:
    return pre.keep(show(request, ACCEPT, csrf=pre.csrf, token=token), w)


@router.post("/invitations/accept", response_class=HTMLResponse,
             dependencies=[Depends(check_presession)])
def invitation_accept(request: Request, token: str = Form(""), username: str = Form(""),
                      display_name: str = Form(""), password: str = Form(""),
                      repeat_password: str = Form(""), w: Wiring = Depends(wiring),
                      pre: PreSession = Depends(presession)) -> Response:
    try:
        if password != repeat_password:
            raise InvalidInput("PASSWORD_MISMATCH", "两次输入的密码不一致",
                               "The two passwords differ", field="repeat_password")
        user = w.run(lambda c: accept_invitation(c.repos, c.accounts, c.clock, token,
                                                 username, display_name, password,
                                                 audit=c.audit), actor=anonymous(request))
    except OpenSealError as exc:
        return pre.keep(show(request, ACCEPT, status=status_of(exc), error=exc,
                             csrf=pre.csrf, token=token, username=username,
                             display_name=display_name), w)
    return show(request, WELCOME, new_user=user)
