"""Request and response bodies for seals, sealed documents and the audit trail.

Requests forbid unknown fields (``Strict``): nobody can pass an ``org_id``; the organisation
is always the caller's own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from openseal.core.keys.stores import key_store_of
from openseal.core.records import CertificateRecord, SealedDocumentRecord, SealRecord
from openseal.interfaces.api.schemas import Strict

SEALS = "/api/v1/seals"


class SealBody(Strict):
    """A seal drawn from its template (the organisation's name around the star)."""

    type: str = Field(max_length=20, description=(
        "official | contract | finance | invoice | legal-rep | custom"))
    name: str = Field(max_length=100, description="Seal name (legal-rep: the person's name)")
    purpose: str | None = Field(default=None, max_length=50,
                                description="Text below the star, e.g. 合同专用章")
    tax_id: str | None = Field(default=None, max_length=20,
                               description="Invoice seal: 18-character tax ID")
    code: str | None = Field(default=None, max_length=20,
                             description="Filing code along the lower arc (digits)")
    algorithm: str = Field(default="ecdsa", max_length=10, description=(
        "ecdsa (P-256, seals PDFs; the default) | rsa (RSA-3072, seals PDFs; for verifiers "
        "that know only RSA) | sm2 (seals OFD files; also makes a GB/T 38540 electronic "
        "seal, GET .../esl)"))
    key_store: str | None = Field(default=None, max_length=10, description=(
        "software (an encrypted key file) | pkcs11 (made inside the PKCS#11 token, never "
        "extractable; not for sm2). Default: the instance's OPENSEAL_KEY_STORE"))


class SealOut(BaseModel):
    id: str
    name: str
    type: str
    purpose: str | None
    status: str
    sandbox: bool
    created_at: datetime
    width_mm: float
    height_mm: float
    certificate_serial: str
    certificate_not_after: datetime
    image_png_url: str
    image_svg_url: str | None = Field(description="null for an uploaded image (no vector form)")
    certificate_url: str
    algorithm: str = Field(description="ecdsa (PDF) | rsa (PDF) | sm2 (OFD, GB/T 38540)")
    es_id: str | None = Field(default=None,
                              description="An SM2 seal's esID (14 digits); null otherwise")
    esl_url: str | None = Field(default=None, description=(
        "An SM2 seal's GB/T 38540 electronic seal (.esl, DER); null otherwise"))
    origin: str = Field(default="platform", description=(
        "platform (made here) | imported (made elsewhere: seals/import)"))
    maker: str | None = Field(default=None, description=(
        "An imported seal's maker: the .esl's seal maker or the PKCS#12 CA's subject"))
    key_store: str = Field(default="software", description=(
        "Where the seal's private key lives: software | pkcs11 (a hardware token)"))

    @classmethod
    def of(cls, s: SealRecord, cert: CertificateRecord) -> SealOut:
        base = f"{SEALS}/{s.id}"
        return cls(id=s.id, name=s.name, type=s.design.seal_type.value,
                   purpose=s.design.purpose, status=s.status, sandbox=s.sandbox,
                   created_at=s.created_at, width_mm=round(s.artwork.width_mm, 2),
                   height_mm=round(s.artwork.height_mm, 2),
                   certificate_serial=cert.serial_hex, certificate_not_after=cert.not_after,
                   image_png_url=f"{base}/image.png",
                   image_svg_url=f"{base}/image.svg" if s.artwork.svg else None,
                   certificate_url=f"{base}/certificate.pem", algorithm=s.algorithm,
                   es_id=s.es_id, esl_url=f"{base}/esl" if s.algorithm == "sm2" else None,
                   origin=s.origin, maker=s.maker, key_store=key_store_of(s.key_id))


class DocumentOut(BaseModel):
    """A record that a document was sealed (the PDF itself is not kept)."""

    id: str
    seal_id: str
    field_name: str
    input_sha256: str
    output_sha256: str
    size: int = Field(description="Bytes of the sealed PDF")
    created_at: datetime

    @classmethod
    def of(cls, d: SealedDocumentRecord) -> DocumentOut:
        return cls(id=d.id, seal_id=d.seal_id, field_name=d.field_name,
                   input_sha256=d.input_sha256, output_sha256=d.output_sha256,
                   size=d.output_size, created_at=d.created_at)


class AuditEventOut(BaseModel):
    """One audit event exactly as ``openseal audit export`` writes it (hashes recomputable)."""

    type: str
    seq: int
    time: str
    actor: str
    actor_kind: str
    org_id: str | None
    action: str
    target: str | None
    outcome: str
    client_addr: str | None
    agent: str | None
    details: dict[str, Any]
    prev_hash: str
    entry_hash: str
