"""Records of permission reviews (权限审核): campaigns, their items, the review schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

DECISIONS = ("pending", "confirmed", "revoked")


@dataclass(frozen=True)
class ReviewCampaignRecord:
    """One review of an organisation's grants (every seal's, or one seal's: ``seal_id``),
    to be finished by ``due_at``. ``status`` open | closed."""

    id: str
    org_id: str
    name: str
    seal_id: str | None
    started_by: str
    started_at: datetime
    due_at: datetime
    status: str
    closed_by: str | None = None
    closed_at: datetime | None = None

    def overdue(self, now: datetime) -> bool:
        return self.status == "open" and self.due_at <= now


@dataclass(frozen=True)
class ReviewItemRecord:
    """One grant to be reviewed: its terms as they were when the campaign started
    (``terms``, see grants.terms_of), who reviews it (``reviewer_id``; None: any custodian
    of the organisation) and the decision: pending | confirmed | revoked."""

    id: str
    campaign_id: str
    org_id: str
    grant_id: str
    seal_id: str
    grantee_kind: str
    grantee: str
    terms: dict[str, object]
    reviewer_id: str | None
    decision: str = "pending"
    decided_by: str | None = None
    decided_at: datetime | None = None
    comment: str | None = None


@dataclass(frozen=True)
class ReviewScheduleRecord:
    """An organisation's regular review: a campaign over every seal is due when the last
    one started ``interval_days`` ago or more; each runs for ``due_days``."""

    org_id: str
    interval_days: int
    due_days: int
    updated_by: str
    updated_at: datetime
