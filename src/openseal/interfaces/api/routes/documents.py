"""/api/v1/documents: seal a PDF (as `openseal sign`), and the records of sealed documents.

Sealing answers the sealed PDF itself, after its record and audit entry are committed. A
refused upload (not a PDF, damaged, encrypted, too large, no such page ...) stores nothing
and is recorded in the audit trail as ``document.seal`` with outcome ``refused``.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from openseal.bootstrap import Context, Refusal, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.signing.cross_page import cross_page as crossing
from openseal.core.signing.ofd_service import (
    OfdSealRequest,
    is_ofd_upload,
    ofd_stamps,
    refuse_pdf_only,
    seal_ofd_document,
)
from openseal.core.signing.pdf import SealRequest
from openseal.core.signing.placement import Placement
from openseal.core.signing.service import SealedDocument, SealerCache, seal_document
from openseal.core.signing.several import left_fields, plan, seal_several
from openseal.core.templates.apply import refuse_mixing, seal_with_template, template_steps
from openseal.errors import InvalidInput, NotFound
from openseal.interfaces.api.auth import caller
from openseal.interfaces.api.deps import wiring
from openseal.interfaces.api.routes.seals import PRIVATE, Upload, own_seal, receive
from openseal.interfaces.api.seal_schemas import DocumentOut

router = APIRouter(prefix="/api/v1/documents", tags=["documents"])

DOCUMENT_ID_HEADER = "X-OpenSeal-Document-Id"
SEALED_PDF: dict[int | str, dict[str, Any]] = {200: {
    "description": "The sealed PDF (visible seal + PAdES B-T signature with a timestamp)",
    "headers": {DOCUMENT_ID_HEADER: {"description": "Id of the sealed-document record",
                                     "schema": {"type": "string"}}},
    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "application/ofd": {"schema": {"type": "string", "format": "binary"}}}}}
OFD_MEDIA_TYPE = "application/ofd"
#: Sealing options with no OFD meaning (refused for an OFD upload).
OFD_REFUSED = ("at", "certify", "leave", "size", "offset_x", "offset_y", "level", "qr",
               "reason", "location", "cross_y")
PAGE_LIMIT = 2**31 - 1  # numbers beyond are refused as REQUEST_INVALID, not audited as-is
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]")


def sealers(request: Request) -> SealerCache:
    """The process's sealers (one per seal: its key and chain are loaded once)."""
    cache: SealerCache = request.app.state.sealers
    return cache


def document_not_found(ref: str) -> NotFound:
    return NotFound("DOCUMENT_NOT_FOUND", f"找不到盖章记录「{ref}」",
                    f"Sealed document '{ref}' not found", field="document")


def may_list_documents(p: Principal) -> None:
    p.require("seals:view")


