"""Stored facts the services work with, independent of how they are stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from openseal.core.pki.profiles import CertificateRole
from openseal.core.seals.model import SealDesign


@dataclass(frozen=True)
class CertificateRecord:
    id: str
    role: CertificateRole
    der: bytes
    key_id: str | None
    issuer_id: str | None
    org_id: str | None
    serial_hex: str
    subject: str
    not_before: datetime
    not_after: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class InstanceRecord:
    name: str
    root_cert_id: str
    tsa_cert_id: str
    created_at: datetime
    audit_cert_id: str | None = None


@dataclass(frozen=True)
class OrganizationRecord:
    id: str
    name: str
    uscc: str
    ca_cert_id: str
    created_at: datetime


@dataclass(frozen=True)
class SealArtworkRecord:
    """The stored forms of a seal's image: vector (PDF content ops) and/or PNG, and SVG."""

    width_mm: float
    height_mm: float
    vector: bytes | None
    png: bytes
    svg: str | None


@dataclass(frozen=True)
class SealRecord:
    """A seal: ``name`` is what people call it (and the certificate CN); the design is
    what the image shows."""

    id: str
    org_id: str
    name: str
    design: SealDesign
    key_id: str
    cert_id: str
    artwork: SealArtworkRecord
    status: str
    created_at: datetime


@dataclass(frozen=True)
class SealedDocumentRecord:
    id: str
    seal_id: str
    field_name: str
    input_sha256: str
    output_sha256: str
    output_size: int
    created_at: datetime


@dataclass(frozen=True)
class CheckpointRecord:
    size: int
    root_hash: str
    time: datetime
    document: str  # the checkpoint's JSON, exactly as handed out
