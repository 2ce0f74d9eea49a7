"""Request and response bodies for seal-use approval: policies, requests, decisions,
tickets. Requests forbid unknown fields (``Strict``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from openseal.core.governance.requests import current_status, deadline
from openseal.core.records import (
    ApprovalDecisionRecord,
    ApprovalPolicyRecord,
    PolicyStep,
    TicketRecord,
    UseRequestRecord,
)
from openseal.interfaces.api.schemas import Strict


class StepBody(Strict):
    """Either ``role`` or ``users`` (named approvers), not both."""

    name: str = Field(default="", max_length=100)
    required: int = Field(default=1, ge=1, le=20, description="Approvals needed (N of M)")
    role: str | None = Field(default=None, max_length=20)
    users: list[str] = Field(default_factory=list, max_length=20,
                             description="User ids or usernames")
    hours: int | None = Field(default=None, ge=1, le=24 * 90,
                              description="Time to decide this step")

    def step(self) -> PolicyStep:
        return PolicyStep(self.name, self.required, self.role, tuple(self.users), self.hours)


class PolicyBody(Strict):
    steps: list[StepBody] = Field(min_length=1, max_length=5)
    always_required: bool | None = Field(
        default=None, description="Every use needs an approved request (two-person rule); "
                                  "default: the seal's current setting")
    request_hours: int = Field(default=72, ge=1, le=24 * 90)
    ticket_hours: int = Field(default=24, ge=1, le=24 * 90)


class StepOut(BaseModel):
    name: str
    required: int
    role: str | None
    users: list[str]
    hours: int | None

    @classmethod
    def of(cls, s: PolicyStep) -> StepOut:
        return cls(name=s.name, required=s.required, role=s.role, users=list(s.users),
                   hours=s.hours)


class PolicyOut(BaseModel):
    seal_id: str
    steps: list[StepOut]
    always_required: bool
    request_hours: int
    ticket_hours: int
    updated_by: str
    updated_at: datetime

    @classmethod
    def of(cls, p: ApprovalPolicyRecord) -> PolicyOut:
        return cls(seal_id=p.seal_id, steps=[StepOut.of(s) for s in p.steps],
                   always_required=p.always_required, request_hours=p.request_hours,
                   ticket_hours=p.ticket_hours, updated_by=p.updated_by,
                   updated_at=p.updated_at)


class CommentBody(Strict):
    comment: str = Field(default="", max_length=500)


class DocumentRef(BaseModel):
    sha256: str
    name: str
    size: int
    warnings: list[str] = Field(default_factory=list,
                                description="Inert content the approvers should know of "
                                            "(EMBEDDED_FILES, LINK_TO_OTHER_FILE, XFA_FORM)")


class DecisionOut(BaseModel):
    step: int
    approver_id: str
    approver_name: str
    decision: str
    comment: str
    at: datetime

    @classmethod
    def of(cls, d: ApprovalDecisionRecord) -> DecisionOut:
        return cls(step=d.step, approver_id=d.approver_id, approver_name=d.approver_name,
                   decision=d.decision, comment=d.comment, at=d.at)


class TicketOut(BaseModel):
    id: str
    request_id: str
    seal_id: str
    document_sha256: str
    status: str
    expires_at: datetime
    used_at: datetime | None
    document_id: str | None
    approval: dict[str, Any]

    @classmethod
    def of(cls, t: TicketRecord) -> TicketOut:
        return cls(id=t.id, request_id=t.request_id, seal_id=t.seal_id,
                   document_sha256=t.document_sha256, status=t.status,
                   expires_at=t.expires_at, used_at=t.used_at, document_id=t.document_id,
                   approval=t.chain)


class RequestOut(BaseModel):
    id: str
    seal_id: str
    requester_id: str
    requester_name: str
    purpose: str
    category: str | None
    copies: int
    documents: list[DocumentRef]
    steps: list[StepOut]
    step: int
    status: str
    created_at: datetime
    deadline: datetime
    expires_at: datetime
    decided_at: datetime | None
    template_id: str | None = Field(default=None, description="The document template it "
                                    "was made with")
    template_version: int | None = None
    decisions: list[DecisionOut] = []
    tickets: list[TicketOut] = []

    @classmethod
    def of(cls, r: UseRequestRecord, now: datetime,
           decisions: list[ApprovalDecisionRecord] | None = None,
           tickets: list[TicketRecord] | None = None) -> RequestOut:
        return cls(
            id=r.id, seal_id=r.seal_id, requester_id=r.requester_id,
            requester_name=r.requester_name, purpose=r.purpose, category=r.category,
            copies=r.copies,
            documents=[DocumentRef(sha256=d.sha256, name=d.name, size=d.size,
                                   warnings=list(d.warnings)) for d in r.documents],
            steps=[StepOut.of(s) for s in r.steps], step=r.step,
            status=current_status(r, now), created_at=r.created_at, deadline=deadline(r),
            expires_at=r.expires_at, decided_at=r.decided_at, template_id=r.template_id,
            template_version=r.template_version,
            decisions=[DecisionOut.of(d) for d in decisions or []],
            tickets=[TicketOut.of(t) for t in tickets or []])


class DecidedOut(BaseModel):
    request: RequestOut
    decision: DecisionOut
