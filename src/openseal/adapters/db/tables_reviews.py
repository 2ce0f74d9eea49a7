"""Tables for permission reviews (权限审核, issue 5). The schema is owned by migration 0007."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from openseal.adapters.db.tables import Base

__all__ = ["Base", "ReviewCampaignRow", "ReviewItemRow", "ReviewScheduleRow"]


class ReviewCampaignRow(Base):
    __tablename__ = "review_campaigns"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    seal_id: Mapped[str | None] = mapped_column(ForeignKey("seals.id"), index=True)
    started_by: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    status: Mapped[str] = mapped_column(String(10), index=True)
    closed_by: Mapped[str | None] = mapped_column(String(200))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReviewItemRow(Base):
    """One grant of a campaign: its terms when the campaign started (JSON) and the decision.
    A grant is listed once per campaign."""

    __tablename__ = "review_items"
    __table_args__ = (UniqueConstraint("campaign_id", "grant_id", name="uq_review_items_grant"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("review_campaigns.id"), index=True)
    org_id: Mapped[str] = mapped_column(String(36), index=True)
    grant_id: Mapped[str] = mapped_column(ForeignKey("seal_grants.id"), index=True)
    seal_id: Mapped[str] = mapped_column(ForeignKey("seals.id"), index=True)
    grantee_kind: Mapped[str] = mapped_column(String(10))
    grantee: Mapped[str] = mapped_column(String(36))
    terms: Mapped[str] = mapped_column(Text)
    reviewer_id: Mapped[str | None] = mapped_column(String(36), index=True)
    decision: Mapped[str] = mapped_column(String(10), index=True)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    comment: Mapped[str | None] = mapped_column(Text)


class ReviewScheduleRow(Base):
    """An organisation's regular review (the last start is that of its latest campaign)."""

    __tablename__ = "review_schedules"
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    interval_days: Mapped[int] = mapped_column(Integer)
    due_days: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
