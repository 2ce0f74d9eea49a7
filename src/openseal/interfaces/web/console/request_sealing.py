"""Sealing an approved request's document with its ticket (盖章并下载): the sealing page
(the page picture to drop the seal on, templates), the seal's image, and the sealing POST,
whose answer is the sealed file itself (an attachment; nothing of it is kept here). An OFD
document is sealed GB/T 38540 with an SM2 seal (``seal_ofd_document``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from openseal.bootstrap import Context, Refusal, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.governance.request_views import readable_request
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
from openseal.errors import InvalidInput, OpenSealError, PermissionDenied
from openseal.interfaces.api.deps import wiring
from openseal.interfaces.api.problems import status_of
from openseal.interfaces.api.routes.documents import sealers
from openseal.interfaces.api.routes.seals import PRIVATE
from openseal.interfaces.web.console.layout import show
from openseal.interfaces.web.console.request_placement import ofd_placement, pdf_placement
from openseal.interfaces.web.console.request_previews import (
    MAX_PAGE,
    document,
    page_count,
    shown_page,
)
from openseal.interfaces.web.console.session import Refused, SignedIn, form_user, run_as, signed_in
from openseal.interfaces.web.console.use_requests import SEAL, number_field
from openseal.interfaces.web.ofd_previews import is_ofd
from openseal.interfaces.web.previews import PagePreview

router = APIRouter(include_in_schema=False)

OFD_MEDIA_TYPE = "application/ofd"


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
    return Sealing(found, ticket, seal, document(c, p, found.id, ticket.document_sha256),
                   name, templates)


@router.get("/requests/{request_id}/seal", response_class=HTMLResponse)
def seal_form(request_id: str, request: Request, ticket: str = "", page: int = 1,
              user: SignedIn = Depends(signed_in), w: Wiring = Depends(wiring)) -> Response:
    done = run_as(w, user, lambda c: _sealing(c, user.principal, request_id, ticket))
    return show(request, SEAL, user, **_seal_values(done, shown_page(done.document, page)))


def _seal_values(done: Sealing, shown: PagePreview) -> dict[str, Any]:
    art = done.seal.artwork
    ofd = is_ofd(done.document)
    return {"s": done, "shown": shown, "page_count": page_count(done.document),
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


@dataclass(frozen=True)
class Where:
    """The sealing form's placement fields, as typed."""

    page: str
    fx: str
    fy: str
    x: str
    y: str
    keyword: str
    cross_page: str


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
    where = Where(page, fx, fy, x, y, keyword, cross_page)

    def run(c: Context) -> tuple[str, bytes, bool]:
        done = _sealing(c, p, request_id, ticket, named=bool(ticket))
        if is_ofd(done.document):
            return done.name, _seal_ofd(c, p, cache, done, where, template), True
        if template.strip():
            plan = template_steps(c.repos, p, template.strip()[:64])
            made = seal_with_template(c.repos, c.pki, c.keystore, c.clock, cache, plan,
                                      done.document, audit=c.audit, principal=p,
                                      ticket_id=done.ticket.id,
                                      qr_base=w.settings.certificate_url)
            return done.name, made[-1].pdf, False
        return done.name, _seal_pdf(c, p, cache, done, where), False

    refusal = Refusal("seal.use", target=f"request:{request_id}", org_id=p.org_id,
                      details={"ticket": ticket[:64], "page": page[:12]})
    try:
        name, sealed, ofd = await run_in_threadpool(w.run, run, refusal, p.actor())
    except OpenSealError as exc:
        return await run_in_threadpool(_seal_again, request, request_id, ticket, page, user,
                                       w, exc)
    return _attachment(name, sealed, ofd)


def _attachment(name: str, sealed: bytes, ofd: bool) -> Response:
    suffix = ".ofd" if ofd else ".pdf"
    stem = name[:-4] if name.lower().endswith((".pdf", ".ofd")) else name
    filename = f"{stem}-sealed{suffix}"
    ascii_name = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_"
                         for ch in filename)
    return Response(sealed, media_type=OFD_MEDIA_TYPE if ofd else "application/pdf", headers={
        **PRIVATE, "Content-Disposition":
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"})


def _seal_pdf(c: Context, p: Principal, cache: SealerCache, done: Sealing,
              where: Where) -> bytes:
    """The ticket's PDF sealed where the form says (or on ``keyword``)."""
    number = number_field(where.page, "page", 1, MAX_PAGE)
    word = where.keyword.strip()[:100] or None
    at = Placement(number) if word else pdf_placement(done.seal, done.document, number,
                                                      where.fx, where.fy, where.x, where.y)
    how = SealRequest(at, None, None, keyword=word,
                      cross_page=crossing() if where.cross_page else None)
    sealed = seal_document(c.repos, c.pki, c.keystore, c.clock, cache, done.seal.id,
                           done.document, how, audit=c.audit, principal=p,
                           ticket_id=done.ticket.id)
    return sealed.pdf


def _seal_ofd(c: Context, p: Principal, cache: SealerCache, done: Sealing, where: Where,
              template: str) -> bytes:
    """The ticket's OFD document sealed (GB/T 38540, SM2) as the form says: the seal where
    it was dropped on the page outline, at ``x``/``y`` mm or on ``keyword``; ``cross_page``
    adds a riding seal over the right edge of every page. Templates are for PDFs."""
    if template.strip():
        refuse_pdf_only(["template"])
    number = number_field(where.page, "page", 1, MAX_PAGE)
    word = where.keyword.strip()[:100] or None
    if word:
        stamps = ofd_stamps(keyword=word, cross_page=bool(where.cross_page))
    else:
        at = ofd_placement(done.seal, done.document, number, where.fx, where.fy, where.x,
                           where.y)
        stamps = ofd_stamps(page=number, x_mm=at.x_mm, y_mm=at.y_mm,
                            cross_page=bool(where.cross_page))
    sealed = seal_ofd_document(c.repos, c.pki, c.keystore, c.clock, cache, done.seal.id,
                               done.document, OfdSealRequest(stamps), audit=c.audit,
                               principal=p, ticket_id=done.ticket.id)
    return sealed.pdf


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
        shown = shown_page(done.document, number)
    except Refused:
        shown = shown_page(done.document, 1)
    return show(request, SEAL, user, status=status_of(exc), error=exc,
                **_seal_values(done, shown))
