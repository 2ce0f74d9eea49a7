"""/api/v1 seal-use approval (用印审批): each seal's approval policy, requests to use a seal
(with their documents, bound by SHA-256), approve / reject / withdraw, the approver's inbox,
and the single-use tickets the final approval mints. Seal with a ticket through
``POST /api/v1/documents/seal`` (field ``ticket``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile

from openseal.bootstrap import Context, Refusal, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.governance.decisions import decide
from openseal.core.governance.policies import PolicyTerms, set_policy
from openseal.core.governance.policy_defaults import policy_of
from openseal.core.governance.request_views import (
    inbox,
    list_requests,
    readable_request,
    request_document,
)
from openseal.core.governance.requests import RequestForm, create_request, withdraw_request
from openseal.core.governance.tickets import ticket_not_found
from openseal.core.records import UseRequestRecord
from openseal.core.templates.apply import request_terms
from openseal.core.verification.ofd_report import looks_like_ofd
from openseal.errors import InvalidInput
from openseal.interfaces.api.approval_schemas import (
    CommentBody,
    DecidedOut,
    DecisionOut,
    PolicyBody,
    PolicyOut,
    RequestOut,
    TicketOut,
)
from openseal.interfaces.api.auth import caller
from openseal.interfaces.api.deps import wiring
from openseal.interfaces.api.routes.seals import PRIVATE, own_seal, receive, viewable_seal

router = APIRouter(prefix="/api/v1", tags=["approvals"])
MAX_FILES = 20


@router.get("/seals/{seal_id}/approval-policy", response_model=PolicyOut)
def get_policy(seal_id: str, p: Principal = Depends(caller), w: Wiring = Depends(wiring)
               ) -> PolicyOut:
    """How requests to use this seal are approved (the default unless a custodian set one)."""
    return w.run(lambda c: PolicyOut.of(policy_of(c.repos, viewable_seal(c, p, seal_id))),
                 actor=p.actor())


@router.put("/seals/{seal_id}/approval-policy", response_model=PolicyOut)
def put_policy(seal_id: str, body: PolicyBody, p: Principal = Depends(caller),
               w: Wiring = Depends(wiring)) -> PolicyOut:
    """Set the seal's approval steps (custodian): each step N of M from a role or people."""
    terms = PolicyTerms(tuple(s.step() for s in body.steps), body.always_required,
                        body.request_hours, body.ticket_hours)

    def run(c: Context) -> PolicyOut:
        p.require("grants:manage")
        seal = own_seal(c, p, seal_id)
        return PolicyOut.of(set_policy(c.repos, c.clock, p, seal, terms, audit=c.audit))

    return w.run(run, actor=p.actor())


@router.post("/requests", response_model=RequestOut, status_code=201)
async def make_request(
    files: list[UploadFile] = File(..., description="The PDF(s) to be sealed"),
    seal_id: str | None = Form(None, max_length=64, description="The seal (with a "
                               "template: one of its seals, needed if it has several)"),
    purpose: str = Form(..., max_length=500),
    copies: int = Form(1, ge=1, le=20),
    category: str | None = Form(None, max_length=50),
    template_id: str | None = Form(None, max_length=64, description="A document template: "
                                   "its category, and its approval steps if it has some"),
    p: Principal = Depends(caller), w: Wiring = Depends(wiring),
) -> RequestOut:
    """Ask to use a seal (用印申请) for these documents; each is bound by its SHA-256.

    With ``template_id`` the request follows the template: its category, and its approval
    steps and hours when it has a policy (400 ``TEMPLATE_SEAL_AMBIGUOUS`` /
    ``TEMPLATE_SEAL_NOT_IN_TEMPLATE`` when ``seal_id`` does not pick one of its seals)."""
    limit = w.settings.max_upload_bytes
    uploads = [await receive(f, limit) for f in files[:MAX_FILES + 1]]

    def run(c: Context) -> RequestOut:
        p.require("seals:request")
        chosen, kind, terms = (seal_id, category, None) if template_id is None else \
            request_terms(c.repos, p, template_id, seal_id, category)
        if chosen is None:
            raise InvalidInput("SEAL_REQUIRED", "请指定印章（seal_id）或模板（template_id）",
                               "Give a seal (seal_id) or a template (template_id)",
                               field="seal_id")
        seal = own_seal(c, p, chosen)
        form = RequestForm(purpose, tuple((u.filename, u.content()) for u in uploads),
                           copies, kind, terms)
        made = create_request(c.repos, c.clock, c.documents, p, seal, form, audit=c.audit)
        return RequestOut.of(made, c.clock.now())

    target = f"template:{template_id}" if template_id else f"seal:{seal_id}"
    refusal = Refusal("request.create", target=target, org_id=p.org_id,
                      details={"files": [u.filename[:200] for u in uploads]})
    return w.run(run, refusal, p.actor())