@router.post("/seal", response_class=Response, responses=SEALED_PDF)
async def seal_pdf(
    file: UploadFile = File(..., description="The PDF to seal"),
    seal_id: list[str] | None = Form(None, max_length=10, description="Seal id; repeat it "
                                     "for several seals, applied in this order (each its own "
                                     "signature). Required unless template_id is given"),
    template_id: str | None = Form(None, max_length=64, description="A document template "
                                   "of your organisation: its seals, positions, category, "
                                   "level and QR setting (then no seal_id nor position)"),
    seal_ids: list[str] | None = Form(None, max_length=10,
                                      description="Further seals, after those in seal_id"),
    at: list[str] | None = Form(None, max_length=10, description="PAGE:X:Y (mm) for each "
                                "seal in order (default: side by side, each further left)"),
    certify: bool = Form(False, description="The (first) seal certifies the document: "
                                            "DocMDP, form filling and signing allowed"),
    leave: list[str] | None = Form(None, max_length=10, description="With certify: PAGE:X:Y "
                                   "(mm) of an empty signature field left for a party to come"),
    page: int = Form(1, ge=-PAGE_LIMIT, le=PAGE_LIMIT, description="Page number, from 1"),
    x: float | None = Form(None, allow_inf_nan=False, description="mm from the left edge"),
    y: float | None = Form(None, allow_inf_nan=False, description="mm from the bottom edge"),
    size: float | None = Form(None, allow_inf_nan=False,
                              description="Seal size in mm (default: its own)"),
    reason: str | None = Form(None, max_length=200),
    location: str | None = Form(None, max_length=200),
    category: str | None = Form(None, max_length=50,
                                description="Document category (a grant may be limited to some)"),
    ticket: str | None = Form(None, max_length=64,
                              description="Ticket of an approved request (用印凭证): seals "
                                          "exactly the approved document, once"),
    qr: bool = Form(False, description="Add a QR code beside the seal linking to the "
                                       "document's public page (OPENSEAL_PUBLIC_URL/v/{id})"),
    level: str | None = Form(None, max_length=6, description="PAdES level: B-T (default), B-LT "
                                                       "(+ validation data), B-LTA (+ document "
                                                       "timestamp)"),
    keyword: str | None = Form(None, max_length=100, description="Centre the seal on this "
                               "text, e.g. 甲方（盖章） (page, x and y are then ignored)"),
    occurrence: str = Form("first", max_length=10,
                           description="Which occurrences: first, last, all or N (from 1)"),
    offset_x: float = Form(0.0, allow_inf_nan=False, ge=-1000, le=1000,
                           description="Move a keyword seal right by this many mm"),
    offset_y: float = Form(0.0, allow_inf_nan=False, ge=-1000, le=1000,
                           description="Move a keyword seal up by this many mm"),
    cross_page: bool = Form(False, description="Also a cross-page seal (骑缝章)"),
    pages: str | None = Form(None, max_length=20,
                             description="Pages of the cross-page seal, e.g. 1-5 (default: all)"),
    edge: str = Form("right", max_length=10, description="Cross-page edge: right or left"),
    cross_y: float | None = Form(None, allow_inf_nan=False, description="mm from the bottom "
                                 "edge to the cross-page seal's bottom (default: centred)"),
    lock: bool = Form(False, description="OFD only: the seal protects the signature list, "
                                         "so no later signature can be added"),
    p: Principal = Depends(caller), w: Wiring = Depends(wiring),
    cache: SealerCache = Depends(sealers),
) -> Response:
    """Seal a PDF with one of your seals; the answer is the sealed PDF (as `openseal sign`).

    An OFD file (told by content) is sealed with an SM2 seal (GB/T 38540 electronic seal,
    timestamped; 422 ``SEAL_ALGORITHM_OFD`` for an ECDSA seal, ``SEAL_ALGORITHM_PDF`` for an
    SM2 seal on a PDF) and answered as ``application/ofd``: ``seal_id`` (one), ``page``/``x``/
    ``y``, ``keyword``/``occurrence``, ``cross_page``/``pages``/``edge``, ``lock``,
    ``category`` and ``ticket`` as for a PDF; other options are refused
    (``OFD_OPTION_UNSUPPORTED``), a locked OFD too (``OFD_LOCKED``). See docs/ofd.md.

    Without ``x``/``y`` the seal goes 25 mm in from the bottom-right corner of the page.
    Needs ``seals:use`` and a grant on the seal that allows direct use (403
    ``GRANT_REQUIRED``, ``APPROVAL_REQUIRED``, ``GRANT_REVOKED`` ... otherwise), or a
    ``ticket`` of your approved request for this very document and seal (403
    ``APPROVAL_INVALID`` for another document, seal or requester, or once expired; 409
    ``TICKET_USED`` once used). The approval chain is then written into the signature.

    Several ``seal_id`` (or ``seal_ids``): each seal its own signature, in that order, all
    or nothing (the answer is the last PDF; the header names the last record). ``certify``:
    the first seal certifies (DocMDP P=2; 409 ``ALREADY_SIGNED`` on a signed document) and
    leaves empty signature fields for the others and for ``leave`` (see docs/stamping.md).

    ``template_id`` instead of seals and positions: the template's stamps in order, with
    its category, level and QR setting (see docs/templates.md); with a ``ticket``, only the
    stamp of the ticket's seal. 400 ``TEMPLATE_WITH_OPTIONS`` if seals or positions are
    given too; 404 ``TEMPLATE_NOT_FOUND`` for a template not of your organisation.
    """
    upload = await receive(file, w.settings.max_upload_bytes)
    refs = [*(seal_id or []), *(seal_ids or [])]
    options = {"seal_id": bool(refs), "at": bool(at), "certify": certify, "leave": bool(leave),
               "page": page != 1, "x": x is not None, "y": y is not None,
               "size": size is not None, "keyword": keyword is not None,
               "occurrence": occurrence != "first", "offset_x": offset_x != 0,
               "offset_y": offset_y != 0, "cross_page": cross_page, "pages": pages is not None,
               "edge": edge != "right", "cross_y": cross_y is not None,
               "level": level is not None, "qr": qr, "reason": reason is not None,
               "location": location is not None}

    is_ofd = upload.error is None and is_ofd_upload(upload.data, upload.filename)

    def run(c: Context) -> SealedDocument:
        if is_ofd:
            return ofd(c)
        refuse_lock_for_pdf(lock)
        if template_id is not None:
            return templated(c, template_id)
        if not refs:
            raise InvalidInput("SEAL_REQUIRED", "请指定印章（seal_id）或模板（template_id）",
                               "Give a seal (seal_id) or a template (template_id)",
                               field="seal_id")
        request = SealRequest(  # in here, so a refused option is audited as a refusal
            Placement(page, x, y, size), reason, location, keyword=keyword,
            occurrence=occurrence, offset_mm=(offset_x, offset_y),
            cross_page=crossing(pages, edge, cross_y) if cross_page else None,
            certify=certify, reserve=left_fields(certify, leave or ()))
        p.require("seals:request" if ticket else "seals:use")
        if any(len(ref) > 64 for ref in refs):
            raise InvalidInput("REQUEST_INVALID", "印章编号过长", "Seal id too long",
                               field="seal_id")
        if len(refs) > 1 or at:
            return several(c, request)
        seal = own_seal(c, p, refs[0])
        return seal_document(c.repos, c.pki, c.keystore, c.clock, cache, seal.id,
                             upload.content(), request, audit=c.audit, principal=p,
                             category=None if ticket else category, ticket_id=ticket,
                             qr_base=w.settings.certificate_url if qr else None,
                             level=level)

    def ofd(c: Context) -> SealedDocument:
        """An OFD file: one SM2 seal, as one signature (see core.signing.ofd_service)."""
        refused = [name for name in OFD_REFUSED if options[name]]
        refused += ["template_id"] * bool(template_id) + ["seal_ids"] * (len(refs) > 1)
        stamps = ofd_stamps(page=page, x_mm=x, y_mm=y, keyword=keyword, occurrence=occurrence,
                            cross_page=cross_page, pages=pages, edge=edge)
        return seal_ofd_upload(c, p, cache, upload, refs, refused,
                               OfdSealRequest(stamps, lock=lock), ticket,
                               None if ticket else category)

    def templated(c: Context, ref: str) -> SealedDocument:
        """The template's stamps (with a ticket: only the ticket's seal's)."""
        refuse_mixing([name for name, given in options.items() if given])
        p.require("seals:request" if ticket else "seals:use")
        plan = template_steps(c.repos, p, ref)
        if category is not None and category != plan.category:
            refuse_mixing(["category"])
        return seal_with_template(c.repos, c.pki, c.keystore, c.clock, cache, plan,
                                  upload.content(), audit=c.audit, principal=p,
                                  ticket_id=ticket, qr_base=w.settings.certificate_url)[-1]

    def several(c: Context, request: SealRequest) -> SealedDocument:
        """Each seal in turn, all in this one transaction (no tickets: one seal each)."""
        if ticket:
            raise InvalidInput("SEVERAL_SEALS_TICKET", "用印凭证只对应一个印章",
                               "A ticket is for one seal", field="ticket")
        seals = [own_seal(c, p, ref).id for ref in refs]
        steps = plan(c.repos, upload.content(), seals, request, at or ())
        return seal_several(c.repos, c.pki, c.keystore, c.clock, cache, steps,
                            upload.content(), audit=c.audit, principal=p,
                            category=category,
                            qr_base=w.settings.certificate_url if qr else None,
                            level=level)[-1]

    target = f"template:{template_id}" if template_id else "seal:" + ",".join(refs)
    refusal = Refusal("seal.use", target=target, org_id=p.org_id,
                      details={**upload.details(), "page": page, "ticket": ticket})
    done = await run_in_threadpool(w.run, run, refusal, p.actor())
    suffix = ".ofd" if is_ofd else ".pdf"
    return Response(done.pdf, media_type=OFD_MEDIA_TYPE if is_ofd else "application/pdf",
                    headers={**PRIVATE, DOCUMENT_ID_HEADER: done.record.id,
                             "Content-Disposition": attachment(upload, suffix)})


