"""Repository methods for roles and seal authorisations. Never commits."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from openseal.adapters.db.convert import utc, utc_required
from openseal.adapters.db.locking import locked_row
from openseal.adapters.db.tables import UserRow
from openseal.adapters.db.tables_grants import GrantEventRow, SealGrantRow, UserRoleRow
from openseal.core.governance.roles import ORG_ROLES
from openseal.core.records import GrantEventRecord, GrantRecord


class SqlGrants:
    session: Session

    # roles --------------------------------------------------------------------------------
    def list_user_roles(self, user_id: str) -> frozenset[str]:
        extra = self.session.scalars(select(UserRoleRow.role).where(
            UserRoleRow.user_id == user_id))
        primary = self.session.scalar(select(UserRow.role).where(UserRow.id == user_id))
        return frozenset(extra) | ({primary} if primary else set())

    def set_user_roles(self, user_id: str, roles: frozenset[str]) -> None:
        """Store ``roles``; the first of them in ORG_ROLES order becomes the primary one."""
        primary = next(r for r in (*ORG_ROLES, *sorted(roles)) if r in roles)
        self.session.execute(delete(UserRoleRow).where(UserRoleRow.user_id == user_id))
        self.session.add_all(UserRoleRow(user_id=user_id, role=r) for r in sorted(roles))
        self.session.execute(update(UserRow).where(UserRow.id == user_id).values(role=primary))
        self.session.flush()

    def users_with_role(self, org_id: str, role: str) -> list[str]:
        holders = select(UserRoleRow.user_id).where(UserRoleRow.role == role)
        query = (select(UserRow.id).where(UserRow.org_id == org_id)
                 .where(UserRow.status == "active")
                 .where(or_(UserRow.role == role, UserRow.id.in_(holders)))
                 .order_by(UserRow.created_at))
        return list(self.session.scalars(query))

    # grants -------------------------------------------------------------------------------
    def add_grant(self, record: GrantRecord) -> None:
        self.session.add(_grant_row(record))
        self.session.flush()

    def save_grant(self, record: GrantRecord) -> None:
        self.session.merge(_grant_row(record))
        self.session.flush()

    def get_grant(self, grant_id: str) -> GrantRecord | None:
        row = self.session.get(SealGrantRow, grant_id)
        return _grant(row) if row else None

    def lock_grant(self, grant_id: str) -> GrantRecord | None:
        row = locked_row(self.session, SealGrantRow, SealGrantRow.id, grant_id)
        return _grant(row) if row else None

    def list_grants(self, org_id: str, seal_id: str | None = None,
                    grantee: tuple[str, str] | None = None) -> list[GrantRecord]:
        query = select(SealGrantRow).where(SealGrantRow.org_id == org_id)
        if seal_id is not None:
            query = query.where(SealGrantRow.seal_id == seal_id)
        if grantee is not None:
            query = query.where(SealGrantRow.grantee_kind == grantee[0],
                                SealGrantRow.grantee == grantee[1])
        rows = self.session.scalars(query.order_by(SealGrantRow.created_at, SealGrantRow.id))
        return [_grant(r) for r in rows]

    def grants_for(self, seal_id: str, subjects: list[tuple[str, str]]) -> list[GrantRecord]:
        if not subjects:
            return []
        matches = [(SealGrantRow.grantee_kind == kind) & (SealGrantRow.grantee == who)
                   for kind, who in subjects]
        query = (select(SealGrantRow).where(SealGrantRow.seal_id == seal_id)
                 .where(or_(*matches)).order_by(SealGrantRow.created_at))
        return [_grant(r) for r in self.session.scalars(query)]

    def consume_grant(self, grant_id: str, now: datetime) -> bool:
        g = SealGrantRow
        result = self.session.execute(
            update(g).where(g.id == grant_id).where(g.status == "active")
            .where(or_(g.max_uses.is_(None), g.uses < g.max_uses))
            .where(g.valid_from <= now).where(or_(g.valid_until.is_(None), g.valid_until > now))
            .values(uses=g.uses + 1, updated_at=now)
            .execution_options(synchronize_session=False))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    # history ------------------------------------------------------------------------------
    def add_grant_event(self, record: GrantEventRecord) -> None:
        values = asdict(record)
        values["before"] = None if record.before is None else json.dumps(record.before)
        values["after"] = json.dumps(record.after)
        self.session.add(GrantEventRow(**values))
        self.session.flush()

    def grant_events(self, *, grant_id: str | None = None, seal_id: str | None = None,
                     grantee: tuple[str, str] | None = None) -> list[GrantEventRecord]:
        query = select(GrantEventRow)
        if grant_id is not None:
            query = query.where(GrantEventRow.grant_id == grant_id)
        if seal_id is not None:
            query = query.where(GrantEventRow.seal_id == seal_id)
        if grantee is not None:
            query = query.where(GrantEventRow.grantee_kind == grantee[0],
                                GrantEventRow.grantee == grantee[1])
        rows = self.session.scalars(query.order_by(GrantEventRow.at, GrantEventRow.id))
        return [_event(r) for r in rows]


def _grant_row(record: GrantRecord) -> SealGrantRow:
    values = asdict(record)
    values["categories"] = json.dumps(list(record.categories), ensure_ascii=False)
    return SealGrantRow(**values)


def _grant(row: SealGrantRow) -> GrantRecord:
    return GrantRecord(
        row.id, row.org_id, row.seal_id, row.grantee_kind, row.grantee, row.level,
        row.approval_required, tuple(json.loads(row.categories or "[]")),
        utc_required(row.valid_from), utc(row.valid_until), row.max_uses, row.uses,
        row.status, row.created_by, utc_required(row.created_at), utc_required(row.updated_at))


def _event(row: GrantEventRow) -> GrantEventRecord:
    return GrantEventRecord(
        row.id, row.grant_id, row.org_id, row.seal_id, row.grantee_kind, row.grantee,
        row.action, row.reason, row.actor, utc_required(row.at),
        None if row.before is None else json.loads(row.before), json.loads(row.after))
