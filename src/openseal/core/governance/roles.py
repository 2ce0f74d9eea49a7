"""The permission vocabulary (``resource:action``) and the role map, on one screen.

Separation of duties (三权分立): the organisation administrator (系统管理员) runs users and
settings but cannot use or approve a seal nor read the audit trail; the seal custodian
(印章管理员) keeps seals and their authorisations; the auditor (审计员) reads and changes
nothing. A seal-scoped permission (``SEAL_LEVEL``) also needs an active grant on the seal.
"""

from __future__ import annotations

PLATFORM_ADMIN = "platform_admin"
ORG_ADMIN = "org_admin"
CUSTODIAN = "custodian"
APPROVER = "approver"
SEAL_USER = "seal_user"
AUDITOR = "auditor"
ORG_ROLES = (ORG_ADMIN, CUSTODIAN, APPROVER, SEAL_USER, AUDITOR)
OPERATOR = "operator"  # the CLI operator, trusted: holds the database and the master key

# permission -> (中文, English)
PERMISSIONS: dict[str, tuple[str, str]] = {
    "orgs:read": ("查看本单位资料", "read the organisation's profile"),
    "orgs:manage": ("管理单位设置（登录策略、实名认证）",
                    "manage organisation settings (login policy, verification)"),
    "users:manage": ("管理用户与角色", "manage users and their roles"),
    "clients:manage": ("管理 API 应用", "manage API clients"),
    "seals:view": ("查看印章", "view seals"),
    "seals:manage": ("制作与管理印章", "create and manage seals"),
    "grants:manage": ("管理印章授权", "manage seal authorisations"),
    "seals:request": ("申请用印", "request the use of a seal"),
    "seals:use": ("用印（盖章）", "use a seal (seal documents)"),
    "requests:approve": ("审批用印申请", "approve requests to use a seal"),
    "audit:read": ("查看审计日志", "read the audit trail"),
    "reports:read": ("查看报表（授权历史、权限冲突）",
                     "read reports (grant history, conflicts)"),
    "platform:admin": ("平台管理（审核单位认证）", "platform administration (verifications)"),
    "documents:verify": ("验证文件", "verify documents"),
}

ROLE_NAMES: dict[str, tuple[str, str]] = {
    PLATFORM_ADMIN: ("平台管理员", "platform administrator"),
    ORG_ADMIN: ("系统管理员", "organisation administrator"),
    CUSTODIAN: ("印章管理员", "seal custodian"),
    APPROVER: ("审批人", "approver"),
    SEAL_USER: ("用印人", "seal user"),
    AUDITOR: ("审计员", "auditor"),
}

_EVERYONE = frozenset({"orgs:read", "documents:verify"})
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    PLATFORM_ADMIN: _EVERYONE | {"platform:admin"},
    ORG_ADMIN: _EVERYONE | {"orgs:manage", "users:manage", "clients:manage", "seals:view",
                            "reports:read"},
    CUSTODIAN: _EVERYONE | {"seals:view", "seals:manage", "grants:manage", "reports:read"},
    APPROVER: _EVERYONE | {"seals:view", "requests:approve"},
    SEAL_USER: _EVERYONE | {"seals:view", "seals:request", "seals:use"},
    AUDITOR: _EVERYONE | {"seals:view", "audit:read", "reports:read"},
}

# Access levels on one seal, lowest first; a grant of a level allows every lower one.
LEVELS = ("view", "request", "use", "manage")
# Seal-scoped permissions and the grant level they need.
SEAL_LEVEL: dict[str, str] = {"seals:request": "request", "seals:use": "use"}

# Old names (API client scopes, earlier code) still accepted for the new ones.
ALIASES: dict[str, str] = {
    "seals:read": "seals:view", "seals:write": "seals:manage", "documents:seal": "seals:use",
    "orgs:admin": "orgs:manage", "users:admin": "users:manage",
    "clients:admin": "clients:manage",
}

# Roles one person may not hold together (三权分立), with why.
INCOMPATIBLE_ROLES: dict[frozenset[str], tuple[str, str]] = {
    frozenset({ORG_ADMIN, CUSTODIAN}): ("系统管理员不得兼任印章管理员",
                                        "an organisation administrator may not also be a "
                                        "seal custodian"),
    frozenset({ORG_ADMIN, APPROVER}): ("系统管理员不得兼任审批人",
                                       "an organisation administrator may not also be an "
                                       "approver"),
    frozenset({ORG_ADMIN, AUDITOR}): ("系统管理员不得兼任审计员",
                                      "an organisation administrator may not also be an "
                                      "auditor"),
    frozenset({CUSTODIAN, AUDITOR}): ("印章管理员不得兼任审计员",
                                      "a seal custodian may not also be an auditor"),
    frozenset({APPROVER, AUDITOR}): ("审批人不得兼任审计员",
                                     "an approver may not also be an auditor"),
    frozenset({SEAL_USER, AUDITOR}): ("用印人不得兼任审计员",
                                      "a seal user may not also be an auditor"),
}


def canonical(permission: str) -> str:
    """The current name of ``permission`` (old names map to new ones)."""
    return ALIASES.get(permission, permission)


def permissions_of(roles: frozenset[str] | set[str]) -> frozenset[str]:
    """Everything the roles allow together (unknown roles allow nothing)."""
    found: frozenset[str] = frozenset()
    for role in roles:
        found |= ROLE_PERMISSIONS.get(role, frozenset())
    return found


def level_at_least(level: str, needed: str) -> bool:
    return LEVELS.index(level) >= LEVELS.index(needed)


def role_map() -> list[dict[str, object]]:
    """The role map as data (API, CLI and docs show the same)."""
    return [{"role": role, "zh": ROLE_NAMES[role][0], "en": ROLE_NAMES[role][1],
             "permissions": sorted(perms)} for role, perms in ROLE_PERMISSIONS.items()]