def refuse_lock_for_pdf(lock: bool) -> None:
    if lock:
        raise InvalidInput("LOCK_OFD_ONLY", "lock 只用于 OFD 文件（PDF 请用 certify）",
                           "lock is for OFD files (for a PDF see certify)", field="lock")


def seal_ofd_upload(c: Context, p: Principal, cache: SealerCache, upload: Upload,
                    refs: list[str], refused: list[str], request: OfdSealRequest,
                    ticket: str | None, category: str | None) -> SealedDocument:
    """``POST /documents/seal`` for an OFD file (``refused``: the options given that mean
    nothing for OFD)."""
    refuse_pdf_only(refused)
    if not refs:
        raise InvalidInput("SEAL_REQUIRED", "请指定印章（seal_id）", "Give a seal (seal_id)",
                           field="seal_id")
    p.require("seals:request" if ticket else "seals:use")
    if len(refs[0]) > 64:
        raise InvalidInput("REQUEST_INVALID", "印章编号过长", "Seal id too long",
                           field="seal_id")
    seal = own_seal(c, p, refs[0])
    return seal_ofd_document(c.repos, c.pki, c.keystore, c.clock, cache, seal.id,
                             upload.content(), request, audit=c.audit, principal=p,
                             category=category, ticket_id=ticket)


