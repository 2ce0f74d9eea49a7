"""/api/v1 seal authorisations (印章授权), roles and conflicts: the role map, grants per seal
and per user, change/revoke/restore with a reason, histories, user roles, the conflicts
report. Everything goes through core.governance (authorize, grants, assign, conflicts)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from openseal.bootstrap import Context, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.accounts.users import visible_user
from openseal.core.governance.assign import set_roles
from openseal.core.governance.conflicts import conflicts_report
from openseal.core.governance.grants import (
    GrantTerms,
    change_grant,
    create_grant,
    grants_reaching,
    may_read_grants,
    restore_grant,
    revoke_grant,
    visible_grant,
)
from openseal.core.governance.roles import (
    INCOMPATIBLE_ROLES,
    LEVELS,
    PERMISSIONS,
    SEAL_LEVEL,
    role_map,
)
from openseal.errors import InvalidInput
from openseal.interfaces.api.auth import caller
from openseal.interfaces.api.deps import wiring
from openseal.interfaces.api.grant_schemas import (
    FindingOut,
    GrantBody,
    GrantChangeBody,
    GrantEventOut,
    GrantOut,
    PermissionOut,
    ReasonBody,
    RoleMapOut,
    RoleOut,
    RolesBody,
    UserGrantsOut,
)
from openseal.interfaces.api.routes.seals import own_seal
from openseal.interfaces.api.schemas import UserOut

router = APIRouter(prefix="/api/v1", tags=["grants and roles"])


@router.get("/governance/roles", response_model=RoleMapOut)
def roles(p: Principal = Depends(caller)) -> RoleMapOut:
    """The role map: each role's permissions, the access levels, incompatible roles."""
    return RoleMapOut(
        roles=[RoleOut.model_validate(r) for r in role_map()],
        permissions=[PermissionOut(name=n, zh=zh, en=en, grant_level=SEAL_LEVEL.get(n))
                     for n, (zh, en) in PERMISSIONS.items()],
        levels=list(LEVELS), incompatible=[sorted(pair) for pair in INCOMPATIBLE_ROLES])


@router.get("/governance/conflicts", response_model=list[FindingOut])
def conflicts(p: Principal = Depends(caller), w: Wiring = Depends(wiring)
              ) -> list[FindingOut]:
    """Separation-of-duty violations and overlapping grants in your organisation now."""
    def run(c: Context) -> list[FindingOut]:
        p.require("reports:read")
        return [FindingOut.of(f) for f in conflicts_report(c.repos, p.org)]

    return w.run(run, actor=p.actor())


@router.get("/seals/{seal_id}/grants", response_model=list[GrantOut])
def seal_grants(seal_id: str, p: Principal = Depends(caller), w: Wiring = Depends(wiring)
                ) -> list[GrantOut]:
    """Every grant of one of your seals (active and revoked)."""
    def run(c: Context) -> list[GrantOut]:
        may_read_grants(p)
        seal = own_seal(c, p, seal_id)
        return [GrantOut.of(g) for g in c.repos.list_grants(p.org, seal.id)]

    return w.run(run, actor=p.actor())


@router.get("/seals/{seal_id}/grants/history", response_model=list[GrantEventOut])
def seal_history(seal_id: str, p: Principal = Depends(caller), w: Wiring = Depends(wiring)
                 ) -> list[GrantEventOut]:
    """Every change of the seal's grants, oldest first, with before, after and reason."""
    def run(c: Context) -> list[GrantEventOut]:
        may_read_grants(p)
        seal = own_seal(c, p, seal_id)
        return [GrantEventOut.of(e) for e in c.repos.grant_events(seal_id=seal.id)]

    return w.run(run, actor=p.actor())


@router.post("/seals/{seal_id}/grants", response_model=GrantOut, status_code=201)
def create(seal_id: str, body: GrantBody, p: Principal = Depends(caller),
           w: Wiring = Depends(wiring)) -> GrantOut:
    """Grant one of your seals to a user, a role or an API client (custodian)."""
    terms = GrantTerms(body.level, body.approval_required, tuple(body.categories),
                       body.valid_from, body.valid_until, body.max_uses)

    def run(c: Context) -> GrantOut:
        p.require("grants:manage")
        seal = own_seal(c, p, seal_id)
        return GrantOut.of(create_grant(c.repos, c.clock, p, seal, _grantee(body), terms,
                                        body.reason, audit=c.audit))

    return w.run(run, actor=p.actor())


