"""Requests to use a seal (用印申请): the documents bound by SHA-256, the purpose and copies.

The requester needs ``seals:request`` and a grant reaching level ``request`` on the seal
(for the document category). The request copies the seal's approval steps as they stand
(or those of the document template it is made with), so a later change of policy or
template does not change what a pending request needs.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from openseal.core.accounts.principal import Principal
from openseal.core.accounts.users import checked_text
from openseal.core.audit.recorder import AuditRecorder
from openseal.core.clock import Clock
from openseal.core.governance.approval_ports import ApprovalRepos, DocumentStore
from openseal.core.governance.authorize import authorize, refuse
from openseal.core.governance.policy_defaults import policy_of
from openseal.core.ofd.sign import preflight_ofd
from openseal.core.records import (
    PolicyStep,
    RequestedDocument,
    SealRecord,
    UseRequestRecord,
)
from openseal.core.signing.ofd_service import is_ofd_upload, refuse_ecdsa_for_ofd
from openseal.core.signing.preflight import open_checked
from openseal.core.signing.service import refuse_sm2_for_pdf
from openseal.errors import Conflict, InvalidInput, NotFound

MAX_DOCUMENTS = 20
MAX_COPIES = 20
OPEN = "pending"


@dataclass(frozen=True)
class TemplateTerms:
    """The document template a request is made with (see core.templates.apply): its id and
    version, and its approval steps and hours (None: the seal's policy's)."""

    template_id: str
    version: int
    steps: tuple[PolicyStep, ...] | None = None
    request_hours: int | None = None
    ticket_hours: int | None = None


@dataclass(frozen=True)
class RequestForm:
    purpose: str
    documents: tuple[tuple[str, bytes], ...]  # (file name, content)
    copies: int = 1
    category: str | None = None
    template: TemplateTerms | None = None


def request_not_found(ref: str) -> NotFound:
    return NotFound("REQUEST_NOT_FOUND", "找不到该用印申请", "Request not found",
                    field="request", ref=ref)


def visible_request(repos: ApprovalRepos, principal: Principal, request_id: str
                    ) -> UseRequestRecord:
    request = repos.get_use_request(request_id)
    if request is None or request.id != request_id:
        raise request_not_found(request_id)
    principal.owns(request.org_id, "request", request_id, request_not_found(request_id))
    return request


def create_request(repos: ApprovalRepos, clock: Clock, store: DocumentStore,
                   principal: Principal, seal: SealRecord, form: RequestForm, *,
                   audit: AuditRecorder) -> UseRequestRecord:
    now = clock.now()
    authorize(repos, principal, "seals:request", seal, category=form.category, now=now)
    if seal.status != "active":
        raise Conflict("SEAL_INACTIVE", f"印章「{seal.name}」已停用",
                       f"Seal '{seal.name}' is not active")
    purpose = checked_text(form.purpose, "purpose", 500)
    category = None if form.category is None else checked_text(form.category, "category", 50)
    copies = _copies(form.copies)
    documents = _documents(store, form.documents, seal)  # checked last: stored once all is well
    policy, template = policy_of(repos, seal), form.template
    steps, hours = policy.steps, policy.request_hours
    if template is not None and template.steps:  # the template's approval, not the seal's
        steps, hours = template.steps, template.request_hours or hours
    record = UseRequestRecord(
        str(uuid.uuid4()), seal.org_id, seal.id, principal.kind, principal.id,
        principal.name, purpose, category, copies, documents, steps, 0, OPEN, now, now,
        now + timedelta(hours=hours), None,
        template_id=template.template_id if template else None,
        template_version=template.version if template else None,
        ticket_hours=template.ticket_hours if template else None)
    repos.add_use_request(record)
    audit.record("request.create", org_id=seal.org_id, target=f"request:{record.id}",
                 details={"seal": seal.id, "copies": copies, "category": record.category,
                          "documents": [d.sha256 for d in documents],
                          **({"template": record.template_id,
                              "template_version": record.template_version}
                             if record.template_id else {})})
    return record


def _documents(store: DocumentStore, files: tuple[tuple[str, bytes], ...],
               seal: SealRecord | None = None) -> tuple[RequestedDocument, ...]:
    if not 1 <= len(files) <= MAX_DOCUMENTS:
        raise InvalidInput("REQUEST_DOCUMENTS", f"一项申请须附 1 至 {MAX_DOCUMENTS} 份文件",
                           f"A request carries 1 to {MAX_DOCUMENTS} documents",
                           field="documents")
    found: dict[str, tuple[RequestedDocument, bytes]] = {}
    for name, content in files:
        warnings: tuple[str, ...] = ()
        if is_ofd_upload(content, name):  # an OFD file, sealed with an SM2 seal
            if seal is not None:
                refuse_ecdsa_for_ofd(seal)
            preflight_ofd(content)  # not an OFD package, or locked: refused now
        elif not content.startswith(b"%PDF-"):
            raise InvalidInput("NOT_A_PDF", f"「{name[:100]}」不是 PDF 文件（也不是 OFD 文件）",
                               f"'{name[:100]}' is not a PDF (nor an OFD file)",
                               field="documents")
        else:
            if seal is not None:
                refuse_sm2_for_pdf(seal)
            _, scanned = open_checked(content)  # what could never be sealed is refused now
            warnings = tuple(scanned.warnings)
        digest = hashlib.sha256(content).hexdigest()
        found.setdefault(digest, (RequestedDocument(digest, _file_name(name), len(content),
                                                    warnings), content))
    for _, content in found.values():
        store.put(content)
    return tuple(document for document, _ in found.values())


def _file_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "".join(ch for ch in base if ch.isprintable())[:200] or "document.pdf"


def _copies(copies: int) -> int:
    if not 1 <= copies <= MAX_COPIES:
        raise InvalidInput("REQUEST_COPIES", f"份数须在 1 至 {MAX_COPIES} 之间",
                           f"Copies must be 1 to {MAX_COPIES}", field="copies")
    return copies


def current_status(request: UseRequestRecord, now: datetime) -> str:
    """The status as of ``now``: a pending request past its expiry or its step's deadline
    is expired even before anyone stores that."""
    if request.status == OPEN and now >= deadline(request):
        return "expired"
    return request.status


def deadline(request: UseRequestRecord) -> datetime:
    """When the current step must be decided by: its own limit, or the request's expiry."""
    if request.step >= len(request.steps):
        return request.expires_at
    hours = request.steps[request.step].hours
    if hours is None:
        return request.expires_at
    return min(request.expires_at, request.step_started_at + timedelta(hours=hours))


