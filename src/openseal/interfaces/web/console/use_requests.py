"""Seal-use requests (用印申请): new request, the approval inbox with page previews,
approve or reject; sealing with a ticket, placing the seal by dragging it on the page.

Everything calls the core as the API routes do (interfaces/api/routes/approvals.py and
documents.py): ``create_request``, ``decide``, ``readable_request`` / ``inbox`` and
``seal_document`` with the ticket (``seal_ofd_document`` for an OFD file, with an SM2 seal).
The sealed file is the answer of the sealing POST itself (an attachment); nothing of it is
kept here. OFD pages are not drawn: their outline (``ofd_previews``) stands for the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from openseal.bootstrap import Context, Refusal, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.governance.decisions import decide
from openseal.core.governance.request_views import inbox, readable_request, request_document
from openseal.core.governance.requests import RequestForm, create_request, current_status
from openseal.core.records import SealRecord, TicketRecord, UseRequestRecord
from openseal.core.signing.cross_page import cross_page as crossing
from openseal.core.signing.ofd_service import (
    OfdSealRequest,
    ofd_stamps,
    refuse_pdf_only,
    seal_ofd_document,
)
from openseal.core.signing.pdf import SealRequest
from openseal.core.signing.placement import Placement
from openseal.core.signing.service import SealerCache, seal_document
from openseal.core.templates.apply import seal_with_template, template_steps
from openseal.core.templates.model import TemplateRecord
from openseal.errors import InvalidInput, NotFound, OpenSealError, PermissionDenied
from openseal.interfaces.api.deps import wiring
from openseal.interfaces.api.problems import status_of
from openseal.interfaces.api.routes.documents import sealers
from openseal.interfaces.api.routes.seals import PRIVATE, own_seal, receive
from openseal.interfaces.web.console.layout import NavItem, Page, show
from openseal.interfaces.web.console.session import Refused, SignedIn, form_user, run_as, signed_in
from openseal.interfaces.web.ofd_previews import OFD, blank_png, is_ofd, ofd_preview
from openseal.interfaces.web.previews import LONG_SIDE, PagePreview, Preview, preview_pages

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

PREVIEW_PAGES = 2  # pages shown on a request's page
PREVIEW_LONG_SIDE = 900  # pixels: enough to place a seal, small enough to send
MAX_PAGE = 10_000
OFD_MEDIA_TYPE = "application/ofd"





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
        count = _number(copies, "copies", 1, 20)
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


def _number(value: str, field: str, low: int, high: int) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise InvalidInput("REQUEST_INVALID", f"数值须在 {low} 至 {high} 之间",
                           f"The number must be {low} to {high}", field=field)
    return number


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


# One request --------------------------------------------------------------------------------
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
            **_previews([(d.sha256, c.documents.get(d.sha256)) for d in found.documents])}


def _previews(documents: list[tuple[str, bytes | None]]) -> dict[str, Any]:
    """``previews``: how many pages of each document to show (by SHA-256); ``outlines``:
    those pages of an OFD document, not drawn (``ofd_previews``; a PDF has none)."""
    previews, outlines = {}, {}
    for sha256, data in documents:
        shown = ofd_preview(data, 1, PREVIEW_PAGES).pages if data and is_ofd(data) else ()
        previews[sha256] = len(shown) if shown else min(_page_count(data), PREVIEW_PAGES)
        outlines[sha256] = shown
    return {"previews": previews, "outlines": outlines}


def _preview(data: bytes, first: int, count: int, long_side: int) -> Preview:
    """``preview_pages`` of a PDF, the page outlines of an OFD file."""
    if is_ofd(data):
        return ofd_preview(data, first, count)
    return preview_pages(data, first, count, long_side)


def _page_count(data: bytes | None) -> int:
    """How many pages ``data`` has (0: none, or it cannot be read)."""
    return _preview(data, 1, 1, 16).page_count if data else 0


@router.get("/requests/{request_id}", response_class=HTMLResponse)
def request_page(request_id: str, request: Request, user: SignedIn = Depends(signed_in),
                 w: Wiring = Depends(wiring)) -> Response:
    values = run_as(w, user, lambda c: _detail(c, user.principal, request_id))
    return show(request, DETAIL, user, **values)


@router.get("/requests/{request_id}/documents/{sha256}/pages/{number}.png")
def page_png(request_id: str, sha256: str, number: int, user: SignedIn = Depends(signed_in),
             w: Wiring = Depends(wiring)) -> Response:
    """Page ``number`` of a request's document as PNG (who may read the request)."""
    data = run_as(w, user, lambda c: _document(c, user.principal, request_id, sha256))
    shown = _page(data, number)
    png = shown.png
    if png is None and shown.skipped == OFD:  # an OFD page: a white page of its shape
        png = blank_png(shown, min(PREVIEW_LONG_SIDE, LONG_SIDE))
    if png is None:
        raise Refused(_no_page(number))
    return Response(png, media_type="image/png", headers=PRIVATE)


