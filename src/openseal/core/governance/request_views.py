"""Who may read which requests to use a seal, and each approver's inbox (待审批)."""

from __future__ import annotations

from datetime import datetime

from openseal.core.accounts.principal import Principal
from openseal.core.governance.approval_ports import ApprovalRepos, DocumentStore
from openseal.core.governance.requests import (
    OPEN,
    current_status,
    request_not_found,
    visible_request,
)
from openseal.core.records import UseRequestRecord
from openseal.errors import NotFound

# Who reads every request of the organisation: approvers, custodians, auditors.
READERS = ("requests:approve", "grants:manage", "audit:read")


def reads_all(principal: Principal) -> bool:
    return any(principal.may(p) for p in READERS)


def readable_request(repos: ApprovalRepos, principal: Principal, request_id: str
                     ) -> UseRequestRecord:
    """The request, for its requester or a reader of all requests; 404 for anyone else."""
    request = visible_request(repos, principal, request_id)
    if request.requester_id != principal.id and not reads_all(principal):
        raise request_not_found(request_id)
    return request


def request_document(repos: ApprovalRepos, store: DocumentStore, principal: Principal,
                     request_id: str, sha256: str) -> bytes:
    """A document of a readable request, as it was submitted; 404 for any other."""
    request = readable_request(repos, principal, request_id)
    content = None
    if any(d.sha256 == sha256 for d in request.documents):
        content = store.get(sha256)
    if content is None:
        raise NotFound("DOCUMENT_NOT_FOUND", "找不到该文件", "Document not found",
                       field="sha256")
    return content


def list_requests(repos: ApprovalRepos, principal: Principal, *, status: str | None = None,
                  seal_id: str | None = None, limit: int = 100) -> list[UseRequestRecord]:
    """The organisation's requests for readers of all, else the caller's own."""
    mine = None if reads_all(principal) else principal.id
    return repos.list_use_requests(principal.org, status=status, requester_id=mine,
                                   seal_id=seal_id, limit=limit)


def inbox(repos: ApprovalRepos, principal: Principal, now: datetime
          ) -> list[UseRequestRecord]:
    """Pending requests whose current step ``principal`` may decide and has not decided."""
    if not principal.may("requests:approve"):
        return []
    waiting = []
    for request in repos.list_use_requests(principal.org, status=OPEN, limit=1000):
        if current_status(request, now) != OPEN or request.requester_id == principal.id:
            continue
        step = request.steps[request.step]
        mine = principal.id in step.users if step.users else step.role in principal.roles
        decided = any(d.approver_id == principal.id for d in repos.decisions_of(request.id))
        if mine and not decided:
            waiting.append(request)
    return waiting
