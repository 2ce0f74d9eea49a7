"""SQLAlchemy tables. The schema itself is owned by the Alembic migrations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class InstanceRow(Base):
    __tablename__ = "instance"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    root_cert_id: Mapped[str] = mapped_column(String(36))
    tsa_cert_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    audit_cert_id: Mapped[str | None] = mapped_column(String(36))
    test_root_cert_id: Mapped[str | None] = mapped_column(String(36))
    # migration 0012: the SM2 hierarchy (made with the first SM2 seal)
    sm2_root_cert_id: Mapped[str | None] = mapped_column(String(36))
    sm2_maker_cert_id: Mapped[str | None] = mapped_column(String(36))
    sm2_test_root_cert_id: Mapped[str | None] = mapped_column(String(36))
    sm2_test_maker_cert_id: Mapped[str | None] = mapped_column(String(36))


class CertificateRow(Base):
    __tablename__ = "certificates"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), index=True)
    der: Mapped[bytes] = mapped_column(LargeBinary)
    key_id: Mapped[str | None] = mapped_column(String(100))
    issuer_id: Mapped[str | None] = mapped_column(String(36))
    org_id: Mapped[str | None] = mapped_column(String(36), index=True)
    serial_hex: Mapped[str] = mapped_column(String(64), unique=True)
    subject: Mapped[str] = mapped_column(Text)
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    not_after: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revocation_reason: Mapped[str | None] = mapped_column(String(32))


class OrganizationRow(Base):
    __tablename__ = "organizations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    ca_cert_id: Mapped[str] = mapped_column(ForeignKey("certificates.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SealRow(Base):
    __tablename__ = "seals"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    seal_type: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    design_text: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str | None] = mapped_column(String(100))
    tax_id: Mapped[str | None] = mapped_column(String(20))
    code: Mapped[str | None] = mapped_column(String(30))
    key_id: Mapped[str] = mapped_column(String(100))
    cert_id: Mapped[str] = mapped_column(ForeignKey("certificates.id"))
    width_mm: Mapped[float] = mapped_column(Float)
    height_mm: Mapped[float] = mapped_column(Float)
    vector: Mapped[bytes | None] = mapped_column(LargeBinary)
    png: Mapped[bytes] = mapped_column(LargeBinary)
    svg: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sandbox: Mapped[bool] = mapped_column(Boolean)
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # migration 0012: SM2 seals and their GB/T 38540 SES_Seal
    algorithm: Mapped[str] = mapped_column(String(10), server_default="ecdsa")
    esl: Mapped[bytes | None] = mapped_column(LargeBinary)
    es_id: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)  # 0013: 64
    # migration 0013: seals made elsewhere ("imported") and who made them
    origin: Mapped[str] = mapped_column(String(20), server_default="platform")
    maker: Mapped[str | None] = mapped_column(Text)


class SealedDocumentRow(Base):
    __tablename__ = "sealed_documents"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seal_id: Mapped[str] = mapped_column(ForeignKey("seals.id"), index=True)
    field_name: Mapped[str] = mapped_column(String(100))
    input_sha256: Mapped[str] = mapped_column(String(64))
    output_sha256: Mapped[str] = mapped_column(String(64), index=True)
    output_size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ticket_id: Mapped[str | None] = mapped_column(String(36))  # migration 0008


class AuditHeadRow(Base):
    """One row: the log's size and last entry hash. Updating it first serialises appends."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditEventRow(Base):
    __tablename__ = "audit_events"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    time: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    actor_kind: Mapped[str] = mapped_column(String(20))
    org_id: Mapped[str | None] = mapped_column(String(36), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str | None] = mapped_column(String(400))
    outcome: Mapped[str] = mapped_column(String(20))
    client_addr: Mapped[str | None] = mapped_column(String(100))
    agent: Mapped[str | None] = mapped_column(String(400))
    details: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditCheckpointRow(Base):
    __tablename__ = "audit_checkpoints"
    size: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    root_hash: Mapped[str] = mapped_column(String(64))
    time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    document: Mapped[str] = mapped_column(Text)


class OrganizationProfileRow(Base):
    __tablename__ = "organization_profiles"
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    legal_rep: Mapped[str] = mapped_column(String(100))
    contact_name: Mapped[str] = mapped_column(String(100))
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    require_2fa: Mapped[bool] = mapped_column(Boolean)
    password_max_age_days: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(36))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    production_ca_cert_id: Mapped[str | None] = mapped_column(String(36))


class LicenceRow(Base):
    __tablename__ = "licences"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    legal_rep_name: Mapped[str] = mapped_column(String(100))
    legal_rep_id_number: Mapped[str] = mapped_column(String(40))
    submitted_by: Mapped[str] = mapped_column(String(36))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    password_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    totp_secret: Mapped[str | None] = mapped_column(String(200))
    totp_enabled: Mapped[bool] = mapped_column(Boolean)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    recovery_codes: Mapped[str] = mapped_column(Text)
    credentials_epoch: Mapped[int] = mapped_column(Integer)


class SessionRow(Base):
    __tablename__ = "sessions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    credentials_epoch: Mapped[int] = mapped_column(Integer)
    client_addr: Mapped[str | None] = mapped_column(String(100))
    agent: Mapped[str | None] = mapped_column(String(400))


class InvitationRow(Base):
    __tablename__ = "invitations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    used_by: Mapped[str | None] = mapped_column(String(36))


class ApiClientRow(Base):
    __tablename__ = "api_clients"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    scopes: Mapped[str] = mapped_column(Text)
    secret_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginThrottleRow(Base):
    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