def attachment(upload: Upload, suffix: str = ".pdf") -> str:
    """``attachment; filename="<stem>-sealed.pdf"`` (``.ofd`` for an OFD; plus RFC 6266
    ``filename*`` when the name is not plain ASCII); nothing of the client's name can break
    out of the header."""
    base = PurePosixPath(upload.filename.replace("\\", "/")).name
    stem = (base[:-4] if base.lower().endswith(suffix) else base).strip()[:100] or "document"
    plain = _UNSAFE.sub("_", stem)
    header = f'attachment; filename="{plain}-sealed{suffix}"'
    if plain != stem:
        header += f"; filename*=UTF-8''{quote(stem + '-sealed' + suffix, safe='')}"
    return header


@router.get("", response_model=list[DocumentOut])
def list_documents(limit: int = Query(100, ge=1, le=1000), p: Principal = Depends(caller),
                   w: Wiring = Depends(wiring)) -> list[DocumentOut]:
    """Your organisation's sealed documents, newest first (the records, not the PDFs)."""
    def run(c: Context) -> list[DocumentOut]:
        may_list_documents(p)
        return [DocumentOut.of(d) for d in c.repos.list_sealed_documents(p.org, limit)]

    return w.run(run, actor=p.actor())


@router.get("/{document_id}", response_model=DocumentOut)
def get_document(document_id: str, p: Principal = Depends(caller),
                 w: Wiring = Depends(wiring)) -> DocumentOut:
    """One sealed-document record of your organisation."""
    def run(c: Context) -> DocumentOut:
        may_list_documents(p)
        record = c.repos.get_sealed_document(document_id)
        seal = c.repos.get_seal(record.seal_id) if record else None
        if record is None or seal is None or seal.id != record.seal_id:
            raise document_not_found(document_id)
        p.owns(seal.org_id, "document", document_id, document_not_found(document_id))
        return DocumentOut.of(record)

    return w.run(run, actor=p.actor())
