"""Request and response bodies for permission reviews (权限审核). Requests forbid unknown
fields (``Strict``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, Field

from openseal.core.governance.review_records import ReviewCampaignRecord
from openseal.core.governance.review_report import ItemView, decision_of
from openseal.core.governance.review_schedule import ScheduleStatus
from openseal.interfaces.api.schemas import Strict

COMMENT = Field(max_length=300, description="Why (kept with the decision and in the audit "
                                            "trail; a revocation names it in the grant's "
                                            "history)")


class ReviewBody(Strict):
    name: str | None = Field(default=None, max_length=100,
                             description="Default: 权限审核 <date>")
    seal_id: str | None = Field(default=None, max_length=64,
                                description="Review one seal's grants (default: every seal)")
    due_at: AwareDatetime | None = Field(default=None,
                                         description="Deadline (default: in 14 days)")


class ConfirmBody(Strict):
    comment: str | None = Field(default=None, max_length=300)


class RevokeBody(Strict):
    comment: str = COMMENT


class ScheduleBody(Strict):
    interval_days: int = Field(ge=1, le=3660, description="Start a review every N days")
    due_days: int = Field(default=14, ge=1, le=366,
                          description="Each review is due N days after it starts")


class ProgressOut(BaseModel):
    total: int
    pending: int = Field(description="Not decided yet (not reviewed, once closed)")
    confirmed: int
    revoked: int


class ReviewOut(BaseModel):
    id: str
    name: str
    seal_id: str | None = Field(description="The one seal reviewed (null: every seal)")
    started_by: str
    started_at: datetime
    due_at: datetime
    status: str = Field(description="open | closed")
    overdue: bool = Field(description="Open, past its due time, with items pending")
    closed_by: str | None
    closed_at: datetime | None
    progress: ProgressOut

    @classmethod
    def of(cls, r: ReviewCampaignRecord, counts: dict[str, int], now: datetime) -> ReviewOut:
        return cls(id=r.id, name=r.name, seal_id=r.seal_id, started_by=r.started_by,
                   started_at=r.started_at, due_at=r.due_at, status=r.status,
                   overdue=r.overdue(now) and counts["pending"] > 0, closed_by=r.closed_by,
                   closed_at=r.closed_at, progress=ProgressOut(**counts))


class ReviewedTermsOut(BaseModel):
    """The grant's terms when the review started."""

    level: str
    approval_required: bool
    categories: list[str]
    valid_from: datetime
    valid_until: datetime | None
    max_uses: int | None
    uses: int
    status: str


class ReviewItemOut(BaseModel):
    id: str
    review_id: str
    grant_id: str
    seal_id: str
    seal_name: str
    grantee_kind: str = Field(description="user | role | client")
    grantee: str
    grantee_name: str
    terms: ReviewedTermsOut
    reviewer_id: str | None = Field(description="null: any custodian of the organisation")
    reviewer_name: str | None
    decision: str = Field(description="pending | confirmed | revoked | not_reviewed (closed)")
    decided_by: str | None
    decided_at: datetime | None
    comment: str | None

    @classmethod
    def of(cls, v: ItemView, review: ReviewCampaignRecord) -> ReviewItemOut:
        i = v.item
        return cls(id=i.id, review_id=i.campaign_id, grant_id=i.grant_id, seal_id=i.seal_id,
                   seal_name=v.seal_name, grantee_kind=i.grantee_kind, grantee=i.grantee,
                   grantee_name=v.grantee_name,
                   terms=ReviewedTermsOut.model_validate(i.terms),
                   reviewer_id=i.reviewer_id, reviewer_name=v.reviewer_name,
                   decision=decision_of(review, i), decided_by=i.decided_by,
                   decided_at=i.decided_at, comment=i.comment)


class OverdueOut(BaseModel):
    review: ReviewOut
    items: list[ReviewItemOut] = Field(description="Still pending")


class ScheduleOut(BaseModel):
    interval_days: int | None = Field(description="null: no regular review")
    due_days: int | None
    updated_by: str | None
    updated_at: datetime | None
    last_started_at: datetime | None = Field(description="The latest review of every seal")
    next_due_at: datetime | None

    @classmethod
    def of(cls, s: ScheduleStatus) -> ScheduleOut:
        r = s.schedule
        return cls(interval_days=r.interval_days if r else None,
                   due_days=r.due_days if r else None, updated_by=r.updated_by if r else None,
                   updated_at=r.updated_at if r else None, last_started_at=s.last_started_at,
                   next_due_at=s.next_due_at)


class RunDueOut(BaseModel):
    started: list[ReviewOut] = Field(description="The review started now (none if not due)")
