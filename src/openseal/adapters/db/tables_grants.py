"""Tables for roles and seal authorisations (issue 5). The schema is owned by migration 0005."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from openseal.adapters.db.tables import Base

__all__ = ["Base", "GrantEventRow", "SealGrantRow", "UserRoleRow"]


class UserRoleRow(Base):
    """Every role of a user (``users.role`` is the primary one, also listed here)."""

    __tablename__ = "user_roles"
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)


class SealGrantRow(Base):
    __tablename__ = "seal_grants"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    seal_id: Mapped[str] = mapped_column(ForeignKey("seals.id"), index=True)
    grantee_kind: Mapped[str] = mapped_column(String(10))
    grantee: Mapped[str] = mapped_column(String(36), index=True)
    level: Mapped[str] = mapped_column(String(10))
    approval_required: Mapped[bool] = mapped_column(Boolean)
    categories: Mapped[str] = mapped_column(Text)  # JSON list; [] means any category
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    max_uses: Mapped[int | None] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class GrantEventRow(Base):
    """The history of a grant: before and after (JSON), reason, actor, time."""

    __tablename__ = "grant_events"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    grant_id: Mapped[str] = mapped_column(ForeignKey("seal_grants.id"), index=True)
    org_id: Mapped[str] = mapped_column(String(36), index=True)
    seal_id: Mapped[str] = mapped_column(String(36), index=True)
    grantee_kind: Mapped[str] = mapped_column(String(10))
    grantee: Mapped[str] = mapped_column(String(36), index=True)
    action: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str] = mapped_column(Text)
