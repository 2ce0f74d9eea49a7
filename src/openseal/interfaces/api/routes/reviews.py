"""/api/v1 permission reviews (权限审核): campaigns, their items (confirm or revoke), the
overdue list, the CSV report and the regular schedule. Everything goes through
core.governance.reviews / review_report / review_schedule and the audit trail."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Response

from openseal.bootstrap import Context, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.governance.review_records import ReviewCampaignRecord
from openseal.core.governance.review_report import overdue_reviews, report_csv, views
from openseal.core.governance.review_schedule import (
    clear_schedule,
    run_due,
    schedule_status,
    set_schedule,
)
from openseal.core.governance.reviews import (
    close_review,
    confirm_item,
    may_read_reviews,
    progress,
    revoke_item,
    start_review,
    visible_review,
)
from openseal.interfaces.api.auth import caller
from openseal.interfaces.api.deps import wiring
from openseal.interfaces.api.review_schemas import (
    ConfirmBody,
    OverdueOut,
    ReviewBody,
    ReviewItemOut,
    ReviewOut,
    RevokeBody,
    RunDueOut,
    ScheduleBody,
    ScheduleOut,
)
from openseal.interfaces.api.routes.seals import own_seal

router = APIRouter(prefix="/api/v1", tags=["reviews"])
CSV: dict[int | str, dict[str, Any]] = {200: {
    "description": "The review report: CSV, UTF-8 with BOM, one row per item",
    "content": {"text/csv": {"schema": {"type": "string"}}}}}


def review_out(c: Context, review: ReviewCampaignRecord) -> ReviewOut:
    return ReviewOut.of(review, progress(c.repos, review.id), c.clock.now())


@router.post("/reviews", response_model=ReviewOut, status_code=201)
def start(body: ReviewBody, p: Principal = Depends(caller), w: Wiring = Depends(wiring)
          ) -> ReviewOut:
    """Start a review of every active grant of your organisation, or of one seal
    (custodian): each grant is listed to its reviewer."""
    def run(c: Context) -> ReviewOut:
        p.require("grants:manage")
        seal = own_seal(c, p, body.seal_id) if body.seal_id else None
        return review_out(c, start_review(c.repos, c.clock, p, name=body.name, seal=seal,
                                          due_at=body.due_at, audit=c.audit))

    return w.run(run, actor=p.actor())


@router.get("/reviews", response_model=list[ReviewOut])
def list_reviews(status: str | None = Query(None, pattern="^(open|closed)$"),
                 p: Principal = Depends(caller), w: Wiring = Depends(wiring)
                 ) -> list[ReviewOut]:
    """Your organisation's reviews, newest first, with their progress."""
    def run(c: Context) -> list[ReviewOut]:
        may_read_reviews(p)
        return [review_out(c, r) for r in c.repos.list_reviews(p.org, status)]

    return w.run(run, actor=p.actor())


@router.get("/reviews/overdue", response_model=list[OverdueOut])
def overdue(p: Principal = Depends(caller), w: Wiring = Depends(wiring)) -> list[OverdueOut]:
    """Items still pending in open reviews past their due time."""
    def run(c: Context) -> list[OverdueOut]:
        may_read_reviews(p)
        return [OverdueOut(review=review_out(c, r),
                           items=[ReviewItemOut.of(v, r) for v in views(c.repos, items)])
                for r, items in overdue_reviews(c.repos, p.org, c.clock.now())]

    return w.run(run, actor=p.actor())


@router.post("/reviews/run-due", response_model=RunDueOut)
def start_due(p: Principal = Depends(caller), w: Wiring = Depends(wiring)) -> RunDueOut:
    """Start your organisation's scheduled review if it is due (for cron or on demand)."""
    def run(c: Context) -> RunDueOut:
        started = run_due(c.repos, c.clock, p, audit=c.audit)
        return RunDueOut(started=[review_out(c, started)] if started else [])

    return w.run(run, actor=p.actor())


@router.get("/review-schedule", response_model=ScheduleOut)
def get_schedule(p: Principal = Depends(caller), w: Wiring = Depends(wiring)) -> ScheduleOut:
    """Your organisation's regular review: every how many days, when next due."""
    def run(c: Context) -> ScheduleOut:
        may_read_reviews(p)
        return ScheduleOut.of(schedule_status(c.repos, p.org))

    return w.run(run, actor=p.actor())


