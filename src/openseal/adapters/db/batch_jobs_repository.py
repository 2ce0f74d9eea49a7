"""Repository methods for batch jobs (issue 7). Never commits."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from openseal.adapters.db.convert import utc, utc_required
from openseal.adapters.db.tables_batch_jobs import BatchItemRow, BatchJobRow
from openseal.core.batches.model import (
    QUEUED,
    RUNNING,
    BatchItemRecord,
    BatchJobRecord,
    BatchOptions,
    ItemOutcome,
)


class SqlBatchJobs:
    session: Session

    # jobs ---------------------------------------------------------------------------------
    def add_batch(self, job: BatchJobRecord, items: list[BatchItemRecord]) -> None:
        self.session.add(_job_row(job))
        self.session.flush()
        self.session.add_all(_item_row(i) for i in items)
        self.session.flush()

    def get_batch(self, batch_id: str) -> BatchJobRecord | None:
        row = self.session.get(BatchJobRow, batch_id)
        return _job(row) if row else None

    def list_batches(self, org_id: str, creator: tuple[str, str] | None, limit: int
                     ) -> list[BatchJobRecord]:
        query = select(BatchJobRow).where(BatchJobRow.org_id == org_id)
        if creator is not None:
            query = query.where(BatchJobRow.creator_kind == creator[0],
                                BatchJobRow.creator_id == creator[1])
        rows = self.session.scalars(query.order_by(BatchJobRow.created_at.desc(),
                                                   BatchJobRow.id.desc()).limit(limit))
        return [_job(r) for r in rows]

    # items --------------------------------------------------------------------------------
    def list_batch_items(self, batch_id: str) -> list[BatchItemRecord]:
        rows = self.session.scalars(
            select(BatchItemRow).where(BatchItemRow.batch_id == batch_id)
            .order_by(BatchItemRow.idx).execution_options(populate_existing=True))
        return [_item(r) for r in rows]

    def get_batch_item(self, item_id: str) -> BatchItemRecord | None:
        row = self.session.get(BatchItemRow, item_id, populate_existing=True)
        return _item(row) if row else None

    def batch_counts(self, batch_id: str) -> dict[str, int]:
        rows = self.session.execute(
            select(BatchItemRow.status, func.count()).where(BatchItemRow.batch_id == batch_id)
            .group_by(BatchItemRow.status))
        return {status: int(n) for status, n in rows}

    def next_batch_items(self, stale_before: datetime, limit: int) -> list[BatchItemRecord]:
        i, j = BatchItemRow, BatchJobRow
        rows = self.session.scalars(
            select(i).join(j, j.id == i.batch_id).where(_claimable(stale_before))
            .order_by(j.created_at, j.id, i.idx).limit(limit)
            .execution_options(populate_existing=True))
        return [_item(r) for r in rows]

    def claim_batch_item(self, item_id: str, claim: str, now: datetime,
                         stale_before: datetime) -> bool:
        i = BatchItemRow
        result = self.session.execute(
            update(i).where(i.id == item_id).where(_claimable(stale_before))
            .values(status=RUNNING, claim=claim, claimed_at=now, attempts=i.attempts + 1)
            .execution_options(synchronize_session=False))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def finish_batch_item(self, item_id: str, claim: str, outcome: ItemOutcome,
                          now: datetime) -> bool:
        i = BatchItemRow
        result = self.session.execute(
            update(i).where(i.id == item_id).where(i.status == RUNNING)
            .where(i.claim == claim)
            .values(status=outcome.status, document_id=outcome.document_id,
                    output_sha256=outcome.output_sha256, finished_at=now,
                    error=None if outcome.error is None
                    else json.dumps(outcome.error, ensure_ascii=False))
            .execution_options(synchronize_session=False))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def running_batch_items(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(BatchItemRow)
                                       .where(BatchItemRow.status == RUNNING)) or 0)


def _claimable(stale_before: datetime) -> ColumnElement[bool]:
    i = BatchItemRow
    return or_(i.status == QUEUED, and_(i.status == RUNNING, i.claimed_at < stale_before))


def _job_row(r: BatchJobRecord) -> BatchJobRow:
    return BatchJobRow(id=r.id, org_id=r.org_id, seal_id=r.seal_id,
                       creator_kind=r.creator_kind, creator_id=r.creator_id,
                       creator_name=r.creator_name,
                       options=json.dumps(r.options.to_json(), ensure_ascii=False),
                       total=r.total, created_at=r.created_at)


def _job(row: BatchJobRow) -> BatchJobRecord:
    return BatchJobRecord(row.id, row.org_id, row.seal_id, row.creator_kind, row.creator_id,
                          row.creator_name, BatchOptions.of_json(json.loads(row.options)),
                          row.total, utc_required(row.created_at))


def _item_row(r: BatchItemRecord) -> BatchItemRow:
    return BatchItemRow(id=r.id, batch_id=r.batch_id, idx=r.index, file_name=r.file_name,
                        input_sha256=r.input_sha256, input_size=r.input_size,
                        status=r.status, claim=r.claim, claimed_at=r.claimed_at,
                        attempts=r.attempts, document_id=r.document_id,
                        output_sha256=r.output_sha256,
                        error=None if r.error is None else json.dumps(r.error,
                                                                      ensure_ascii=False),
                        finished_at=r.finished_at)


def _item(row: BatchItemRow) -> BatchItemRecord:
    return BatchItemRecord(row.id, row.batch_id, row.idx, row.file_name, row.input_sha256,
                           row.input_size, row.status, row.claim, utc(row.claimed_at),
                           row.attempts, row.document_id, row.output_sha256,
                           None if row.error is None else json.loads(row.error),
                           utc(row.finished_at))
