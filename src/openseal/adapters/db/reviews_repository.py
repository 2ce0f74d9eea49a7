"""Repository methods for permission reviews (权限审核). Never commits."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from openseal.adapters.db.convert import utc, utc_required
from openseal.adapters.db.locking import locked_row
from openseal.adapters.db.tables_reviews import (
    ReviewCampaignRow,
    ReviewItemRow,
    ReviewScheduleRow,
)
from openseal.core.governance.review_records import (
    ReviewCampaignRecord,
    ReviewItemRecord,
    ReviewScheduleRecord,
)


class SqlReviews:
    session: Session

    # campaigns ----------------------------------------------------------------------------
    def add_review(self, record: ReviewCampaignRecord, items: list[ReviewItemRecord]) -> None:
        self.session.add(_campaign_row(record))
        self.session.flush()
        self.session.add_all(_item_row(i) for i in items)
        self.session.flush()

    def save_review(self, record: ReviewCampaignRecord) -> None:
        self.session.merge(_campaign_row(record))
        self.session.flush()

    def get_review(self, review_id: str) -> ReviewCampaignRecord | None:
        row = self.session.get(ReviewCampaignRow, review_id)
        return _campaign(row) if row else None

    def lock_review(self, review_id: str) -> ReviewCampaignRecord | None:
        row = locked_row(self.session, ReviewCampaignRow, ReviewCampaignRow.id, review_id)
        return _campaign(row) if row else None

    def list_reviews(self, org_id: str, status: str | None = None
                     ) -> list[ReviewCampaignRecord]:
        query = select(ReviewCampaignRow).where(ReviewCampaignRow.org_id == org_id)
        if status is not None:
            query = query.where(ReviewCampaignRow.status == status)
        rows = self.session.scalars(query.order_by(ReviewCampaignRow.started_at.desc(),
                                                   ReviewCampaignRow.id))
        return [_campaign(r) for r in rows]

    def last_review_start(self, org_id: str) -> datetime | None:
        latest = self.session.scalar(
            select(func.max(ReviewCampaignRow.started_at))
            .where(ReviewCampaignRow.org_id == org_id)
            .where(ReviewCampaignRow.seal_id.is_(None)))
        return utc(latest)

    # items --------------------------------------------------------------------------------
    def get_review_item(self, item_id: str) -> ReviewItemRecord | None:
        row = self.session.get(ReviewItemRow, item_id, populate_existing=True)
        return _item(row) if row else None

    def list_review_items(self, review_id: str, decision: str | None = None
                          ) -> list[ReviewItemRecord]:
        query = select(ReviewItemRow).where(ReviewItemRow.campaign_id == review_id)
        if decision is not None:
            query = query.where(ReviewItemRow.decision == decision)
        rows = self.session.scalars(query.order_by(ReviewItemRow.seal_id,
                                                   ReviewItemRow.grantee_kind,
                                                   ReviewItemRow.grantee, ReviewItemRow.id))
        return [_item(r) for r in rows]

    def overdue_review_items(self, org_id: str | None, now: datetime
                             ) -> list[ReviewItemRecord]:
        c, i = ReviewCampaignRow, ReviewItemRow
        query = (select(i).join(c, c.id == i.campaign_id).where(c.status == "open")
                 .where(c.due_at <= now).where(i.decision == "pending"))
        if org_id is not None:
            query = query.where(c.org_id == org_id)
        rows = self.session.scalars(query.order_by(c.due_at, i.campaign_id, i.seal_id, i.id))
        return [_item(r) for r in rows]

    def review_counts(self, review_id: str) -> dict[str, int]:
        rows = self.session.execute(
            select(ReviewItemRow.decision, func.count()).where(
                ReviewItemRow.campaign_id == review_id).group_by(ReviewItemRow.decision))
        return {decision: int(n) for decision, n in rows}

    def decide_review_item(self, item_id: str, decision: str, decided_by: str,
                           decided_at: datetime, comment: str | None) -> bool:
        result = self.session.execute(
            update(ReviewItemRow).where(ReviewItemRow.id == item_id)
            .where(ReviewItemRow.decision == "pending")
            .values(decision=decision, decided_by=decided_by, decided_at=decided_at,
                    comment=comment)
            .execution_options(synchronize_session=False))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    # schedules ----------------------------------------------------------------------------
    def get_review_schedule(self, org_id: str) -> ReviewScheduleRecord | None:
        row = self.session.get(ReviewScheduleRow, org_id, populate_existing=True)
        return _schedule(row) if row else None

    def lock_review_schedule(self, org_id: str) -> ReviewScheduleRecord | None:
        row = locked_row(self.session, ReviewScheduleRow, ReviewScheduleRow.org_id, org_id)
        return _schedule(row) if row else None

    def save_review_schedule(self, record: ReviewScheduleRecord) -> None:
        self.session.merge(ReviewScheduleRow(
            org_id=record.org_id, interval_days=record.interval_days,
            due_days=record.due_days, updated_by=record.updated_by,
            updated_at=record.updated_at))
        self.session.flush()

    def delete_review_schedule(self, org_id: str) -> bool:
        result = self.session.execute(
            delete(ReviewScheduleRow).where(ReviewScheduleRow.org_id == org_id)
            .execution_options(synchronize_session=False))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def list_review_schedules(self) -> list[ReviewScheduleRecord]:
        rows = self.session.scalars(select(ReviewScheduleRow)
                                    .order_by(ReviewScheduleRow.org_id))
        return [_schedule(r) for r in rows]


def _campaign_row(r: ReviewCampaignRecord) -> ReviewCampaignRow:
    return ReviewCampaignRow(id=r.id, org_id=r.org_id, name=r.name, seal_id=r.seal_id,
                             started_by=r.started_by, started_at=r.started_at,
                             due_at=r.due_at, status=r.status, closed_by=r.closed_by,
                             closed_at=r.closed_at)


def _campaign(row: ReviewCampaignRow) -> ReviewCampaignRecord:
    return ReviewCampaignRecord(row.id, row.org_id, row.name, row.seal_id, row.started_by,
                                utc_required(row.started_at), utc_required(row.due_at),
                                row.status, row.closed_by, utc(row.closed_at))


def _item_row(r: ReviewItemRecord) -> ReviewItemRow:
    return ReviewItemRow(id=r.id, campaign_id=r.campaign_id, org_id=r.org_id,
                         grant_id=r.grant_id, seal_id=r.seal_id, grantee_kind=r.grantee_kind,
                         grantee=r.grantee, terms=json.dumps(r.terms, ensure_ascii=False),
                         reviewer_id=r.reviewer_id, decision=r.decision,
                         decided_by=r.decided_by, decided_at=r.decided_at, comment=r.comment)


def _item(row: ReviewItemRow) -> ReviewItemRecord:
    return ReviewItemRecord(row.id, row.campaign_id, row.org_id, row.grant_id, row.seal_id,
                            row.grantee_kind, row.grantee, json.loads(row.terms),
                            row.reviewer_id, row.decision, row.decided_by,
                            utc(row.decided_at), row.comment)


def _schedule(row: ReviewScheduleRow) -> ReviewScheduleRecord:
    return ReviewScheduleRecord(row.org_id, row.interval_days, row.due_days, row.updated_by,
                                utc_required(row.updated_at))
