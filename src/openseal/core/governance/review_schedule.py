"""Regular permission reviews: an organisation's schedule (every N days) and ``run_due``,
which starts a campaign over every seal when the last one started N days ago or more (or
none ever did). ``openseal review run-due`` (cron) runs it for every organisation with a
schedule; ``POST /api/v1/reviews/run-due`` for the caller's organisation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from openseal.core.accounts.principal import Principal
from openseal.core.audit.recorder import AuditRecorder
from openseal.core.clock import Clock
from openseal.core.governance.review_ports import ReviewRepos
from openseal.core.governance.review_records import ReviewCampaignRecord, ReviewScheduleRecord
from openseal.core.governance.reviews import DEFAULT_DUE_DAYS, MAX_DUE_DAYS, start_review
from openseal.errors import InvalidInput, NotFound

MAX_INTERVAL_DAYS = 3660


@dataclass(frozen=True)
class ScheduleStatus:
    schedule: ReviewScheduleRecord | None
    last_started_at: datetime | None  # the latest campaign over every seal
    next_due_at: datetime | None  # None without a schedule


def schedule_status(repos: ReviewRepos, org_id: str) -> ScheduleStatus:
    schedule = repos.get_review_schedule(org_id)
    last = repos.last_review_start(org_id)
    if schedule is None:
        return ScheduleStatus(None, last, None)
    due = last + timedelta(days=schedule.interval_days) if last else schedule.updated_at
    return ScheduleStatus(schedule, last, due)


def set_schedule(repos: ReviewRepos, clock: Clock, principal: Principal, interval_days: int,
                 due_days: int = DEFAULT_DUE_DAYS, *, audit: AuditRecorder
                 ) -> ScheduleStatus:
    """Review every ``interval_days``; each campaign is due ``due_days`` after it starts."""
    principal.require("grants:manage")
    org_id = principal.org
    if not 1 <= interval_days <= MAX_INTERVAL_DAYS:
        raise InvalidInput("REVIEW_INTERVAL", f"审核周期应为 1–{MAX_INTERVAL_DAYS} 天",
                           f"The interval must be 1-{MAX_INTERVAL_DAYS} days",
                           field="interval_days")
    if not 1 <= due_days <= MAX_DUE_DAYS:
        raise InvalidInput("REVIEW_DUE", f"审核期限应为 1–{MAX_DUE_DAYS} 天",
                           f"A review must be due within 1-{MAX_DUE_DAYS} days",
                           field="due_days")
    before = repos.lock_review_schedule(org_id)
    record = ReviewScheduleRecord(org_id, interval_days, due_days, principal.actor().name,
                                  clock.now())
    repos.save_review_schedule(record)
    _audit(audit, org_id, before, record)
    return schedule_status(repos, org_id)


def clear_schedule(repos: ReviewRepos, principal: Principal, *, audit: AuditRecorder
                   ) -> None:
    """Stop regular reviews (campaigns already started stay as they are)."""
    principal.require("grants:manage")
    org_id = principal.org
    before = repos.lock_review_schedule(org_id)
    if before is None or not repos.delete_review_schedule(org_id):
        raise NotFound("REVIEW_SCHEDULE_NOT_FOUND", "本单位没有定期权限审核安排",
                       "Your organisation has no review schedule", field="schedule")
    _audit(audit, org_id, before, None)


def _audit(audit: AuditRecorder, org_id: str, before: ReviewScheduleRecord | None,
           after: ReviewScheduleRecord | None) -> None:
    def terms(r: ReviewScheduleRecord | None) -> dict[str, object] | None:
        return None if r is None else {k: v for k, v in asdict(r).items()
                                       if k in ("interval_days", "due_days")}

    audit.record("review.schedule", org_id=org_id, target=f"org:{org_id}",
                 details={"before": terms(before), "after": terms(after)})


def run_due(repos: ReviewRepos, clock: Clock, principal: Principal, *,
            audit: AuditRecorder) -> ReviewCampaignRecord | None:
    """Start the caller's organisation's scheduled campaign if it is due (else None)."""
    principal.require("grants:manage")
    org_id = principal.org
    schedule = repos.lock_review_schedule(org_id)  # two runs at once start one campaign
    if schedule is None:
        return None
    now = clock.now()
    last = repos.last_review_start(org_id)
    if last is not None and now < last + timedelta(days=schedule.interval_days):
        return None
    return start_review(repos, clock, principal,
                        name=f"定期权限审核 {now:%Y-%m-%d} / scheduled review",
                        due_in=timedelta(days=schedule.due_days), audit=audit)
