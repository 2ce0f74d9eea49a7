"""Permission reviews (权限审核): campaigns and the overdue list, starting one, a review's items
(confirm or revoke each), closing it, its CSV report, and the regular schedule.

The same core calls as /api/v1 (interfaces/api/routes/reviews.py): ``may_read_reviews`` and
``visible_review`` to read, ``start_review``, ``confirm_item``, ``revoke_item``,
``close_review``, ``report_csv`` (the very bytes the API gives), ``schedule_status``,
``set_schedule`` and ``clear_schedule``. The core decides who may decide which item
(never one's own grant: REVIEW_OWN_GRANT).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openseal.bootstrap import Context, Refusal, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.governance.review_records import ReviewCampaignRecord
from openseal.core.governance.review_report import (
    ItemView,
    decision_of,
    overdue_reviews,
    report_csv,
    views,
)
from openseal.core.governance.review_schedule import (
    ScheduleStatus,
    clear_schedule,
    schedule_status,
    set_schedule,
)
from openseal.core.governance.reviews import (
    DEFAULT_DUE_DAYS,
    close_review,
    confirm_item,
    may_read_reviews,
    progress,
    revoke_item,
    start_review,
    visible_review,
)
from openseal.core.records import SealRecord
from openseal.errors import InvalidInput, OpenSealError
from openseal.interfaces.api.deps import wiring
from openseal.interfaces.api.problems import status_of
from openseal.interfaces.api.routes.seals import own_seal
from openseal.interfaces.web.console.authorisations import LEVEL_LABELS, moment_of
from openseal.interfaces.web.console.layout import NavItem, Page, show
from openseal.interfaces.web.console.session import Refused, SignedIn, form_user, run_as, signed_in
from openseal.interfaces.web.i18n import N_

router = APIRouter(include_in_schema=False)

# This feature's entries in the console's navigation (added in order by routes.install).
NAV_ITEMS: list[NavItem] = [NavItem("reviews", "Permission reviews", "/reviews",
                                    "reports:read")]

MANUAL = "authorisations#"
LIST = Page("console/reviews/list.html", "Permission reviews",
            MANUAL + "权限审核-permission-reviews", "reviews")
DETAIL = Page("console/reviews/detail.html", "Permission review",
              MANUAL + "审核每项授权-decide-each-item", "reviews")
SCHEDULE = Page("console/reviews/schedule.html", "Regular permission reviews",
                MANUAL + "定期审核-schedule", "reviews")

DECISION_LABELS = {"pending": N_("Not decided yet"), "confirmed": N_("Kept"),
                   "revoked": N_("Revoked in the review"), "not_reviewed": N_("Not reviewed")}
STATUS_LABELS = {"open": N_("Review open"), "closed": N_("Review closed")}
T = TypeVar("T")



@dataclass(frozen=True)
class ReviewLine:
    review: ReviewCampaignRecord
    counts: dict[str, int]
    overdue: bool
    seal_name: str

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.review.status, self.review.status)


def _line(c: Context, review: ReviewCampaignRecord) -> ReviewLine:
    counts = progress(c.repos, review.id)
    seal = c.repos.get_seal(review.seal_id) if review.seal_id else None
    return ReviewLine(review, counts, review.overdue(c.clock.now()) and counts["pending"] > 0,
                      seal.name if seal else "")


# The campaigns ----------------------------------------------------------------------------
def _list_values(c: Context, p: Principal) -> dict[str, Any]:
    may_read_reviews(p)
    overdue = [(_line(c, r), views(c.repos, items))
               for r, items in overdue_reviews(c.repos, p.org, c.clock.now())]
    return {"lines": [_line(c, r) for r in c.repos.list_reviews(p.org)], "overdue": overdue,
            "seals": c.repos.list_seals(p.org), "schedule": schedule_status(c.repos, p.org)}


def _list_page(request: Request, user: SignedIn, values: dict[str, Any], *,
               form: dict[str, str] | None = None, status: int = 200,
               error: OpenSealError | None = None) -> Response:
    return show(request, LIST, user, status=status, error=error, **values,
                form=form or {"name": "", "seal_id": "", "due_at": ""},
                may_manage=user.principal.may("grants:manage"),
                due_days=DEFAULT_DUE_DAYS)


@router.get("/reviews", response_class=HTMLResponse)
def reviews(request: Request, user: SignedIn = Depends(signed_in),
            w: Wiring = Depends(wiring)) -> Response:
    """The organisation's reviews (newest first), what is overdue, and a form to start one."""
    return _list_page(request, user, run_as(w, user, lambda c: _list_values(c, user.principal)))


