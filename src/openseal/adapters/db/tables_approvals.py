"""Tables for seal-use approval (issue 5): policies, requests, decisions, single-use tickets.
The schema is owned by migration 0006."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from openseal.adapters.db.tables import Base

__all__ = ["ApprovalDecisionRow", "ApprovalPolicyRow", "Base", "SealTicketRow",
           "UseRequestRow"]


class ApprovalPolicyRow(Base):
    __tablename__ = "approval_policies"
    seal_id: Mapped[str] = mapped_column(ForeignKey("seals.id"), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(36), index=True)
    steps: Mapped[str] = mapped_column(Text)  # JSON list of steps
    always_required: Mapped[bool] = mapped_column(Boolean)
    request_hours: Mapped[int] = mapped_column(Integer)
    ticket_hours: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class UseRequestRow(Base):
    __tablename__ = "use_requests"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(36), index=True)
    seal_id: Mapped[str] = mapped_column(ForeignKey("seals.id"), index=True)
    requester_kind: Mapped[str] = mapped_column(String(10))
    requester_id: Mapped[str] = mapped_column(String(36), index=True)
    requester_name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(50))
    copies: Mapped[int] = mapped_column(Integer)
    documents: Mapped[str] = mapped_column(Text)  # JSON list of {sha256, name, size}
    steps: Mapped[str] = mapped_column(Text)  # JSON: the policy's steps when requested
    step: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    step_started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)
    template_id: Mapped[str | None] = mapped_column(String(36))  # migration 0010
    template_version: Mapped[int | None] = mapped_column(Integer)
    ticket_hours: Mapped[int | None] = mapped_column(Integer)


class ApprovalDecisionRow(Base):
    """One person's decision on one request: a person decides a request once (the unique
    constraint), so no one approves twice, at one step or across steps."""

    __tablename__ = "approval_decisions"
    __table_args__ = (UniqueConstraint("request_id", "approver_id",
                                       name="uq_approval_decisions_once"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("use_requests.id"), index=True)
    org_id: Mapped[str] = mapped_column(String(36), index=True)
    step: Mapped[int] = mapped_column(Integer)
    approver_id: Mapped[str] = mapped_column(String(36), index=True)
    approver_name: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SealTicketRow(Base):
    __tablename__ = "seal_tickets"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(36), index=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("use_requests.id"), index=True)
    seal_id: Mapped[str] = mapped_column(ForeignKey("seals.id"), index=True)
    requester_kind: Mapped[str] = mapped_column(String(10))
    requester_id: Mapped[str] = mapped_column(String(36), index=True)
    document_sha256: Mapped[str] = mapped_column(String(64))
    chain: Mapped[str] = mapped_column(Text)  # JSON: the approval chain in the signature
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(10))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    document_id: Mapped[str | None] = mapped_column(String(36))