def require_open(principal: Principal, request: UseRequestRecord, now: datetime) -> None:
    status = current_status(request, now)
    if status == "expired":
        raise refuse(principal, "REQUEST_EXPIRED", "该用印申请已过期",
                     "The request has expired", f"request:{request.id}", request_status=status)
    if status != OPEN:
        raise Conflict("REQUEST_CLOSED", f"该用印申请已结束（{status}）",
                       f"The request is no longer pending ({status})",
                       request_status=status)


def withdraw_request(repos: ApprovalRepos, clock: Clock, principal: Principal,
                     request_id: str, *, audit: AuditRecorder) -> UseRequestRecord:
    """The requester withdraws a pending request, or an approved one whose tickets are not
    all used (the unused ones are voided)."""
    now = clock.now()
    request = visible_request(repos, principal, request_id)
    if request.requester_id != principal.id:
        raise refuse(principal, "NOT_REQUESTER", "只有申请人可以撤回申请",
                     "Only the requester may withdraw a request", f"request:{request.id}")
    if current_status(request, now) not in (OPEN, "approved"):
        raise Conflict("REQUEST_CLOSED", "该用印申请已结束", "The request is no longer open")
    changed = replace(request, status="withdrawn", decided_at=now, version=request.version + 1)
    if not repos.update_use_request(changed, request.version):
        raise changed_meanwhile()
    voided = repos.void_tickets(request.id)
    audit.record("request.withdraw", org_id=request.org_id, target=f"request:{request.id}",
                 details={"tickets_voided": voided})
    return changed


def changed_meanwhile() -> Conflict:
    return Conflict("REQUEST_CHANGED", "该用印申请刚被他人处理，请刷新后重试",
                    "The request was changed by someone else meanwhile; reload and retry")
