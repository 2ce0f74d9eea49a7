"""A seal-use request's page (申请详情): its documents' first pages, decisions and tickets;
a page of a document as PNG; approving or rejecting it (``decide``, as the API does)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openseal.bootstrap import Context, Refusal, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.governance.decisions import decide
from openseal.core.governance.request_views import inbox, readable_request
from openseal.core.governance.requests import current_status
from openseal.errors import OpenSealError
from openseal.interfaces.api.deps import wiring
from openseal.interfaces.api.problems import status_of
from openseal.interfaces.api.routes.seals import PRIVATE
from openseal.interfaces.web.console.layout import show
from openseal.interfaces.web.console.request_previews import (
    PREVIEW_LONG_SIDE,
    document,
    no_page,
    previews,
    shown_page,
)
from openseal.interfaces.web.console.session import Refused, SignedIn, form_user, run_as, signed_in
from openseal.interfaces.web.console.use_requests import DETAIL
from openseal.interfaces.web.ofd_previews import OFD, blank_png
from openseal.interfaces.web.previews import LONG_SIDE

router = APIRouter(include_in_schema=False)


def _detail(c: Context, p: Principal, request_id: str) -> dict[str, Any]:
    found = readable_request(c.repos, p, request_id)
    now = c.clock.now()
    seal = c.repos.get_seal(found.seal_id)
    tickets = c.repos.tickets_of(found.id)
    waiting = any(r.id == found.id for r in inbox(c.repos, p, now))
    return {"r": found, "state": current_status(found, now),
            "seal_name": seal.name if seal else found.seal_id,
            "decisions": c.repos.decisions_of(found.id), "tickets": tickets,
            "may_decide": waiting or (p.may("requests:approve")
                                      and current_status(found, now) == "pending"),
            "may_seal": found.requester_id == p.id
            and any(t.status == "unused" and t.expires_at > now for t in tickets),
            **previews([(d.sha256, c.documents.get(d.sha256)) for d in found.documents])}


@router.get("/requests/{request_id}", response_class=HTMLResponse)
def request_page(request_id: str, request: Request, user: SignedIn = Depends(signed_in),
                 w: Wiring = Depends(wiring)) -> Response:
    values = run_as(w, user, lambda c: _detail(c, user.principal, request_id))
    return show(request, DETAIL, user, **values)


@router.get("/requests/{request_id}/documents/{sha256}/pages/{number}.png")
def page_png(request_id: str, sha256: str, number: int, user: SignedIn = Depends(signed_in),
             w: Wiring = Depends(wiring)) -> Response:
    """Page ``number`` of a request's document as PNG (who may read the request)."""
    data = run_as(w, user, lambda c: document(c, user.principal, request_id, sha256))
    shown = shown_page(data, number)
    png = shown.png
    if png is None and shown.skipped == OFD:  # an OFD page: a white page of its shape
        png = blank_png(shown, min(PREVIEW_LONG_SIDE, LONG_SIDE))
    if png is None:
        raise Refused(no_page(number))
    return Response(png, media_type="image/png", headers=PRIVATE)


@router.post("/requests/{request_id}/approve", response_class=HTMLResponse)
def approve(request_id: str, request: Request, comment: str = Form(""),
            user: SignedIn = Depends(form_user), w: Wiring = Depends(wiring)) -> Response:
    return _decide(request, request_id, "approve", comment, user, w)


@router.post("/requests/{request_id}/reject", response_class=HTMLResponse)
def reject(request_id: str, request: Request, comment: str = Form(""),
           user: SignedIn = Depends(form_user), w: Wiring = Depends(wiring)) -> Response:
    return _decide(request, request_id, "reject", comment, user, w)


def _decide(request: Request, request_id: str, decision: str, comment: str, user: SignedIn,
            w: Wiring) -> Response:
    p = user.principal
    refusal = Refusal(f"request.{decision}", target=f"request:{request_id}", org_id=p.org_id)
    try:
        w.run(lambda c: decide(c.repos, c.clock, p, request_id, decision, comment,
                               audit=c.audit), refusal, p.actor())
    except OpenSealError as exc:
        values = run_as(w, user, lambda c: _detail(c, p, request_id))
        return show(request, DETAIL, user, status=status_of(exc), error=exc,
                    comment=comment, **values)
    return RedirectResponse(f"/requests/{quote(request_id)}", status_code=303)
