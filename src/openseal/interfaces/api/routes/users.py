"""/api/v1/invitations and /api/v1/users: invite, accept, list, disable, enable (roles:
see routes/grants.py)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from openseal.bootstrap import Context, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.accounts.users import (
    accept_invitation,
    invite_user,
    set_user_status,
    visible_user,
)
from openseal.interfaces.api.auth import caller
from openseal.interfaces.api.deps import anonymous, wiring
from openseal.interfaces.api.schemas import AcceptBody, InvitationBody, InvitationOut, UserOut

router = APIRouter(prefix="/api/v1", tags=["users"])


@router.post("/invitations", response_model=InvitationOut, status_code=201)
def invite(body: InvitationBody, p: Principal = Depends(caller),
           w: Wiring = Depends(wiring)) -> InvitationOut:
    """Invite someone into your organisation; the token is shown once and works once."""
    token, record = w.run(lambda c: invite_user(c.repos, c.accounts, c.clock, p, body.email,
                                                body.role, audit=c.audit), actor=p.actor())
    return InvitationOut(id=record.id, token=token, email=record.email, role=record.role,
                         expires_at=record.expires_at)


@router.post("/invitations/accept", response_model=UserOut, status_code=201)
def accept(body: AcceptBody, request: Request, w: Wiring = Depends(wiring)) -> UserOut:
    """Accept an invitation: choose a username and password (no login needed)."""
    user = w.run(lambda c: accept_invitation(c.repos, c.accounts, c.clock, body.token,
                                             body.username, body.display_name, body.password,
                                             audit=c.audit), actor=anonymous(request))
    return UserOut.of(user)


@router.get("/users", response_model=list[UserOut])
def list_users(p: Principal = Depends(caller), w: Wiring = Depends(wiring)) -> list[UserOut]:
    """The users of your organisation."""
    def run(c: Context) -> list[UserOut]:
        p.require("users:manage")
        return [UserOut.of(u, c.repos.list_user_roles(u.id)) for u in c.repos.list_users(p.org)]

    return w.run(run, actor=p.actor())


@router.get("/users/{user_id}", response_model=UserOut)
def get_user(user_id: str, p: Principal = Depends(caller),
             w: Wiring = Depends(wiring)) -> UserOut:
    def run(c: Context) -> UserOut:
        user = visible_user(c.repos, p, user_id)
        if user.id != p.id:
            p.require("users:manage")
        return UserOut.of(user, c.repos.list_user_roles(user.id))

    return w.run(run, actor=p.actor())


def _status_route(status: str, summary: str):  # type: ignore[no-untyped-def]
    def change(user_id: str, p: Principal = Depends(caller),
               w: Wiring = Depends(wiring)) -> UserOut:
        def run(c: Context) -> UserOut:
            p.require("users:manage")
            user = visible_user(c.repos, p, user_id)
            changed = set_user_status(c.repos, user, status, audit=c.audit, by=p)
            return UserOut.of(changed, c.repos.list_user_roles(user.id))

        return w.run(run, actor=p.actor())

    change.__doc__ = summary
    return change


router.post("/users/{user_id}/disable", response_model=UserOut, name="disable_user")(
    _status_route("disabled", "Disable a user: every session of theirs ends at once."))
router.post("/users/{user_id}/enable", response_model=UserOut, name="enable_user")(
    _status_route("active", "Enable a disabled user again."))
