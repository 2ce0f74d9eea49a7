"""The audit log's storage. Appends lock the head row first, so concurrent writers queue up
and the log stays one line with no gap and no fork, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from openseal.adapters.db.tables import AuditCheckpointRow, AuditEventRow, AuditHeadRow
from openseal.core.audit import AuditEvent, canonical_json
from openseal.core.records import CheckpointRecord


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class SqlAuditLog:
    def __init__(self, session: Session) -> None:
        self.session = session

    def append_audit(self, build: Callable[[int, str], AuditEvent]) -> AuditEvent:
        """Reserve the next sequence number under the head-row lock, then store the event
        that ``build(seq, prev_hash)`` makes. Joins the caller's transaction."""
        head = self.session.execute(
            update(AuditHeadRow).where(AuditHeadRow.id == 1)
            .values(size=AuditHeadRow.size + 1)
            .returning(AuditHeadRow.size, AuditHeadRow.last_hash)
            .execution_options(synchronize_session=False)).one()
        event = build(head.size - 1, head.last_hash)
        entry_hash = event.entry_hash()
        self.session.execute(
            update(AuditHeadRow).where(AuditHeadRow.id == 1).values(last_hash=entry_hash)
            .execution_options(synchronize_session=False))
        self.session.execute(insert(AuditEventRow).values(_columns(event, entry_hash)))
        return event

    def audit_size(self) -> int:
        return int(self.session.scalar(select(AuditHeadRow.size).where(AuditHeadRow.id == 1))
                   or 0)

    def list_audit(self, first: int = 0, last: int | None = None, action: str | None = None,
                   since: datetime | None = None) -> list[tuple[AuditEvent, str]]:
        """Events with their stored entry hashes, in sequence order."""
        query = select(AuditEventRow).where(AuditEventRow.seq >= first).order_by(
            AuditEventRow.seq)
        if last is not None:
            query = query.where(AuditEventRow.seq <= last)
        if action:
            query = query.where(AuditEventRow.action == action)
        if since is not None:
            query = query.where(AuditEventRow.time >= since)
        return [(_event(r), r.entry_hash) for r in self.session.scalars(query)]

    def org_audit(self, org_id: str, limit: int, action: str | None = None,
                  before: int | None = None) -> list[AuditEvent]:
        """The newest ``limit`` events of ``org_id`` (below seq ``before``), oldest first."""
        query = (select(AuditEventRow).where(AuditEventRow.org_id == org_id)
                 .order_by(AuditEventRow.seq.desc()).limit(limit))
        if action:
            query = query.where(AuditEventRow.action == action)
        if before is not None:
            query = query.where(AuditEventRow.seq < before)
        return [_event(r) for r in reversed(list(self.session.scalars(query)))]

    def audit_entry_hashes(self, size: int | None = None) -> list[str]:
        query = select(AuditEventRow.entry_hash).order_by(AuditEventRow.seq)
        if size is not None:
            query = query.where(AuditEventRow.seq < size)
        return list(self.session.scalars(query))

    def add_checkpoint(self, record: CheckpointRecord) -> None:
        self.session.add(AuditCheckpointRow(size=record.size, root_hash=record.root_hash,
                                            time=record.time, document=record.document))
        self.session.flush()

    def latest_checkpoint(self) -> CheckpointRecord | None:
        query = select(AuditCheckpointRow).order_by(AuditCheckpointRow.size.desc()).limit(1)
        row = self.session.scalars(query).first()
        return CheckpointRecord(row.size, row.root_hash, _utc(row.time), row.document) \
            if row else None

    def list_checkpoints(self) -> list[CheckpointRecord]:
        query = select(AuditCheckpointRow).order_by(AuditCheckpointRow.size)
        return [CheckpointRecord(r.size, r.root_hash, _utc(r.time), r.document)
                for r in self.session.scalars(query)]


def _columns(event: AuditEvent, entry_hash: str) -> dict[str, object]:
    """The event's row (a plain INSERT: no unit-of-work bookkeeping per entry)."""
    return dict(
        seq=event.seq, time=event.time, actor=event.actor, actor_kind=event.actor_kind,
        org_id=event.org_id, action=event.action, target=event.target, outcome=event.outcome,
        client_addr=event.client_addr, agent=event.agent,
        details=canonical_json(dict(event.details)).decode(), prev_hash=event.prev_hash,
        entry_hash=entry_hash)


def _event(row: AuditEventRow) -> AuditEvent:
    return AuditEvent(
        seq=row.seq, time=_utc(row.time), actor=row.actor, actor_kind=row.actor_kind,
        action=row.action, outcome=row.outcome, org_id=row.org_id, target=row.target,
        client_addr=row.client_addr, agent=row.agent, details=json.loads(row.details),
        prev_hash=row.prev_hash)