def _document(c: Context, p: Principal, request_id: str, sha256: str) -> bytes:
    return request_document(c.repos, c.documents, p, request_id, sha256)


def _no_page(number: int) -> NotFound:
    return NotFound("PAGE_NOT_FOUND", f"文件没有第 {number} 页",
                    f"The document has no page {number}", field="page")


def _page(data: bytes, number: int) -> PagePreview:
    if not 1 <= number <= MAX_PAGE:
        raise Refused(_no_page(number))
    preview = _preview(data, number, 1, min(PREVIEW_LONG_SIDE, LONG_SIDE))
    if not preview.pages:
        raise Refused(_no_page(number))
    return preview.pages[0]


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


# Sealing with the ticket --------------------------------------------------------------------
@dataclass(frozen=True)
class Sealing:
    request: UseRequestRecord
    ticket: TicketRecord
    seal: SealRecord
    document: bytes
    name: str
    templates: tuple[TemplateRecord, ...] = ()  # the organisation's, with a stamp of the seal


def _sealing(c: Context, p: Principal, request_id: str, ticket_id: str | None,
             named: bool = False) -> Sealing:
    """The request's unused ticket (``ticket_id`` or the first) for its requester; with
    ``named``, the ticket ``ticket_id`` as it is (the core refuses a used or late one:
    TICKET_USED, APPROVAL_INVALID)."""
    found = readable_request(c.repos, p, request_id)
    now = c.clock.now()
    usable = [t for t in c.repos.tickets_of(found.id)
              if (named and t.id == ticket_id) or (t.status == "unused" and t.expires_at > now)]
    chosen = [t for t in usable if ticket_id in (None, "", t.id)]
    if found.requester_id != p.id or not chosen:
        raise PermissionDenied("NO_USABLE_TICKET",
                               "没有可用于盖章的用印凭证（须由申请人在批准后使用）",
                               "No usable ticket to seal with (the requester uses it once "
                               "the request is approved)", field="ticket")
    ticket = chosen[0]
    seal = c.repos.get_seal(ticket.seal_id)
    assert seal is not None
    name = next((d.name for d in found.documents if d.sha256 == ticket.document_sha256),
                "document.pdf")
    templates = tuple(t for t in c.repos.list_templates(found.org_id)
                      if ticket.seal_id in t.seal_ids)
    return Sealing(found, ticket, seal, _document(c, p, found.id, ticket.document_sha256),
                   name, templates)


@router.get("/requests/{request_id}/seal", response_class=HTMLResponse)
def seal_form(request_id: str, request: Request, ticket: str = "", page: int = 1,
              user: SignedIn = Depends(signed_in), w: Wiring = Depends(wiring)) -> Response:
    done = run_as(w, user, lambda c: _sealing(c, user.principal, request_id, ticket))
    shown = _page(done.document, page)
    return show(request, SEAL, user, **_seal_values(done, shown))


