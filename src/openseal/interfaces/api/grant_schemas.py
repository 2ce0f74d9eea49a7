"""Request and response bodies for roles, seal authorisations (印章授权) and conflicts.

Requests forbid unknown fields (``Strict``); every change carries a ``reason``.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, Field

from openseal.core.governance.conflicts import Finding
from openseal.core.records import GrantEventRecord, GrantRecord
from openseal.interfaces.api.schemas import Strict

REASON = Field(max_length=500, description="Why (kept in the history and the audit trail)")


class GrantBody(Strict):
    """Exactly one of ``user_id``, ``role`` and ``client_id`` names the grantee."""

    user_id: str | None = Field(default=None, max_length=64, description="User id or name")
    role: str | None = Field(default=None, max_length=20, description="A role of the org")
    client_id: str | None = Field(default=None, max_length=64, description="API client id")
    level: str = Field(default="use", max_length=10,
                       description="view | request | use (directly) | manage")
    approval_required: bool = Field(default=False,
                                    description="Each use needs an approved request")
    categories: list[str] = Field(default_factory=list, max_length=20,
                                  description="Document categories covered ([]: any)")
    valid_from: AwareDatetime | None = Field(default=None, description="Default: now")
    valid_until: AwareDatetime | None = Field(default=None,
                                              description="Default: a year after the start")
    max_uses: int | None = Field(default=None, ge=1, le=1_000_000_000)
    reason: str = REASON


class GrantChangeBody(Strict):
    """Only the fields sent change; ``null`` clears ``valid_until`` or ``max_uses``."""

    level: str | None = Field(default=None, max_length=10)
    approval_required: bool | None = None
    categories: list[str] | None = Field(default=None, max_length=20)
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    max_uses: int | None = Field(default=None, ge=1, le=1_000_000_000)
    reason: str = REASON


class ReasonBody(Strict):
    reason: str = REASON


class RolesBody(Strict):
    roles: list[str] = Field(min_length=1, max_length=5,
                             description="org_admin | custodian | approver | seal_user | "
                                         "auditor")
    reason: str = REASON


class GrantOut(BaseModel):
    id: str
    seal_id: str
    grantee_kind: str
    grantee: str
    level: str
    approval_required: bool
    categories: list[str]
    valid_from: datetime
    valid_until: datetime | None
    max_uses: int | None
    uses: int
    status: str
    created_by: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, g: GrantRecord) -> GrantOut:
        return cls(id=g.id, seal_id=g.seal_id, grantee_kind=g.grantee_kind,
                   grantee=g.grantee, level=g.level, approval_required=g.approval_required,
                   categories=list(g.categories), valid_from=g.valid_from,
                   valid_until=g.valid_until, max_uses=g.max_uses, uses=g.uses,
                   status=g.status, created_by=g.created_by, created_at=g.created_at,
                   updated_at=g.updated_at)


class GrantEventOut(BaseModel):
    id: str
    grant_id: str
    seal_id: str
    grantee_kind: str
    grantee: str
    action: str
    reason: str
    actor: str
    at: datetime
    before: dict[str, object] | None
    after: dict[str, object]

    @classmethod
    def of(cls, e: GrantEventRecord) -> GrantEventOut:
        return cls(id=e.id, grant_id=e.grant_id, seal_id=e.seal_id,
                   grantee_kind=e.grantee_kind, grantee=e.grantee, action=e.action,
                   reason=e.reason, actor=e.actor, at=e.at, before=e.before, after=e.after)


class UserGrantsOut(BaseModel):
    user_id: str
    roles: list[str]
    grants: list[GrantOut] = Field(description="Direct and through the user's roles")
    history: list[GrantEventOut] = Field(description="Changes of the user's direct grants")


class RoleOut(BaseModel):
    role: str
    zh: str
    en: str
    permissions: list[str]


class PermissionOut(BaseModel):
    name: str
    zh: str
    en: str
    grant_level: str | None = Field(description="Also needs a grant of this level on the seal")


class RoleMapOut(BaseModel):
    roles: list[RoleOut]
    permissions: list[PermissionOut]
    levels: list[str]
    incompatible: list[list[str]] = Field(description="Roles one person may not hold together")


class FindingOut(BaseModel):
    code: str
    severity: str = Field(description="hard (refused when a change would create it) | warning")
    zh: str
    en: str
    user_id: str | None
    seal_id: str | None
    grant_ids: list[str]

    @classmethod
    def of(cls, f: Finding) -> FindingOut:
        return cls(code=f.code, severity=f.severity, zh=f.zh, en=f.en, user_id=f.user_id,
                   seal_id=f.seal_id, grant_ids=list(f.grant_ids))
