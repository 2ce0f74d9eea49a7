"""Tables of document templates (issue 7). The schema is owned by migration 0010."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from openseal.adapters.db.tables import Base

__all__ = ["Base", "DocumentTemplateRow"]


class DocumentTemplateRow(Base):
    __tablename__ = "document_templates"
    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_document_templates_name"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(36), index=True)
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str | None] = mapped_column(String(50))
    level: Mapped[str] = mapped_column(String(6))
    qr: Mapped[bool] = mapped_column(Boolean)
    stamps: Mapped[str] = mapped_column(Text)  # JSON list of stamps
    policy: Mapped[str | None] = mapped_column(Text)  # JSON {steps, request_hours, ...}
    version: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
