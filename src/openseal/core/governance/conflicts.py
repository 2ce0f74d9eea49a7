"""Conflicts (权限冲突): separation-of-duty violations and grants beyond policy.

``hard`` findings are refused when a change would create them (``refuse_hard``); the report
(``conflicts_report``) lists every current finding of an organisation, hard ones (left by
people leaving, roles removed ...) and warnings such as overlapping grants.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from openseal.core.governance.ports import GovernanceRepos
from openseal.core.governance.roles import (
    APPROVER,
    INCOMPATIBLE_ROLES,
    canonical,
    permissions_of,
)
from openseal.core.records import GrantRecord
from openseal.errors import Conflict

MAX_GRANT_DAYS = 366  # policy: a grant ends within a year of its start
APPROVER_MAY_BE_SOLE_CUSTODIAN = False  # policy: see docs/governance.md
LEVEL_PERMISSION = {"view": "seals:view", "request": "seals:request", "use": "seals:use",
                    "manage": "seals:manage"}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # "hard" | "warning"
    zh: str
    en: str
    user_id: str | None = None
    seal_id: str | None = None
    grant_ids: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "grant_ids": list(self.grant_ids)}


class PermissionConflict(Conflict):
    """A change refused because it would create a hard conflict (409, named by its code)."""


def refuse_hard(findings: Iterable[Finding]) -> None:
    hard = [f for f in findings if f.severity == "hard"]
    if hard:
        first = hard[0]
        raise PermissionConflict(first.code, f"权限冲突：{first.zh}",
                                 f"Permission conflict: {first.en}",
                                 conflicts=[f.to_dict() for f in hard])


def role_conflicts(user_id: str | None, roles: frozenset[str]) -> list[Finding]:
    """Roles one person may not hold together (三权分立)."""
    return [Finding("SOD_ROLES", "hard", zh, en, user_id)
            for pair, (zh, en) in INCOMPATIBLE_ROLES.items() if pair <= roles]


Roles = dict[str, frozenset[str]]  # some users' roles as a change would leave them


def holders(repos: GovernanceRepos, grant: GrantRecord, roles_of: Roles | None = None
            ) -> list[str]:
    """The users a grant reaches (none for an API client)."""
    if grant.grantee_kind == "user":
        return [grant.grantee]
    if grant.grantee_kind == "role":
        return _with_role(repos, grant.org_id, grant.grantee, roles_of or {})
    return []


def _with_role(repos: GovernanceRepos, org_id: str, role: str, roles_of: Roles) -> list[str]:
    found = [u for u in repos.users_with_role(org_id, role)
             if u not in roles_of or role in roles_of[u]]
    return found + [u for u, roles in roles_of.items() if role in roles and u not in found]


def grant_conflicts(repos: GovernanceRepos, grant: GrantRecord,
                    roles_of: Roles | None = None) -> list[Finding]:
    """What ``grant`` (as it would be stored, active) conflicts with. ``roles_of`` overrides
    some users' roles (a role change being checked)."""
    if grant.status != "active":
        return []
    override = roles_of or {}
    found = _beyond_policy(grant) + _beyond_role(repos, grant, override)
    approvers = _with_role(repos, grant.org_id, APPROVER, override)
    if grant.approval_required or grant.level == "request":
        for user in holders(repos, grant, override):
            if approvers == [user]:
                found.append(Finding(
                    "SOD_REQUEST_AND_SOLE_APPROVER", "hard",
                    "同一人既可申请使用该印章、又是唯一的审批人（可自行审批）",
                    "one person could both request the use of this seal and alone approve "
                    "it", user, grant.seal_id, (grant.id,)))
    return found + _sole_custodian(repos, grant, approvers, override)


def _beyond_policy(grant: GrantRecord) -> list[Finding]:
    longest = timedelta(days=MAX_GRANT_DAYS)
    if grant.valid_until is not None and grant.valid_until - grant.valid_from <= longest:
        return []
    return [Finding("GRANT_EXCEEDS_POLICY", "hard",
                    f"授权有效期超过单位策略允许的 {MAX_GRANT_DAYS} 天",
                    f"the grant is valid for longer than the policy's {MAX_GRANT_DAYS} days",
                    None, grant.seal_id, (grant.id,))]


