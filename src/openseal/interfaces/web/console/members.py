"""The organisation's users and their roles (用户与角色), for its administrator.

The same core calls as ``/api/v1/users``, ``/api/v1/invitations`` and
``/api/v1/users/{user_id}/roles``: ``users:manage`` to list; ``invite_user`` (the invitation
link is shown once), ``set_roles`` (with a reason; never one's own, never a combination the
separation of duties forbids), ``set_user_status`` (disable / enable: every session of the
user ends). Another organisation's user is answered like a missing one (404).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openseal.bootstrap import Context, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.accounts.users import invite_user, set_user_status, visible_user
from openseal.core.governance.assign import set_roles
from openseal.core.governance.roles import ORG_ROLES, ROLE_NAMES, SEAL_USER
from openseal.core.records import InvitationRecord, UserRecord
from openseal.errors import OpenSealError
from openseal.interfaces.api.deps import wiring
from openseal.interfaces.api.problems import status_of
from openseal.interfaces.web.console.layout import NavItem, Page, show
from openseal.interfaces.web.console.session import Refused, SignedIn, form_user, run_as, signed_in
from openseal.interfaces.web.i18n import N_, language

router = APIRouter(include_in_schema=False)

NAV_ITEMS: list[NavItem] = [
    NavItem("users", "Users and roles", "/organisation/users", "users:manage")]

USERS = Page("console/organisation/users.html", "Users and roles",
             "organisation#用户与角色-users-and-roles", "users")
INVITED = Page("console/organisation/invited.html", "Invitation created",
               "organisation#邀请用户-invite", "users")
ROLES = Page("console/organisation/user_roles.html", "Change a user's roles",
             "organisation#修改角色-change-roles", "users")

ACCOUNT_LABELS = {"active": N_("Account active"), "disabled": N_("Account disabled")}
STATUS_OF_ACTION = {"disable": "disabled", "enable": "active"}


@dataclass(frozen=True)
class Member:
    user: UserRecord
    roles: frozenset[str]

    @property
    def status_label(self) -> str:
        return ACCOUNT_LABELS.get(self.user.status, self.user.status)


def role_choices(lang: str) -> list[tuple[str, str]]:
    """(role, its name in ``lang``) for every role of an organisation."""
    index = 1 if lang == "en" else 0
    return [(role, ROLE_NAMES[role][index]) for role in ORG_ROLES]



def _members(c: Context, p: Principal) -> list[Member]:
    p.require("users:manage")
    return [Member(u, c.repos.list_user_roles(u.id) or frozenset({u.role}))
            for u in sorted(c.repos.list_users(p.org), key=lambda u: u.username)]


def _member(c: Context, p: Principal, user_id: str) -> Member:
    p.require("users:manage")
    user = visible_user(c.repos, p, user_id)
    return Member(user, c.repos.list_user_roles(user.id) or frozenset({user.role}))


def _users_page(request: Request, user: SignedIn, w: Wiring, *, status: int = 200,
                error: OpenSealError | None = None, **values: Any) -> Response:
    members = run_as(w, user, lambda c: _members(c, user.principal))
    return show(request, USERS, user, status=status, error=error, members=members,
                role_names=dict(role_choices(language(request))), choices=role_choices(
                    language(request)), values=values,
                done=request.query_params.get("done", ""))


@router.get("/organisation/users", response_class=HTMLResponse)
def users(request: Request, user: SignedIn = Depends(signed_in),
          w: Wiring = Depends(wiring)) -> Response:
    return _users_page(request, user, w)


@router.post("/organisation/users/invite", response_class=HTMLResponse)
def invite(request: Request, email: str = Form(""), role: str = Form(SEAL_USER),
           user: SignedIn = Depends(form_user), w: Wiring = Depends(wiring)) -> Response:
    """Invite someone: the link (with its single-use token) is shown on this answer only."""
    p = user.principal

    def run(c: Context) -> tuple[str, InvitationRecord]:
        return invite_user(c.repos, c.accounts, c.clock, p, email[:300], role[:40],
                           audit=c.audit)

    try:
        token, record = w.run(run, actor=p.actor())
    except OpenSealError as exc:
        if status_of(exc) in (401, 403, 404):
            raise Refused(exc) from exc
        return _users_page(request, user, w, status=status_of(exc), error=exc,
                           email=email[:300], role=role[:40])
    base = (w.settings.public_url or w.settings.base_url).rstrip("/")
    return show(request, INVITED, user, status=201, invitation=record, token=token,
                link=f"{base}/invitations/accept?token={token}",
                role_name=dict(role_choices(language(request))).get(record.role, record.role))


# Roles -------------------------------------------------------------------------------------
def _roles_page(request: Request, user: SignedIn, member: Member, *, status: int = 200,
                error: OpenSealError | None = None, chosen: frozenset[str] | None = None,
                reason: str = "") -> Response:
    return show(request, ROLES, user, status=status, error=error, member=member,
                choices=role_choices(language(request)),
                chosen=member.roles if chosen is None else chosen, reason=reason)


@router.get("/organisation/users/{user_id}/roles", response_class=HTMLResponse)
def roles_form(request: Request, user_id: str, user: SignedIn = Depends(signed_in),
               w: Wiring = Depends(wiring)) -> Response:
    member = run_as(w, user, lambda c: _member(c, user.principal, user_id))
    return _roles_page(request, user, member)


@router.post("/organisation/users/{user_id}/roles", response_class=HTMLResponse)
def change_roles(request: Request, user_id: str, roles: list[str] = Form([]),
                 reason: str = Form(""), user: SignedIn = Depends(form_user),
                 w: Wiring = Depends(wiring)) -> Response:
    """Give the user exactly the roles ticked, with the reason (audited)."""
    p = user.principal
    wanted = [r[:40] for r in roles[:10]]

    def run(c: Context) -> None:
        set_roles(c.repos, p, user_id, wanted, reason, audit=c.audit)

    try:
        w.run(run, actor=p.actor())
    except OpenSealError as exc:
        if status_of(exc) == 404 or exc.code == "FORBIDDEN":
            raise Refused(exc) from exc
        member = run_as(w, user, lambda c: _member(c, p, user_id))
        return _roles_page(request, user, member, status=status_of(exc), error=exc,
                           chosen=frozenset(wanted), reason=reason[:500])
    return RedirectResponse("/organisation/users?done=roles", status_code=303)


# Disable / enable --------------------------------------------------------------------------
def _status_route(action: str) -> Callable[..., Response]:
    def change(user_id: str, user: SignedIn = Depends(form_user),
               w: Wiring = Depends(wiring)) -> Response:
        p = user.principal

        def run(c: Context) -> None:
            p.require("users:manage")
            set_user_status(c.repos, visible_user(c.repos, p, user_id),
                            STATUS_OF_ACTION[action], audit=c.audit, by=p)

        run_as(w, user, run)
        return RedirectResponse(f"/organisation/users?done={action}", status_code=303)

    change.__name__ = f"{action}_user"
    return change


for _action in STATUS_OF_ACTION:
    router.post(f"/organisation/users/{{user_id}}/{_action}",
                response_class=HTMLResponse)(_status_route(_action))
