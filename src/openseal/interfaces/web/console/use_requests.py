"""Seal-use requests (用印申请): a new request and the lists (mine, the approval inbox).

The feature spans four modules, each calling the core as the API routes do
(interfaces/api/routes/approvals.py and documents.py):

- here: ``create_request`` from the new-request form, my requests, the approval inbox;
- ``request_decisions``: a request's page with page previews, approve or reject (``decide``);
- ``request_sealing`` (+ ``request_placement``): sealing with the approved ticket, placing
  the seal by dragging it on the page (``seal_document``, ``seal_ofd_document`` for OFD);
- ``request_previews``: the document pages those pages show.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openseal.bootstrap import Context, Refusal, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.governance.request_views import inbox
from openseal.core.governance.requests import RequestForm, create_request, current_status
from openseal.core.records import SealRecord, UseRequestRecord
from openseal.errors import InvalidInput, OpenSealError
from openseal.interfaces.api.deps import wiring
from openseal.interfaces.api.problems import status_of
from openseal.interfaces.api.routes.seals import own_seal, receive
from openseal.interfaces.web.console.layout import NavItem, Page, show
from openseal.interfaces.web.console.session import SignedIn, form_user, run_as, signed_in

router = APIRouter(include_in_schema=False)

# This feature's entries in the console's navigation (added in order by routes.install).
NAV_ITEMS: list[NavItem] = [
    NavItem("requests", "Seal-use requests", "/requests", "seals:request"),
    NavItem("approvals", "Approval inbox", "/approvals", "requests:approve"),
]

# The manual's sections (docs/manual/requests.md; anchors as GitHub makes them).
NEW = Page("console/requests/new.html", "New seal-use request",
           "requests#新建用印申请-new-request", "requests")
MINE = Page("console/requests/list.html", "Seal-use requests",
            "requests#我的用印申请-my-requests", "requests")
DETAIL = Page("console/requests/detail.html", "Seal-use request",
              "requests#申请详情-request-details", "requests")
INBOX = Page("console/requests/inbox.html", "Approval inbox",
             "requests#待我审批-approval-inbox", "approvals")
SEAL = Page("console/requests/seal.html", "Seal the approved document",
            "requests#盖章并下载-seal-and-download", "requests")


def number_field(value: str, field: str, low: int, high: int) -> int:
    """The form's whole number ``value`` in [low, high] (InvalidInput naming ``field``)."""
    try:
        number = int(value.strip())
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise InvalidInput("REQUEST_INVALID", f"数值须在 {low} 至 {high} 之间",
                           f"The number must be {low} to {high}", field=field)
    return number


def _may_request(p: Principal) -> None:
    p.require("seals:request")


def _requestable(c: Context, p: Principal) -> list[SealRecord]:
    return [s for s in c.repos.list_seals(p.org) if s.status == "active"]


# New request --------------------------------------------------------------------------------
@router.get("/requests/new", response_class=HTMLResponse)
def new_form(request: Request, user: SignedIn = Depends(signed_in),
             w: Wiring = Depends(wiring)) -> Response:
    def run(c: Context) -> list[SealRecord]:
        _may_request(user.principal)
        return _requestable(c, user.principal)

    seals = run_as(w, user, run)
    return show(request, NEW, user, seals=seals, values={})


@router.post("/requests/new", response_class=HTMLResponse)
async def new_request(request: Request, documents: UploadFile = File(...),
                      purpose: str = Form(""), seal_id: str = Form(""),
                      copies: str = Form("1"), user: SignedIn = Depends(form_user),
                      w: Wiring = Depends(wiring)) -> Response:
    p = user.principal
    upload = await receive(documents, w.settings.max_upload_bytes)
    values = {"purpose": purpose, "seal_id": seal_id, "copies": copies}

    def run(c: Context) -> UseRequestRecord:
        _may_request(p)
        count = number_field(copies, "copies", 1, 20)
        seal = own_seal(c, p, seal_id)
        form = RequestForm(purpose, ((upload.filename, upload.content()),), count)
        return create_request(c.repos, c.clock, c.documents, p, seal, form, audit=c.audit)

    refusal = Refusal("request.create", target=f"seal:{seal_id[:64]}", org_id=p.org_id,
                      details={"files": [upload.filename[:200]]})
    try:
        made = w.run(run, refusal, p.actor())
    except OpenSealError as exc:
        seals = w.run(lambda c: _requestable(c, p), actor=p.actor())
        return show(request, NEW, user, status=status_of(exc), error=exc, seals=seals,
                    values=values)
    return RedirectResponse(f"/requests/{quote(made.id)}", status_code=303)


# Lists --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    request: UseRequestRecord
    status: str
    seal_name: str


def _rows(c: Context, found: list[UseRequestRecord]) -> list[Row]:
    now, names = c.clock.now(), {}
    for r in found:
        if r.seal_id not in names:
            seal = c.repos.get_seal(r.seal_id)
            names[r.seal_id] = seal.name if seal and seal.id == r.seal_id else r.seal_id
    return [Row(r, current_status(r, now), names[r.seal_id]) for r in found]


@router.get("/requests", response_class=HTMLResponse)
def my_requests(request: Request, user: SignedIn = Depends(signed_in),
                w: Wiring = Depends(wiring)) -> Response:
    p = user.principal

    def run(c: Context) -> list[Row]:
        _may_request(p)
        return _rows(c, c.repos.list_use_requests(p.org, requester_id=p.id, limit=200))

    return show(request, MINE, user, rows=run_as(w, user, run))


@router.get("/approvals", response_class=HTMLResponse)
def approvals(request: Request, user: SignedIn = Depends(signed_in),
              w: Wiring = Depends(wiring)) -> Response:
    p = user.principal

    def run(c: Context) -> list[Row]:
        p.require("requests:approve")
        return _rows(c, inbox(c.repos, p, c.clock.now()))

    return show(request, INBOX, user, rows=run_as(w, user, run))