def _grantee(body: GrantBody) -> tuple[str, str]:
    named = [(k, v) for k, v in (("user", body.user_id), ("role", body.role),
                                 ("client", body.client_id)) if v]
    if len(named) != 1:
        raise InvalidInput("GRANTEE_ONE", "请只指定一个被授权方：user_id、role 或 client_id",
                           "Name exactly one grantee: user_id, role or client_id",
                           field="user_id")
    return named[0]


@router.get("/grants/{grant_id}", response_model=GrantOut)
def get_grant(grant_id: str, p: Principal = Depends(caller), w: Wiring = Depends(wiring)
              ) -> GrantOut:
    def run(c: Context) -> GrantOut:
        grant = visible_grant(c.repos, p, grant_id)
        may_read_grants(p, grant.grantee if grant.grantee_kind == "user" else None)
        return GrantOut.of(grant)

    return w.run(run, actor=p.actor())


@router.patch("/grants/{grant_id}", response_model=GrantOut)
def change(grant_id: str, body: GrantChangeBody, p: Principal = Depends(caller),
           w: Wiring = Depends(wiring)) -> GrantOut:
    """Change a grant's terms (only the fields sent), with a reason."""
    changes = body.model_dump(exclude_unset=True, exclude={"reason"})
    return GrantOut.of(w.run(lambda c: change_grant(c.repos, c.clock, p, grant_id, changes,
                                                    body.reason, audit=c.audit),
                             actor=p.actor()))


@router.post("/grants/{grant_id}/revoke", response_model=GrantOut)
def revoke(grant_id: str, body: ReasonBody, p: Principal = Depends(caller),
           w: Wiring = Depends(wiring)) -> GrantOut:
    """Revoke at once: the next request is refused, and so is any sealing not committed."""
    return GrantOut.of(w.run(lambda c: revoke_grant(c.repos, c.clock, p, grant_id,
                                                    body.reason, audit=c.audit),
                             actor=p.actor()))


@router.post("/grants/{grant_id}/restore", response_model=GrantOut)
def restore(grant_id: str, body: ReasonBody, p: Principal = Depends(caller),
            w: Wiring = Depends(wiring)) -> GrantOut:
    """Restore a revoked grant (checked for conflicts again)."""
    return GrantOut.of(w.run(lambda c: restore_grant(c.repos, c.clock, p, grant_id,
                                                     body.reason, audit=c.audit),
                             actor=p.actor()))


@router.get("/grants/{grant_id}/history", response_model=list[GrantEventOut])
def history(grant_id: str, p: Principal = Depends(caller), w: Wiring = Depends(wiring)
            ) -> list[GrantEventOut]:
    def run(c: Context) -> list[GrantEventOut]:
        may_read_grants(p)
        grant = visible_grant(c.repos, p, grant_id)
        return [GrantEventOut.of(e) for e in c.repos.grant_events(grant_id=grant.id)]

    return w.run(run, actor=p.actor())


@router.get("/users/{user_id}/grants", response_model=UserGrantsOut)
def user_grants(user_id: str, p: Principal = Depends(caller), w: Wiring = Depends(wiring)
                ) -> UserGrantsOut:
    """A user's roles, the grants that reach them and the history of their own grants
    (yourself, or with reports:read / grants:manage)."""
    def run(c: Context) -> UserGrantsOut:
        may_read_grants(p, user_id)
        user = visible_user(c.repos, p, user_id)
        held, grants = grants_reaching(c.repos, p.org, user.id)
        events = c.repos.grant_events(grantee=("user", user.id))
        return UserGrantsOut(user_id=user.id, roles=sorted(held),
                             grants=[GrantOut.of(g) for g in grants],
                             history=[GrantEventOut.of(e) for e in events])

    return w.run(run, actor=p.actor())


@router.post("/users/{user_id}/roles", response_model=UserOut)
def user_roles(user_id: str, body: RolesBody, p: Principal = Depends(caller),
               w: Wiring = Depends(wiring)) -> UserOut:
    """Give a user exactly these roles (organisation administrator; never your own);
    refused with the conflict's name when it breaks the separation of duties."""
    def run(c: Context) -> UserOut:
        user = set_roles(c.repos, p, user_id, body.roles, body.reason, audit=c.audit)
        return UserOut.of(user, c.repos.list_user_roles(user.id))

    return w.run(run, actor=p.actor())
