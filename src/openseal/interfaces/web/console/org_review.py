"""The platform administrator's review of organisation verifications (审核单位认证).

The queue lists every organisation, those waiting for a decision first; a detail page shows
the registration, the submitted business licence (streamed by the console, with its media
type and as an attachment) and the approve / reject form. Everything goes through the core
as ``/api/v1/orgs/{org_id}/...`` does: ``platform:admin``, ``decide_verification``.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openseal.bootstrap import Context, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.identity.registration import decide_verification, profile_of
from openseal.errors import InvalidInput, NotFound, OpenSealError
from openseal.interfaces.api.deps import wiring
from openseal.interfaces.api.problems import status_of
from openseal.interfaces.api.routes.orgs import visible_org
from openseal.interfaces.web.console.layout import NavItem, Page, show
from openseal.interfaces.web.console.registration import (
    VERIFICATION_LABELS,
    Profile,
    read_profile,
)
from openseal.interfaces.web.console.session import Refused, SignedIn, form_user, run_as, signed_in

router = APIRouter(include_in_schema=False)

NAV_ITEMS: list[NavItem] = [
    NavItem("org_review", "Verifications", "/admin/organisations", "platform:admin")]

QUEUE = Page("console/organisation/review_queue.html", "Organisation verifications",
             "organisation#审核单位认证-review", "org_review")
DETAIL = Page("console/organisation/review_detail.html", "Review an organisation",
              "organisation#审核单位认证-review", "org_review")


# The queue's order: waiting for a decision first.
ORDER = {"pending": 0, "rejected": 1, "unverified": 2, "verified": 3}
EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
LICENCE_HEADERS = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
                   "Content-Security-Policy": "default-src 'none'; sandbox"}


def _admin(p: Principal) -> None:
    p.require("platform:admin")



def _queue(c: Context, p: Principal, status: str) -> list[Profile]:
    _admin(p)
    shown = [Profile(org, profile_of(c.repos, org.id), None)  # licences are not read here
             for org in c.repos.list_organizations()]
    if status in VERIFICATION_LABELS:
        shown = [s for s in shown if s.profile.status == status]
    return sorted(shown, key=lambda s: (ORDER.get(s.profile.status, 9), s.org.created_at))


@router.get("/admin/organisations", response_class=HTMLResponse)
def queue(request: Request, status: str = Query(""), user: SignedIn = Depends(signed_in),
          w: Wiring = Depends(wiring)) -> Response:
    chosen = status if status in VERIFICATION_LABELS else ""
    rows = run_as(w, user, lambda c: _queue(c, user.principal, chosen))
    return show(request, QUEUE, user, rows=rows, chosen=chosen, labels=VERIFICATION_LABELS)


def _reviewed(c: Context, p: Principal, org_id: str) -> Profile:
    _admin(p)
    return read_profile(c, visible_org(c, p, org_id).id)


def _detail_page(request: Request, user: SignedIn, shown: Profile, *, status: int = 200,
                 error: OpenSealError | None = None, reason: str = "") -> Response:
    return show(request, DETAIL, user, status=status, error=error, shown=shown, reason=reason,
                done=request.query_params.get("done", "") in ("approve", "reject"))


@router.get("/admin/organisations/{org_id}", response_class=HTMLResponse)
def detail(request: Request, org_id: str, user: SignedIn = Depends(signed_in),
           w: Wiring = Depends(wiring)) -> Response:
    shown = run_as(w, user, lambda c: _reviewed(c, user.principal, org_id))
    return _detail_page(request, user, shown)


def licence_missing(org_id: str) -> NotFound:
    return NotFound("LICENCE_NOT_FOUND", "尚未提交营业执照", "No licence was submitted",
                    ref=org_id)


@router.get("/admin/organisations/{org_id}/licence", response_class=Response)
def licence(org_id: str, user: SignedIn = Depends(signed_in),
            w: Wiring = Depends(wiring)) -> Response:
    """The latest submitted licence, as an attachment with its own media type."""
    shown = run_as(w, user, lambda c: _reviewed(c, user.principal, org_id))
    record = shown.licence
    if record is None:
        raise Refused(licence_missing(org_id))
    name = f"licence-{shown.org.uscc}.{EXTENSIONS.get(record.media_type, 'bin')}"
    disposition = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
    return Response(record.content, media_type=record.media_type,
                    headers={**LICENCE_HEADERS, "Content-Disposition": disposition})


def decision_unknown() -> InvalidInput:
    return InvalidInput("DECISION_UNKNOWN", "请选择批准或驳回", "Choose approve or reject",
                        field="decision")


@router.post("/admin/organisations/{org_id}/decision", response_class=HTMLResponse)
def decide(request: Request, org_id: str, decision: str = Form(""), reason: str = Form(""),
           user: SignedIn = Depends(form_user), w: Wiring = Depends(wiring)) -> Response:
    """Approve (the organisation leaves the sandbox) or reject with a reason."""
    p = user.principal

    def run(c: Context) -> None:
        org = _reviewed(c, p, org_id).org
        if decision not in ("approve", "reject"):
            raise decision_unknown()
        decide_verification(c.repos, c.pki, c.clock, p, org.id, decision == "approve",
                            reason, audit=c.audit)

    try:
        w.run(run, actor=p.actor())
    except OpenSealError as exc:
        if status_of(exc) in (401, 403, 404):
            raise Refused(exc) from exc
        shown = run_as(w, user, lambda c: _reviewed(c, p, org_id))
        return _detail_page(request, user, shown, status=status_of(exc), error=exc,
                            reason=reason[:500])
    return RedirectResponse(f"/admin/organisations/{org_id}?done={decision}",
                            status_code=303)