@router.post("/reviews", response_class=HTMLResponse)
def start(request: Request, name: str = Form(""), seal_id: str = Form(""),
          due_at: str = Form(""), user: SignedIn = Depends(form_user),
          w: Wiring = Depends(wiring)) -> Response:
    """Start a review of every active grant of the organisation, or of one seal's."""
    p = user.principal
    form = {"name": name[:200], "seal_id": seal_id[:64], "due_at": due_at[:40]}

    def run(c: Context) -> ReviewCampaignRecord:
        p.require("grants:manage")
        seal: SealRecord | None = own_seal(c, p, form["seal_id"]) if form["seal_id"] else None
        return start_review(c.repos, c.clock, p, name=form["name"].strip() or None, seal=seal,
                            due_at=moment_of(form["due_at"], "due_at"), audit=c.audit)

    try:
        made = w.run(run, Refusal("review.start", org_id=p.org_id,
                                  details={"seal": form["seal_id"]}), p.actor())
    except OpenSealError as exc:
        if status_of(exc) == 403:
            raise Refused(exc) from exc
        values = run_as(w, user, lambda c: _list_values(c, p))
        return _list_page(request, user, values, form=form, status=status_of(exc), error=exc)
    return RedirectResponse(f"/reviews/{quote(made.id)}", status_code=303)


# The schedule (before /reviews/{review_id}, which would take its path) ---------------------
def _schedule_page(request: Request, user: SignedIn, found: ScheduleStatus, *,
                   form: dict[str, str] | None = None, status: int = 200,
                   error: OpenSealError | None = None) -> Response:
    now = found.schedule
    typed = form or {"interval_days": str(now.interval_days) if now else "",
                     "due_days": str(now.due_days if now else DEFAULT_DUE_DAYS)}
    return show(request, SCHEDULE, user, status=status, error=error, found=found, form=typed,
                may_manage=user.principal.may("grants:manage"),
                done=request.query_params.get("done", ""))


def _read_schedule(c: Context, p: Principal) -> ScheduleStatus:
    may_read_reviews(p)
    return schedule_status(c.repos, p.org)


@router.get("/reviews/schedule", response_class=HTMLResponse)
def schedule(request: Request, user: SignedIn = Depends(signed_in),
             w: Wiring = Depends(wiring)) -> Response:
    status = run_as(w, user, lambda c: _read_schedule(c, user.principal))
    return _schedule_page(request, user, status)


def _days(value: str, field: str) -> int:
    typed = value.strip()
    if not typed.isdigit() or len(typed) > 6:
        raise InvalidInput("REVIEW_DAYS_FORMAT", "天数应为正整数", "Days are a whole number",
                           field=field)
    return int(typed)


@router.post("/reviews/schedule", response_class=HTMLResponse)
def set_review_schedule(request: Request, interval_days: str = Form(""),
                        due_days: str = Form(""), user: SignedIn = Depends(form_user),
                        w: Wiring = Depends(wiring)) -> Response:
    """Review every ``interval_days``, each review due ``due_days`` after it starts."""
    p = user.principal
    form = {"interval_days": interval_days[:10], "due_days": due_days[:10]}
    try:
        w.run(lambda c: set_schedule(c.repos, c.clock, p, _days(form["interval_days"],
                                                                "interval_days"),
                                     _days(form["due_days"], "due_days"), audit=c.audit),
              Refusal("review.schedule", org_id=p.org_id), p.actor())
    except OpenSealError as exc:
        if status_of(exc) == 403:
            raise Refused(exc) from exc
        found = run_as(w, user, lambda c: _read_schedule(c, p))
        return _schedule_page(request, user, found, form=form, status=status_of(exc),
                              error=exc)
    return RedirectResponse("/reviews/schedule?done=set", status_code=303)


@router.post("/reviews/schedule/remove", response_class=HTMLResponse)
def remove_schedule(request: Request, user: SignedIn = Depends(form_user),
                    w: Wiring = Depends(wiring)) -> Response:
    """Stop regular reviews (reviews already started stay as they are)."""
    p = user.principal
    try:
        w.run(lambda c: clear_schedule(c.repos, p, audit=c.audit),
              Refusal("review.schedule", org_id=p.org_id), p.actor())
    except OpenSealError as exc:
        if status_of(exc) == 403:
            raise Refused(exc) from exc
        found = run_as(w, user, lambda c: _read_schedule(c, p))
        return _schedule_page(request, user, found, status=status_of(exc), error=exc)
    return RedirectResponse("/reviews/schedule?done=removed", status_code=303)