def _beyond_role(repos: GovernanceRepos, grant: GrantRecord, roles_of: Roles
                 ) -> list[Finding]:
    needed = LEVEL_PERMISSION[grant.level]
    if grant.grantee_kind == "role":
        allowed = permissions_of({grant.grantee})
    elif grant.grantee_kind == "client":
        client = repos.get_api_client(grant.grantee)
        allowed = frozenset(canonical(s) for s in client.scopes) if client else frozenset()
    else:
        allowed = permissions_of(_roles(repos, grant.grantee, roles_of))
    if needed in allowed:
        return []
    return [Finding("GRANT_EXCEEDS_ROLE", "hard",
                    f"被授权方的角色不允许「{needed}」，不能授予 {grant.level} 级别",
                    f"the grantee's roles do not allow '{needed}', so level {grant.level} "
                    "cannot be granted", grant.grantee if grant.grantee_kind == "user" else None,
                    grant.seal_id, (grant.id,))]


def _roles(repos: GovernanceRepos, user_id: str, roles_of: Roles) -> frozenset[str]:
    return roles_of[user_id] if user_id in roles_of else repos.list_user_roles(user_id)


def _sole_custodian(repos: GovernanceRepos, grant: GrantRecord, approvers: list[str],
                    roles_of: Roles) -> list[Finding]:
    if APPROVER_MAY_BE_SOLE_CUSTODIAN:
        return []
    managing = [g for g in repos.list_grants(grant.org_id, grant.seal_id)
                if g.id != grant.id and g.status == "active" and g.level == "manage"]
    if grant.level == "manage":
        managing.append(grant)
    custodians = {u for g in managing for u in holders(repos, g, roles_of)}
    if len(custodians) != 1 or next(iter(custodians)) not in approvers:
        return []
    user = next(iter(custodians))
    return [Finding("SOD_APPROVER_SOLE_CUSTODIAN", "hard",
                    "审批人同时是该印章唯一的保管人（本单位策略不允许）",
                    "an approver would be the only custodian of this seal (the policy forbids "
                    "it)", user, grant.seal_id, tuple(g.id for g in managing))]


def user_conflicts(repos: GovernanceRepos, org_id: str, user_id: str,
                   roles: frozenset[str]) -> list[Finding]:
    """The conflicts giving ``user_id`` exactly ``roles`` would create (a role taken away
    leaves that user's grants unusable, which is not refused)."""
    grants = [g for g in repos.list_grants(org_id) if g.status == "active"]
    before = {f for g in grants for f in grant_conflicts(repos, g)}
    after = [f for g in grants for f in grant_conflicts(repos, g, {user_id: roles})
             if f.code != "GRANT_EXCEEDS_ROLE"]
    return role_conflicts(user_id, roles) + [f for f in after if f not in before]


def conflicts_report(repos: GovernanceRepos, org_id: str) -> list[Finding]:
    """Every current conflict of the organisation, hard ones first."""
    found: list[Finding] = []
    for user in repos.list_users(org_id):
        if user.status == "active":
            found += role_conflicts(user.id, repos.list_user_roles(user.id))
    grants = [g for g in repos.list_grants(org_id) if g.status == "active"]
    for grant in grants:
        found += [f for f in grant_conflicts(repos, grant) if f.code != "GRANT_EXCEEDS_POLICY"
                  or grant.valid_until is not None]
    found += _overlaps(repos, grants)
    unique = list(dict.fromkeys(found))
    return sorted(unique, key=lambda f: (f.severity != "hard", f.code))


def _overlaps(repos: GovernanceRepos, grants: list[GrantRecord]) -> list[Finding]:
    reach: dict[tuple[str, str], list[str]] = {}
    for grant in grants:
        for user in holders(repos, grant):
            reach.setdefault((user, grant.seal_id), []).append(grant.id)
    return [Finding("GRANT_OVERLAP", "warning", "同一用户对同一印章持有多项授权（直接或通过角色）",
                    "one user holds several grants on the same seal (directly or through a "
                    "role)", user, seal, tuple(ids))
            for (user, seal), ids in reach.items() if len(ids) > 1]

