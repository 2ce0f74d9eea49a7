"""The audit log's storage. Appends lock the head row first, so concurrent writers queue up
and the log stays one line with no gap and no fork, on SQLite and PostgreSQL alike.

The append statements are built once (Core statements on the session's connection: no ORM
bookkeeping and a statement-cache hit per execution). Within one transaction, after the
first append has locked the head row, the next appends move the head with ONE conditional
UPDATE (compare-and-set on the size and last hash this writer left there) instead of two: a
head that is not where this writer left it (another writer, a rolled-back savepoint) matches
nothing, and the append takes the first path again. Either way an entry is chained to the
head as it is under the lock.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.orm import Session

from openseal.adapters.db.tables import AuditCheckpointRow, AuditEventRow, AuditHeadRow
from openseal.core.audit import AuditEvent, canonical_json
from openseal.core.records import CheckpointRecord


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


_HEAD = AuditHeadRow.__table__
_RESERVE = (update(_HEAD).where(_HEAD.c.id == 1).values(size=_HEAD.c.size + 1)
            .returning(_HEAD.c.size, _HEAD.c.last_hash))
_SET_HASH = update(_HEAD).where(_HEAD.c.id == 1).values(last_hash=bindparam("entry_hash"))
_ADVANCE = (update(_HEAD)
            .where(_HEAD.c.id == 1, _HEAD.c.size == bindparam("seq"),
                   _HEAD.c.last_hash == bindparam("prev_hash"))
            .values(size=bindparam("size"), last_hash=bindparam("entry_hash")))
_INSERT_EVENT = insert(AuditEventRow.__table__)


class SqlAuditLog:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._head: tuple[int, str] | None = None  # (size, last hash) this writer left

    def append_audit(self, build: Callable[[int, str], AuditEvent]) -> AuditEvent:
        """Reserve the next sequence number under the head-row lock, then store the event
        that ``build(seq, prev_hash)`` makes. Joins the caller's transaction."""
        conn = flushed_connection(self.session)
        appended = self._advance(conn, build) if self._head is not None else None
        if appended is None:
            head = conn.execute(_RESERVE).one()  # locks the head row until the commit
            event = build(head.size - 1, head.last_hash)
            appended = event, event.entry_hash()
            conn.execute(_SET_HASH, {"entry_hash": appended[1]})
        event, entry_hash = appended
        conn.execute(_INSERT_EVENT, _columns(event, entry_hash))
        self._head = (event.seq + 1, entry_hash)
        return event

    def _advance(self, conn: Connection, build: Callable[[int, str], AuditEvent]
                 ) -> tuple[AuditEvent, str] | None:
        """Move the head past the event ``build`` makes on the head this writer left, in one
        conditional UPDATE; None (nothing written) when the head is not there any more."""
        assert self._head is not None
        size, last_hash = self._head
        self._head = None
        event = build(size, last_hash)
        entry_hash = event.entry_hash()
        moved = conn.execute(_ADVANCE, {"seq": size, "prev_hash": last_hash,
                                        "size": size + 1, "entry_hash": entry_hash})
        return (event, entry_hash) if moved.rowcount == 1 else None

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


def flushed_connection(session: Session) -> Connection:
    """The session's connection, for Core statements, after what ``session.execute`` of an
    ORM statement would flush first (pending ORM changes keep their place before ours)."""
    if session.autoflush:
        session.flush()
    return session.connection()


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