@router.get("/requests", response_model=list[RequestOut])
def get_requests(status: str | None = Query(None, max_length=12),
                 seal_id: str | None = Query(None, max_length=64),
                 limit: int = Query(100, ge=1, le=1000),
                 p: Principal = Depends(caller), w: Wiring = Depends(wiring)
                 ) -> list[RequestOut]:
    """Requests of your organisation (approvers, custodians, auditors), else your own."""
    def run(c: Context) -> list[RequestOut]:
        now = c.clock.now()
        found = list_requests(c.repos, p, status=status, seal_id=seal_id, limit=limit)
        return [RequestOut.of(r, now) for r in found]

    return w.run(run, actor=p.actor())


@router.get("/approvals/inbox", response_model=list[RequestOut])
def get_inbox(p: Principal = Depends(caller), w: Wiring = Depends(wiring)
              ) -> list[RequestOut]:
    """Pending requests waiting for your decision (待审批)."""
    def run(c: Context) -> list[RequestOut]:
        now = c.clock.now()
        return [RequestOut.of(r, now) for r in inbox(c.repos, p, now)]

    return w.run(run, actor=p.actor())


@router.get("/requests/{request_id}", response_model=RequestOut)
def get_request(request_id: str, p: Principal = Depends(caller), w: Wiring = Depends(wiring)
                ) -> RequestOut:
    """One request with its decisions and, once approved, its tickets."""
    return w.run(lambda c: full(c, readable_request(c.repos, p, request_id)),
                 actor=p.actor())


@router.get("/requests/{request_id}/documents/{sha256}", response_class=Response,
            responses={200: {"content": {"application/pdf": {}, "application/ofd": {}}}})
def get_document(request_id: str, sha256: str, p: Principal = Depends(caller),
                 w: Wiring = Depends(wiring)) -> Response:
    """A document of the request, as it was submitted (for the approvers to read)."""
    def run(c: Context) -> bytes:
        return request_document(c.repos, c.documents, p, request_id, sha256)

    data = w.run(run, actor=p.actor())
    kind = "application/ofd" if looks_like_ofd(data) else "application/pdf"
    return Response(data, media_type=kind, headers={**PRIVATE, "Content-Disposition": "inline"})


@router.post("/requests/{request_id}/approve", response_model=DecidedOut)
def approve(request_id: str, body: CommentBody, p: Principal = Depends(caller),
            w: Wiring = Depends(wiring)) -> DecidedOut:
    """Approve the request's current step; the final approval mints its tickets."""
    return _decide(request_id, "approve", body.comment, p, w)


@router.post("/requests/{request_id}/reject", response_model=DecidedOut)
def reject(request_id: str, body: CommentBody, p: Principal = Depends(caller),
           w: Wiring = Depends(wiring)) -> DecidedOut:
    """Reject the request (it ends)."""
    return _decide(request_id, "reject", body.comment, p, w)


def _decide(request_id: str, decision: str, comment: str, p: Principal, w: Wiring
            ) -> DecidedOut:
    def run(c: Context) -> DecidedOut:
        done = decide(c.repos, c.clock, p, request_id, decision, comment, audit=c.audit)
        return DecidedOut(request=full(c, done.request), decision=DecisionOut.of(done.decision))

    refusal = Refusal(f"request.{decision}", target=f"request:{request_id}", org_id=p.org_id)
    return w.run(run, refusal, p.actor())


@router.post("/requests/{request_id}/withdraw", response_model=RequestOut)
def withdraw(request_id: str, p: Principal = Depends(caller), w: Wiring = Depends(wiring)
             ) -> RequestOut:
    """Withdraw your request; its unused tickets are voided."""
    def run(c: Context) -> RequestOut:
        return full(c, withdraw_request(c.repos, c.clock, p, request_id, audit=c.audit))

    return w.run(run, actor=p.actor())


@router.get("/tickets/{ticket_id}", response_model=TicketOut)
def get_ticket(ticket_id: str, p: Principal = Depends(caller), w: Wiring = Depends(wiring)
               ) -> TicketOut:
    """A ticket of a request you may read: what it seals, until when, and its approvals."""
    def run(c: Context) -> TicketOut:
        ticket = c.repos.get_ticket(ticket_id)
        if ticket is None or ticket.id != ticket_id:
            raise ticket_not_found(ticket_id)
        p.owns(ticket.org_id, "ticket", ticket_id, ticket_not_found(ticket_id))
        readable_request(c.repos, p, ticket.request_id)
        return TicketOut.of(ticket)

    return w.run(run, actor=p.actor())


def full(c: Context, request: UseRequestRecord) -> RequestOut:
    return RequestOut.of(request, c.clock.now(), c.repos.decisions_of(request.id),
                         c.repos.tickets_of(request.id))
