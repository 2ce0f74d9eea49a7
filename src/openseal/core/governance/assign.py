"""Giving users their roles (several may be held): organisation administrators only, never
their own, never a combination the separation of duties forbids."""

from __future__ import annotations

from openseal.core.accounts.principal import Principal
from openseal.core.accounts.users import checked_text, visible_user
from openseal.core.audit.recorder import AuditRecorder
from openseal.core.governance.conflicts import refuse_hard, user_conflicts
from openseal.core.governance.ports import GovernanceRepos
from openseal.core.governance.roles import ORG_ROLES
from openseal.core.records import UserRecord
from openseal.errors import InvalidInput, PermissionDenied


def set_roles(repos: GovernanceRepos, principal: Principal, user_ref: str,
              roles: list[str], reason: str, *, audit: AuditRecorder) -> UserRecord:
    """Give ``user_ref`` exactly ``roles``; refused with the conflict's name when it would
    create a hard conflict. Takes effect on the user's next request."""
    principal.require("users:manage")
    user = visible_user(repos, principal, user_ref)
    wanted = frozenset(roles)
    unknown = sorted(wanted - set(ORG_ROLES))
    if not wanted or unknown:
        raise InvalidInput("ROLE_UNKNOWN", f"角色应为以下一个或多个：{', '.join(ORG_ROLES)}",
                           f"Roles must be one or more of: {', '.join(ORG_ROLES)}",
                           field="roles", unknown=unknown)
    if user.id == principal.id:
        raise PermissionDenied("ROLE_SELF_CHANGE", "不能修改自己的角色",
                               "You cannot change your own roles", field="user")
    why = checked_text(reason, "reason", 500)
    before = repos.list_user_roles(user.id)
    refuse_hard(user_conflicts(repos, user.org_id or principal.org, user.id, wanted))
    repos.set_user_roles(user.id, wanted)
    audit.record("user.roles", org_id=user.org_id, target=f"user:{user.id}",
                 details={"before": sorted(before), "after": sorted(wanted), "reason": why})
    return repos.get_user(user.id) or user
