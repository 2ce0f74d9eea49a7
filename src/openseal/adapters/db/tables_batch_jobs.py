"""Tables of batch jobs (issue 7). The schema is owned by migration 0011.

The documents themselves are in the document store (by SHA-256), never in the database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from openseal.adapters.db.tables import Base

__all__ = ["Base", "BatchItemRow", "BatchJobRow"]


class BatchJobRow(Base):
    __tablename__ = "batch_jobs"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    seal_id: Mapped[str] = mapped_column(ForeignKey("seals.id"), index=True)
    creator_kind: Mapped[str] = mapped_column(String(10))
    creator_id: Mapped[str] = mapped_column(String(36), index=True)
    creator_name: Mapped[str] = mapped_column(String(200))
    options: Mapped[str] = mapped_column(Text)
    total: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class BatchItemRow(Base):
    """One document of a job; ``claim``/``claimed_at`` while a runner works on it."""

    __tablename__ = "batch_items"
    __table_args__ = (UniqueConstraint("batch_id", "idx", name="uq_batch_items_index"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batch_jobs.id"), index=True)
    idx: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(200))
    input_sha256: Mapped[str] = mapped_column(String(64))
    input_size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), index=True)
    claim: Mapped[str | None] = mapped_column(String(36))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer)
    document_id: Mapped[str | None] = mapped_column(ForeignKey("sealed_documents.id"))
    output_sha256: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
