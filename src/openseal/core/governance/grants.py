"""Seal authorisations (印章授权): create, change, revoke and restore, each with a reason,
each in the history (before and after) and in the audit trail.

A grant names a user, a role or an API client, an access level on one seal (view, request,
use, manage), a validity window, an optional number of uses, the document categories it
covers (none: any) and whether each use needs approval. A change that would create a hard
conflict is refused (see ``conflicts``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from openseal.core.accounts.clients import visible_client
from openseal.core.accounts.principal import Principal
from openseal.core.accounts.users import checked_text, visible_user
from openseal.core.audit.recorder import AuditRecorder
from openseal.core.clock import Clock
from openseal.core.governance.authorize import authorize
from openseal.core.governance.conflicts import MAX_GRANT_DAYS, grant_conflicts, refuse_hard
from openseal.core.governance.ports import GovernanceRepos
from openseal.core.governance.roles import LEVELS, ORG_ROLES
from openseal.core.records import GrantEventRecord, GrantRecord, SealRecord
from openseal.errors import Conflict, InvalidInput, NotFound

GRANTEE_KINDS = ("user", "role", "client")
CHANGEABLE = ("level", "approval_required", "categories", "valid_from", "valid_until",
              "max_uses")
MAX_CATEGORIES = 20


@dataclass(frozen=True)
class GrantTerms:
    level: str = "use"
    approval_required: bool = False
    categories: tuple[str, ...] = ()
    valid_from: datetime | None = None
    valid_until: datetime | None = None  # default: MAX_GRANT_DAYS after valid_from
    max_uses: int | None = None


def grant_not_found(ref: str) -> NotFound:
    return NotFound("GRANT_NOT_FOUND", "找不到该印章授权", "Authorisation not found",
                    field="grant", ref=ref)


def visible_grant(repos: GovernanceRepos, principal: Principal, grant_id: str) -> GrantRecord:
    grant = repos.get_grant(grant_id)
    if grant is None or grant.id != grant_id:
        raise grant_not_found(grant_id)
    principal.owns(grant.org_id, "grant", grant_id, grant_not_found(grant_id))
    return grant


def may_read_grants(principal: Principal, user_id: str | None = None) -> None:
    """Custodians, auditors and organisation administrators (reports); anyone their own."""
    if principal.may("grants:manage") or (user_id is not None and user_id == principal.id):
        return
    principal.require("reports:read")


def create_grant(repos: GovernanceRepos, clock: Clock, principal: Principal, seal: SealRecord,
                 grantee: tuple[str, str], terms: GrantTerms, reason: str, *,
                 audit: AuditRecorder) -> GrantRecord:
    now = clock.now()
    authorize(repos, principal, "grants:manage", seal, now=now)
    why = checked_text(reason, "reason", 500)
    kind, who = resolve_grantee(repos, principal, grantee)
    start = _utc(terms.valid_from or now)
    record = checked_terms(GrantRecord(
        str(uuid.uuid4()), seal.org_id, seal.id, kind, who, terms.level,
        terms.approval_required, terms.categories, start,
        terms.valid_until or _default_end(start), terms.max_uses, 0,
        "active", principal.actor().name, now, now))
    refuse_hard(grant_conflicts(repos, record))
    repos.add_grant(record)
    record_change(repos, audit, principal, "create", None, record, why)
    return record


def change_grant(repos: GovernanceRepos, clock: Clock, principal: Principal, grant_id: str,
                 changes: dict[str, Any], reason: str, *, audit: AuditRecorder) -> GrantRecord:
    """Change some of CHANGEABLE (None clears valid_until / max_uses)."""
    unknown = sorted(set(changes) - set(CHANGEABLE))
    if unknown:
        raise InvalidInput("GRANT_FIELD", f"不能修改：{', '.join(unknown)}",
                           f"Cannot be changed: {', '.join(unknown)}", field=unknown[0])
    return _update(repos, clock, principal, grant_id, reason, "change", audit,
                   lambda g: replace(g, **_with_defaults(g, changes)))


def revoke_grant(repos: GovernanceRepos, clock: Clock, principal: Principal, grant_id: str,
                 reason: str, *, audit: AuditRecorder) -> GrantRecord:
    """Revoke at once: the next request is refused, and so is any sealing not yet committed
    (its conditional UPDATE of the same row comes after this one, or this waits for it)."""
    return _update(repos, clock, principal, grant_id, reason, "revoke", audit,
                   lambda g: _switch(g, "active", "revoked"))


def restore_grant(repos: GovernanceRepos, clock: Clock, principal: Principal, grant_id: str,
                  reason: str, *, audit: AuditRecorder) -> GrantRecord:
    return _update(repos, clock, principal, grant_id, reason, "restore", audit,
                   lambda g: _switch(g, "revoked", "active"))


def _update(repos: GovernanceRepos, clock: Clock, principal: Principal, grant_id: str,
            reason: str, action: str, audit: AuditRecorder,
            change: Callable[[GrantRecord], GrantRecord]) -> GrantRecord:
    now = clock.now()
    principal.require("grants:manage")
    visible_grant(repos, principal, grant_id)
    before = repos.lock_grant(grant_id)
    assert before is not None
    seal = repos.get_seal(before.seal_id)
    assert seal is not None
    authorize(repos, principal, "grants:manage", seal, now=now)
    why = checked_text(reason, "reason", 500)
    after = replace(checked_terms(change(before)), updated_at=now)
    refuse_hard(grant_conflicts(repos, after))
    repos.save_grant(after)
    record_change(repos, audit, principal, action, before, after, why)
    return after


def _switch(grant: GrantRecord, old: str, new: str) -> GrantRecord:
    if grant.status != old:
        raise Conflict(f"GRANT_ALREADY_{new.upper()}",
                       "该授权已被撤销" if new == "revoked" else "该授权未被撤销，无需恢复",
                       "The authorisation is already revoked" if new == "revoked"
                       else "The authorisation is not revoked", field="grant")
    return replace(grant, status=new)


def _with_defaults(grant: GrantRecord, changes: dict[str, Any]) -> dict[str, Any]:
    values = dict(changes)
    if "categories" in values:
        values["categories"] = tuple(values["categories"] or ())
    if values.get("valid_from", 1) is None:
        values["valid_from"] = grant.valid_from
    return values


def resolve_grantee(repos: GovernanceRepos, principal: Principal, grantee: tuple[str, str]
                    ) -> tuple[str, str]:
    """(kind, id): a user (id or username) or API client of the caller's organisation, or
    a role name."""
    kind, ref = grantee
    if kind == "user":
        return kind, visible_user(repos, principal, ref).id
    if kind == "client":
        return kind, visible_client(repos, principal, ref).id
    if kind == "role" and ref in ORG_ROLES:
        return kind, ref
    raise InvalidInput("GRANTEE_UNKNOWN", "被授权方应为本单位的用户、角色或 API 应用",
                       "The grantee must be a user, role or API client of your organisation",
                       field="grantee", roles=list(ORG_ROLES))


def _utc(moment: datetime) -> datetime:
    """Stored in UTC (SQLite keeps no offset); a time outside years 1900-9000 is refused."""
    if not 1900 <= moment.year <= 9000:
        raise InvalidInput("GRANT_WINDOW", "授权时间应在 1900–9000 年之间",
                           "Grant times must lie between the years 1900 and 9000",
                           field="valid_until")
    return moment.astimezone(UTC)


def _default_end(start: datetime) -> datetime:
    return start + timedelta(days=MAX_GRANT_DAYS)


def checked_terms(grant: GrantRecord) -> GrantRecord:
    grant = replace(grant, valid_from=_utc(grant.valid_from),
                    valid_until=_utc(grant.valid_until) if grant.valid_until else None)
    if grant.level not in LEVELS:
        raise InvalidInput("GRANT_LEVEL", f"授权级别应为：{', '.join(LEVELS)}",
                           f"The level must be one of: {', '.join(LEVELS)}", field="level")
    if grant.valid_until is not None and grant.valid_until <= grant.valid_from:
        raise InvalidInput("GRANT_WINDOW", "授权结束时间应晚于开始时间",
                           "The grant must end after it starts", field="valid_until")
    if grant.max_uses is not None and grant.max_uses < 1:
        raise InvalidInput("GRANT_MAX_USES", "最多使用次数至少为 1",
                           "The maximum number of uses is at least 1", field="max_uses")
    if len(grant.categories) > MAX_CATEGORIES:
        raise InvalidInput("GRANT_CATEGORIES", f"文件类别最多 {MAX_CATEGORIES} 个",
                           f"At most {MAX_CATEGORIES} document categories",
                           field="categories")
    cats = tuple(dict.fromkeys(checked_text(c, "categories", 50) for c in grant.categories))
    return replace(grant, categories=cats)


def terms_of(grant: GrantRecord) -> dict[str, object]:
    """What the history and the audit trail keep of a grant (JSON)."""
    return {"level": grant.level, "approval_required": grant.approval_required,
            "categories": list(grant.categories), "valid_from": grant.valid_from.isoformat(),
            "valid_until": grant.valid_until.isoformat() if grant.valid_until else None,
            "max_uses": grant.max_uses, "uses": grant.uses, "status": grant.status}


def record_change(repos: GovernanceRepos, audit: AuditRecorder, principal: Principal,
                  action: str, before: GrantRecord | None, after: GrantRecord,
                  reason: str) -> None:
    old = terms_of(before) if before else None
    event = GrantEventRecord(str(uuid.uuid4()), after.id, after.org_id, after.seal_id,
                             after.grantee_kind, after.grantee, action, reason,
                             principal.actor().name, after.updated_at, old, terms_of(after))
    repos.add_grant_event(event)
    audit.record(f"grant.{action}", org_id=after.org_id, target=f"grant:{after.id}",
                 details={"seal": after.seal_id,
                          "grantee": f"{after.grantee_kind}:{after.grantee}",
                          "reason": reason, "before": old, "after": event.after})


def grants_reaching(repos: GovernanceRepos, org_id: str, user_id: str
                    ) -> tuple[frozenset[str], list[GrantRecord]]:
    """A user's roles and every grant that reaches them (directly or through a role)."""
    roles = repos.list_user_roles(user_id)
    subjects = {("user", user_id), *(("role", r) for r in roles)}
    return roles, [g for g in repos.list_grants(org_id)
                   if (g.grantee_kind, g.grantee) in subjects]
