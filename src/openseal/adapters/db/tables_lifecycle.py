"""Tables for seal lifecycle, CRL and OCSP (issue 5). The schema is owned by migration 0004."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from openseal.adapters.db.tables import Base


class CrlRow(Base):
    """Every CRL a CA issued: (issuer, number) is unique, so a number names one CRL."""

    __tablename__ = "crls"
    issuer_id: Mapped[str] = mapped_column(ForeignKey("certificates.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    this_update: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    next_update: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    der: Mapped[bytes] = mapped_column(LargeBinary)


class SealCertificateRow(Base):
    """A seal's earlier certificates (replaced by a renewal), kept so that revoking the seal
    revokes them too and destroying it destroys their keys."""

    __tablename__ = "seal_certificates"
    cert_id: Mapped[str] = mapped_column(ForeignKey("certificates.id"), primary_key=True)
    seal_id: Mapped[str] = mapped_column(ForeignKey("seals.id"), index=True)
    key_id: Mapped[str] = mapped_column(String(100))
    superseded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


__all__ = ["Base", "CrlRow", "SealCertificateRow"]