def _seal_values(done: Sealing, shown: PagePreview) -> dict[str, Any]:
    art = done.seal.artwork
    ofd = is_ofd(done.document)
    return {"s": done, "shown": shown, "page_count": _page_count(done.document),
            "templates": () if ofd else done.templates, "ofd": ofd,
            "seal_w": round(100 * art.width_mm / shown.width_mm, 3) if shown.width_mm else 20,
            "seal_h": round(100 * art.height_mm / shown.height_mm, 3) if shown.height_mm
            else 20}


@router.get("/requests/{request_id}/seal.png")
def seal_png(request_id: str, user: SignedIn = Depends(signed_in),
             w: Wiring = Depends(wiring)) -> Response:
    """The request's seal image, for its page to place it (who may read the request)."""
    def run(c: Context) -> bytes:
        found = readable_request(c.repos, user.principal, request_id)
        seal = c.repos.get_seal(found.seal_id)
        assert seal is not None
        return seal.artwork.png

    return Response(run_as(w, user, run), media_type="image/png", headers=PRIVATE)


@router.post("/requests/{request_id}/seal")
async def seal_post(request_id: str, request: Request, ticket: str = Form(""),
                    page: str = Form("1"), fx: str = Form(""), fy: str = Form(""),
                    x: str = Form(""), y: str = Form(""), keyword: str = Form(""),
                    cross_page: str = Form(""), template: str = Form(""),
                    user: SignedIn = Depends(form_user),
                    w: Wiring = Depends(wiring),
                    cache: SealerCache = Depends(sealers)) -> Response:
    """Seal the ticket's document where the seal was dropped (its centre at the fractions
    ``fx``/``fy`` of the page picture), at ``x``/``y`` mm (its bottom-left corner) or
    centred on the text ``keyword``; ``cross_page``: also a cross-page seal (骑缝章) over
    the right edge of every page; ``template``: a document template's stamp of this seal
    (its position, size and level) instead of all these."""
    p = user.principal

    def run(c: Context) -> tuple[str, bytes, bool]:
        done = _sealing(c, p, request_id, ticket, named=bool(ticket))
        if is_ofd(done.document):
            return done.name, _seal_ofd(c, p, cache, done, page, fx, fy, x, y, keyword,
                                        cross_page, template), True
        if template.strip():
            plan = template_steps(c.repos, p, template.strip()[:64])
            made = seal_with_template(c.repos, c.pki, c.keystore, c.clock, cache, plan,
                                      done.document, audit=c.audit, principal=p,
                                      ticket_id=done.ticket.id,
                                      qr_base=w.settings.certificate_url)
            return done.name, made[-1].pdf, False
        number = _number(page, "page", 1, MAX_PAGE)
        word = keyword.strip()[:100] or None
        at = Placement(number) if word else _placement(done, number, fx, fy, x, y)
        how = SealRequest(at, None, None, keyword=word,
                          cross_page=crossing() if cross_page else None)
        sealed = seal_document(c.repos, c.pki, c.keystore, c.clock, cache, done.seal.id,
                               done.document, how, audit=c.audit, principal=p,
                               ticket_id=done.ticket.id)
        return done.name, sealed.pdf, False

    refusal = Refusal("seal.use", target=f"request:{request_id}", org_id=p.org_id,
                      details={"ticket": ticket[:64], "page": page[:12]})
    try:
        name, pdf, ofd = await run_in_threadpool(w.run, run, refusal, p.actor())
    except OpenSealError as exc:
        return await run_in_threadpool(_seal_again, request, request_id, ticket, page, user,
                                       w, exc)
    suffix = ".ofd" if ofd else ".pdf"
    stem = name[:-4] if name.lower().endswith((".pdf", ".ofd")) else name
    filename = f"{stem}-sealed{suffix}"
    ascii_name = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_"
                         for ch in filename)
    return Response(pdf, media_type=OFD_MEDIA_TYPE if ofd else "application/pdf", headers={
        **PRIVATE, "Content-Disposition":
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"})


def _seal_ofd(c: Context, p: Principal, cache: SealerCache, done: Sealing, page: str,
              fx: str, fy: str, x: str, y: str, keyword: str, cross_page: str,
              template: str) -> bytes:
    """The ticket's OFD document sealed (GB/T 38540, SM2) as the form says: the seal where
    it was dropped on the page outline, at ``x``/``y`` mm or on ``keyword``; ``cross_page``
    adds a riding seal over the right edge of every page. Templates are for PDFs."""
    if template.strip():
        refuse_pdf_only(["template"])
    number = _number(page, "page", 1, MAX_PAGE)
    word = keyword.strip()[:100] or None
    if word:
        stamps = ofd_stamps(keyword=word, cross_page=bool(cross_page))
    else:
        at = _ofd_placement(done, number, fx, fy, x, y)
        stamps = ofd_stamps(page=number, x_mm=at.x_mm, y_mm=at.y_mm,
                            cross_page=bool(cross_page))
    sealed = seal_ofd_document(c.repos, c.pki, c.keystore, c.clock, cache, done.seal.id,
                               done.document, OfdSealRequest(stamps), audit=c.audit,
                               principal=p, ticket_id=done.ticket.id)
    return sealed.pdf


def _ofd_placement(done: Sealing, number: int, fx: str, fy: str, x: str, y: str
                   ) -> Placement:
    """``_placement`` on an OFD page outline: the seal's size is its ``.esl`` picture's,
    whole millimetres (``core.seals.esl``)."""
    if not (fx.strip() and fy.strip()):
        return _placement(done, number, "", "", x, y)
    shown = ofd_preview(done.document, number, 1)
    if not shown.pages:
        raise InvalidInput("POSITION_OFF_PAGE", f"文件没有第 {number} 页",
                           f"The document has no page {number}", field="page")
    art = done.seal.artwork
    width, height = max(1, round(art.width_mm)), max(1, round(art.height_mm))
    cx, cy = shown.pages[0].point_mm(_fraction(fx, "fx"), _fraction(fy, "fy"))
    return Placement(number, round(cx - width / 2, 2), round(cy - height / 2, 2))


def _seal_again(request: Request, request_id: str, ticket: str, page: str, user: SignedIn,
                w: Wiring, exc: OpenSealError) -> Response:
    """The sealing page again with the error when it is about the form (the position, the
    page); else the error page (the ticket used, the approval no longer valid ...)."""
    if not isinstance(exc, InvalidInput):
        raise Refused(exc)
    try:
        done = w.run(lambda c: _sealing(c, user.principal, request_id, ticket),
                     actor=user.principal.actor())
    except OpenSealError:
        raise Refused(exc) from exc
    number = int(page) if page.strip().isdigit() and 1 <= int(page) <= MAX_PAGE else 1
    try:
        shown = _page(done.document, number)
    except Refused:
        shown = _page(done.document, 1)
    return show(request, SEAL, user, status=status_of(exc), error=exc,
                **_seal_values(done, shown))


def _placement(done: Sealing, number: int, fx: str, fy: str, x: str, y: str) -> Placement:
    art = done.seal.artwork
    if fx.strip() and fy.strip():
        shown = preview_pages(done.document, number, 1, 64)
        if not shown.pages:
            raise InvalidInput("POSITION_OFF_PAGE", f"文件没有第 {number} 页",
                               f"The document has no page {number}", field="page")
        cx, cy = shown.pages[0].point_mm(_fraction(fx, "fx"), _fraction(fy, "fy"))
        return Placement(number, round(cx - art.width_mm / 2, 2),
                         round(cy - art.height_mm / 2, 2))
    if x.strip() or y.strip():
        return Placement(number, _mm(x, "x"), _mm(y, "y"))
    return Placement(number)


def _fraction(value: str, field: str) -> float:
    number = _mm(value, field)
    if not 0 <= number <= 1:
        raise InvalidInput("POSITION_OFF_PAGE", "位置须在页面内", "The position must be on the "
                           "page", field=field)
    return number


def _mm(value: str, field: str) -> float:
    try:
        number = float(value.strip())
    except ValueError:
        number = float("nan")
    if number != number or abs(number) > 10_000:
        raise InvalidInput("REQUEST_INVALID", "位置须为数字（毫米）",
                           "The position must be a number (mm)", field=field)
    return number