# One review -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ItemLine:
    view: ItemView
    decision: str
    may_decide: bool

    @property
    def decision_label(self) -> str:
        return DECISION_LABELS.get(self.decision, self.decision)

    @property
    def level_label(self) -> str:
        level = str(self.view.item.terms.get("level", ""))
        return LEVEL_LABELS.get(level, level)

    @property
    def valid_until(self) -> str:
        until = self.view.item.terms.get("valid_until")
        return str(until)[:16].replace("T", " ") if until else ""


def _detail(c: Context, p: Principal, review_id: str) -> dict[str, Any]:
    may_read_reviews(p)
    review = visible_review(c.repos, p, review_id)
    manage = p.may("grants:manage") and review.status == "open"
    items = [ItemLine(v, decision_of(review, v.item), manage and v.item.decision == "pending")
             for v in views(c.repos, c.repos.list_review_items(review.id))]
    return {"line": _line(c, review), "items": items, "may_close": manage}


def _detail_page(request: Request, user: SignedIn, values: dict[str, Any], *,
                 status: int = 200, error: OpenSealError | None = None,
                 comment: str = "") -> Response:
    return show(request, DETAIL, user, status=status, error=error, **values, comment=comment,
                done=request.query_params.get("done", ""))


@router.get("/reviews/{review_id}", response_class=HTMLResponse)
def review(request: Request, review_id: str, user: SignedIn = Depends(signed_in),
           w: Wiring = Depends(wiring)) -> Response:
    """The review, its progress and its items; the reviewer's confirm and revoke buttons."""
    return _detail_page(request, user, run_as(w, user, lambda c: _detail(c, user.principal,
                                                                         review_id)))


def _decide(request: Request, review_id: str, item_id: str, decision: str, comment: str,
            user: SignedIn, w: Wiring) -> Response:
    p = user.principal
    said = comment[:400]

    def decide(c: Context) -> object:
        if decision == "revoke":
            return revoke_item(c.repos, c.clock, p, review_id, item_id, said, audit=c.audit)
        return confirm_item(c.repos, c.clock, p, review_id, item_id, said.strip() and said or None,
                            audit=c.audit)

    try:
        w.run(decide,
              Refusal(f"review.{decision}", f"review:{review_id[:64]}", p.org_id,
                      details={"item": item_id[:64]}), p.actor())
    except OpenSealError as exc:
        values = run_as(w, user, lambda c: _detail(c, p, review_id))
        return _detail_page(request, user, values, status=status_of(exc), error=exc,
                            comment=said)
    return RedirectResponse(f"/reviews/{quote(review_id)}?done={decision}", status_code=303)


@router.post("/reviews/{review_id}/items/{item_id}/confirm", response_class=HTMLResponse)
def confirm(request: Request, review_id: str, item_id: str, comment: str = Form(""),
            user: SignedIn = Depends(form_user), w: Wiring = Depends(wiring)) -> Response:
    """Keep the grant as it is (a comment is optional)."""
    return _decide(request, review_id, item_id, "confirm", comment, user, w)


@router.post("/reviews/{review_id}/items/{item_id}/revoke", response_class=HTMLResponse)
def revoke(request: Request, review_id: str, item_id: str, comment: str = Form(""),
           user: SignedIn = Depends(form_user), w: Wiring = Depends(wiring)) -> Response:
    """Revoke the grant at once; the comment says why (required)."""
    return _decide(request, review_id, item_id, "revoke", comment, user, w)


@router.post("/reviews/{review_id}/close", response_class=HTMLResponse)
def close(request: Request, review_id: str, user: SignedIn = Depends(form_user),
          w: Wiring = Depends(wiring)) -> Response:
    """Close the review; items still pending are reported as not reviewed."""
    p = user.principal
    try:
        w.run(lambda c: close_review(c.repos, c.clock, p, review_id, audit=c.audit),
              Refusal("review.close", f"review:{review_id[:64]}", p.org_id), p.actor())
    except OpenSealError as exc:
        values = run_as(w, user, lambda c: _detail(c, p, review_id))
        return _detail_page(request, user, values, status=status_of(exc), error=exc)
    return RedirectResponse(f"/reviews/{quote(review_id)}?done=close", status_code=303)


@router.get("/reviews/{review_id}/report.csv")
def report(review_id: str, user: SignedIn = Depends(signed_in),
           w: Wiring = Depends(wiring)) -> Response:
    """The review report as CSV: the same bytes as GET /api/v1/reviews/{id}/report.csv."""
    p = user.principal

    def run(c: Context) -> bytes:
        may_read_reviews(p)
        return report_csv(c.repos, visible_review(c.repos, p, review_id))

    content = run_as(w, user, run)
    return Response(content, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="review-{quote(review_id)}.csv"',
        "Cache-Control": "no-store"})