@router.put("/review-schedule", response_model=ScheduleOut)
def put_schedule(body: ScheduleBody, p: Principal = Depends(caller),
                 w: Wiring = Depends(wiring)) -> ScheduleOut:
    """Review every ``interval_days`` (custodian); run-due starts the reviews."""
    return ScheduleOut.of(w.run(lambda c: set_schedule(c.repos, c.clock, p, body.interval_days,
                                                       body.due_days, audit=c.audit),
                                actor=p.actor()))


@router.delete("/review-schedule", status_code=204, response_class=Response)
def delete_schedule(p: Principal = Depends(caller), w: Wiring = Depends(wiring)) -> Response:
    """Stop regular reviews (custodian)."""
    w.run(lambda c: clear_schedule(c.repos, p, audit=c.audit), actor=p.actor())
    return Response(status_code=204)


@router.get("/reviews/{review_id}", response_model=ReviewOut)
def get_review(review_id: str, p: Principal = Depends(caller), w: Wiring = Depends(wiring)
               ) -> ReviewOut:
    def run(c: Context) -> ReviewOut:
        may_read_reviews(p)
        return review_out(c, visible_review(c.repos, p, review_id))

    return w.run(run, actor=p.actor())


@router.get("/reviews/{review_id}/items", response_model=list[ReviewItemOut])
def items(review_id: str,
          decision: str | None = Query(None, pattern="^(pending|confirmed|revoked)$"),
          mine: bool = Query(False, description="Only items you review (or any custodian)"),
          p: Principal = Depends(caller), w: Wiring = Depends(wiring)) -> list[ReviewItemOut]:
    """The review's items: each grant with its terms, reviewer and decision."""
    def run(c: Context) -> list[ReviewItemOut]:
        may_read_reviews(p)
        review = visible_review(c.repos, p, review_id)
        found = [i for i in c.repos.list_review_items(review.id, decision)
                 if not mine or i.reviewer_id in (None, p.id)]
        return [ReviewItemOut.of(v, review) for v in views(c.repos, found)]

    return w.run(run, actor=p.actor())


def _item_out(c: Context, review_id: str, item_id: str) -> ReviewItemOut:
    review = c.repos.get_review(review_id)
    item = c.repos.get_review_item(item_id)
    assert review is not None and item is not None
    return ReviewItemOut.of(views(c.repos, [item])[0], review)


@router.post("/reviews/{review_id}/items/{item_id}/confirm", response_model=ReviewItemOut)
def confirm(review_id: str, item_id: str, body: ConfirmBody | None = None,
            p: Principal = Depends(caller), w: Wiring = Depends(wiring)) -> ReviewItemOut:
    """Keep the grant (its reviewer, or any custodian for an unassigned item; never the
    grantee)."""
    comment = body.comment if body else None

    def run(c: Context) -> ReviewItemOut:
        confirm_item(c.repos, c.clock, p, review_id, item_id, comment, audit=c.audit)
        return _item_out(c, review_id, item_id)

    return w.run(run, actor=p.actor())


@router.post("/reviews/{review_id}/items/{item_id}/revoke", response_model=ReviewItemOut)
def revoke(review_id: str, item_id: str, body: RevokeBody, p: Principal = Depends(caller),
           w: Wiring = Depends(wiring)) -> ReviewItemOut:
    """Revoke the grant at once, with a comment (kept in the grant's history)."""
    def run(c: Context) -> ReviewItemOut:
        revoke_item(c.repos, c.clock, p, review_id, item_id, body.comment, audit=c.audit)
        return _item_out(c, review_id, item_id)

    return w.run(run, actor=p.actor())


@router.post("/reviews/{review_id}/close", response_model=ReviewOut)
def close(review_id: str, p: Principal = Depends(caller), w: Wiring = Depends(wiring)
          ) -> ReviewOut:
    """Close the review (custodian); pending items are reported as not reviewed."""
    return w.run(lambda c: review_out(c, close_review(c.repos, c.clock, p, review_id,
                                                      audit=c.audit)), actor=p.actor())


@router.get("/reviews/{review_id}/report.csv", response_class=Response, responses=CSV)
def report(review_id: str, p: Principal = Depends(caller), w: Wiring = Depends(wiring)
           ) -> Response:
    """The review report as CSV (opens in Excel): one row per grant with its decision."""
    def run(c: Context) -> bytes:
        may_read_reviews(p)
        return report_csv(c.repos, visible_review(c.repos, p, review_id))

    content = w.run(run, actor=p.actor())
    return Response(content, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="review-{review_id}.csv"',
        "Cache-Control": "no-store"})
