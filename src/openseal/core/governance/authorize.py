"""``authorize``: the one call every use case makes before it acts.

A role (or an API client's scope) must allow the permission; a seal-scoped permission
(``seals:use``, ``seals:request``) also needs an active grant on that seal for the caller,
directly, through one of their roles, or for the API client. Sealing then spends one use of
that grant inside its own transaction (``spend_grant``), so a revocation committed before
is seen there and a revocation still running waits for the sealing to commit first.
"""

from __future__ import annotations

from datetime import datetime

from openseal.core.accounts.principal import Forbidden, Principal
from openseal.core.governance.policy_defaults import policy_of
from openseal.core.governance.ports import GovernanceRepos
from openseal.core.governance.roles import (
    OPERATOR,
    SEAL_LEVEL,
    canonical,
    level_at_least,
    permissions_of,
)
from openseal.core.records import GrantRecord, SealRecord
from openseal.errors import NotFound


def seal_not_found(ref: str) -> NotFound:
    return NotFound("SEAL_NOT_FOUND", f"找不到印章「{ref}」", f"Seal '{ref}' not found",
                    field="seal")


def refuse(principal: Principal, code: str, zh: str, en: str, target: str,
           **fields: object) -> Forbidden:
    exc = Forbidden(code, zh, en, **fields)
    exc.target, exc.org_id = target, principal.org_id
    return exc


def authorize(repos: GovernanceRepos, principal: Principal, permission: str,
              seal: SealRecord | None = None, *, category: str | None = None,
              now: datetime) -> GrantRecord | None:
    """Allow or raise Forbidden (audited as ``authz.denied``). Returns the grant that allows
    a seal-scoped permission (None when no grant is involved: the trusted CLI operator, or
    a permission that is not seal-scoped)."""
    wanted = canonical(permission)
    principal.require(wanted)
    if seal is None:
        return None
    principal.owns(seal.org_id, "seal", seal.id, seal_not_found(seal.id))
    needed = SEAL_LEVEL.get(wanted)
    if needed is None or principal.kind == OPERATOR:
        return None
    held = [g for g in repos.grants_for(seal.id, subjects(principal))
            if g.status == "active" and g.in_window(now)]
    always = wanted == "seals:use" and policy_of(repos, seal).always_required
    return _choose(principal, held, wanted, needed, seal, category, always)


def subjects(principal: Principal) -> list[tuple[str, str]]:
    """Who a grant may name to reach ``principal``: the user and each of their roles, or
    the API client."""
    if principal.kind == "client":
        return [("client", principal.id)]
    return [("user", principal.id), *(("role", r) for r in sorted(principal.roles))]


def _choose(principal: Principal, held: list[GrantRecord], wanted: str, needed: str,
            seal: SealRecord, category: str | None, always: bool = False) -> GrantRecord:
    """The grant that allows ``wanted``; ``always``: the seal's policy makes every use need
    an approved request (the two-person rule), whatever the grant says."""
    target = f"seal:{seal.id}"
    reaching = [g for g in held if level_at_least(g.level, "request" if wanted == "seals:use"
                                                  else needed)]
    fitting = [g for g in reaching if allows_category(g, category)]
    usable = [g for g in fitting if not g.exhausted()
              and (wanted != "seals:use" or (level_at_least(g.level, "use")
                                             and not g.approval_required and not always))]
    if usable:
        return sorted(usable, key=lambda g: (g.grantee_kind != "user", g.created_at))[0]
    if wanted == "seals:use" and any(not g.exhausted() for g in fitting):
        rule_zh, rule_en = ("（双人规则）", " (two-person rule)") if always else ("", "")
        raise refuse(principal, "APPROVAL_REQUIRED",
                     f"使用印章「{seal.name}」需要先经审批{rule_zh}", f"Using seal "
                     f"'{seal.name}' needs an approved request first{rule_en}", target,
                     seal=seal.id)
    if reaching and not fitting:
        raise refuse(principal, "CATEGORY_NOT_ALLOWED",
                     f"授权不包括文件类别「{category or '未指定'}」",
                     f"The authorisation does not cover the document category "
                     f"'{category or 'none given'}'", target, seal=seal.id, category=category)
    if fitting:
        raise refuse(principal, "GRANT_EXHAUSTED", "该印章授权的使用次数已用完",
                     "The authorisation for this seal has no uses left", target, seal=seal.id)
    raise refuse(principal, "GRANT_REQUIRED", f"没有印章「{seal.name}」的有效授权",
                 f"You hold no valid authorisation for seal '{seal.name}'", target,
                 seal=seal.id, permission=wanted)


def allows_category(grant: GrantRecord, category: str | None) -> bool:
    return not grant.categories or (category is not None and category in grant.categories)


def spend_grant(repos: GovernanceRepos, principal: Principal, grant: GrantRecord | None,
                now: datetime, permission: str = "seals:use") -> None:
    """Count one use of ``grant`` in the caller's transaction (the re-check at commit): a
    conditional UPDATE that matches nothing once the grant is revoked, expired or used up;
    then the user's roles and status, read with the user's row locked (a role change
    updates that row, so it is wholly before this or waits for it)."""
    if grant is None:
        return
    if not repos.consume_grant(grant.id, now):
        raise refuse(principal, "GRANT_REVOKED", "印章授权已被撤销、已过期或次数已用完",
                     "The authorisation was revoked, has expired or has no uses left",
                     f"grant:{grant.id}", grant=grant.id)
    if principal.kind != "user":
        return
    user = repos.lock_user(principal.id)
    if user is None or user.status != "active" or permission not in permissions_of(
            repos.list_user_roles(principal.id)):
        raise refuse(principal, "ROLE_REVOKED", "您的角色或账户状态刚被更改，不能再用印",
                     "Your role or account was changed meanwhile: you may no longer use "
                     "the seal", f"user:{principal.id}", permission=permission)
