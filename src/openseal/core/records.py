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
    test_root_cert_id: str | None = None  # the sandbox CA's root, never a trust anchor
    # The SM2 (国密) hierarchy, made with the first SM2 seal: a root and the seal maker
    # (制章者) that signs every SES_Seal, for production and for the sandbox.
    sm2_root_cert_id: str | None = None
    sm2_maker_cert_id: str | None = None
    sm2_test_root_cert_id: str | None = None
    sm2_test_maker_cert_id: str | None = None


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
    sandbox: bool = False  # certified by the test CA; stamps carry a TEST / 测试 mark
    algorithm: str = "ecdsa"  # "ecdsa" (PDF, PAdES) or "sm2" (OFD, GB/T 38540)
    esl: bytes | None = None  # an SM2 seal's DER SES_Seal (GB/T 38540 v4), its .esl file
    es_id: str | None = None  # an SM2 seal's esID (ASCII, unique; ours are 14 digits)
    origin: str = "platform"  # "platform" (made here) | "imported" (made elsewhere)
    maker: str | None = None  # imported: the seal maker's (.esl) or issuing CA's subject


@dataclass(frozen=True)
class SealedDocumentRecord:
    """One sealed output, in the registry of issued documents: the sealed file (its
    SHA-256 is that of the signed revision as issued), the seal, when, and the ticket of an
    approved request if it was sealed with one."""

    id: str
    seal_id: str
    field_name: str
    input_sha256: str
    output_sha256: str
    output_size: int
    created_at: datetime
    ticket_id: str | None = None


@dataclass(frozen=True)
class CheckpointRecord:
    size: int
    root_hash: str
    time: datetime
    document: str  # the checkpoint's JSON, exactly as handed out


@dataclass(frozen=True)
class OrganizationProfile:
    """What a registration says about an organisation, and where its verification stands.

    ``status``: "unverified" (sandbox only), "pending" (licence submitted), "verified",
    "rejected" (sandbox only, may submit again).
    """

    org_id: str
    status: str
    legal_rep: str
    contact_name: str
    contact_email: str
    contact_phone: str | None
    require_2fa: bool
    password_max_age_days: int | None
    decided_at: datetime | None = None
    decided_by: str | None = None
    decision_reason: str | None = None
    production_ca_cert_id: str | None = None

    @property
    def sandbox(self) -> bool:
        return self.status != "verified"


@dataclass(frozen=True)
class LicenceRecord:
    """An uploaded business licence (营业执照) with the legal representative's details."""

    id: str
    org_id: str
    filename: str
    media_type: str
    sha256: str
    content: bytes
    legal_rep_name: str
    legal_rep_id_number: str
    submitted_by: str
    submitted_at: datetime


@dataclass(frozen=True)
class UserRecord:
    """A person who logs in. ``org_id`` is None for a platform administrator only."""

    id: str
    org_id: str | None
    username: str
    display_name: str
    email: str
    role: str  # "platform_admin" | "org_admin" | "member"
    password_hash: str
    password_changed_at: datetime
    status: str  # "active" | "disabled"
    created_at: datetime
    totp_secret: str | None = None  # encrypted (see core.accounts.users), None until enrolled
    totp_enabled: bool = False
    totp_last_step: int | None = None
    recovery_codes: tuple[str | None, ...] = ()
    credentials_epoch: int = 0


@dataclass(frozen=True)
class SessionRecord:
    id: str
    user_id: str
    token_digest: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime  # the absolute timeout
    credentials_epoch: int
    client_addr: str | None
    agent: str | None


@dataclass(frozen=True)
class InvitationRecord:
    id: str
    org_id: str
    email: str
    role: str
    token_digest: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    used_by: str | None = None


@dataclass(frozen=True)
class ApiClientRecord:
    id: str
    org_id: str
    name: str
    scopes: frozenset[str]
    secret_digest: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


@dataclass(frozen=True)
class ThrottleRecord:
    key: str
    failures: int
    last_failure: datetime | None


@dataclass(frozen=True)
class GrantRecord:
    """An authorisation (印章授权): ``grantee_kind`` user | role | client may act on a seal at
    ``level`` (view | request | use | manage) within the window, at most ``max_uses`` times
    (None: no limit), for ``categories`` (empty: any document category)."""

    id: str
    org_id: str
    seal_id: str
    grantee_kind: str
    grantee: str
    level: str
    approval_required: bool
    categories: tuple[str, ...]
    valid_from: datetime
    valid_until: datetime | None
    max_uses: int | None
    uses: int
    status: str  # "active" | "revoked"
    created_by: str
    created_at: datetime
    updated_at: datetime

    def in_window(self, now: datetime) -> bool:
        return self.valid_from <= now and (self.valid_until is None or now < self.valid_until)

    def exhausted(self) -> bool:
        return self.max_uses is not None and self.uses >= self.max_uses


@dataclass(frozen=True)
class GrantEventRecord:
    """One change of a grant: what it was before and after, why, who, when."""

    id: str
    grant_id: str
    org_id: str
    seal_id: str
    grantee_kind: str
    grantee: str
    action: str  # "create" | "change" | "revoke" | "restore"
    reason: str
    actor: str
    at: datetime
    before: dict[str, object] | None
    after: dict[str, object]


@dataclass(frozen=True)
class CrlRecord:
    """One CRL a CA issued (RFC 5280 §5): its number and validity, and the signed DER."""

    issuer_id: str
    number: int
    this_update: datetime
    next_update: datetime
    der: bytes


@dataclass(frozen=True)
class RevokedCertificate:
    """A certificate on its issuer's CRL: revoked for good, or on hold while its seal is
    suspended (``reason`` "certificate_hold"). ``reason`` is an asn1crypto CRLReason name."""

    cert_id: str
    issuer_id: str
    serial_hex: str
    revoked_at: datetime
    reason: str


@dataclass(frozen=True)
class PolicyStep:
    """One step of an approval policy: ``required`` approvals (N of M) from the holders of
    ``role`` or from the named ``users``; ``hours`` to decide (None: the request's expiry)."""

    name: str
    required: int = 1
    role: str | None = None
    users: tuple[str, ...] = ()
    hours: int | None = None


@dataclass(frozen=True)
class ApprovalPolicyRecord:
    """How requests to use one seal are approved (用印审批流程). ``always_required``: every
    use needs an approved request, whatever the grant says (the two-person rule)."""

    seal_id: str
    org_id: str
    steps: tuple[PolicyStep, ...]
    always_required: bool
    request_hours: int
    ticket_hours: int
    updated_by: str
    updated_at: datetime


@dataclass(frozen=True)
class RequestedDocument:
    sha256: str
    name: str
    size: int
    warnings: tuple[str, ...] = ()  # inert content the approvers should know of

@dataclass(frozen=True)
class UseRequestRecord:
    """A request to use a seal (用印申请): the documents (bound by SHA-256), the purpose, the
    copies, and the approval steps as they stood when it was made."""

    id: str
    org_id: str
    seal_id: str
    requester_kind: str  # "user" | "client"
    requester_id: str
    requester_name: str
    purpose: str
    category: str | None
    copies: int
    documents: tuple[RequestedDocument, ...]
    steps: tuple[PolicyStep, ...]
    step: int  # index of the step now being decided (== len(steps) once approved)
    status: str  # "pending" | "approved" | "rejected" | "withdrawn" | "expired"
    created_at: datetime
    step_started_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    version: int = 0
    template_id: str | None = None  # the document template it was made with
    template_version: int | None = None
    ticket_hours: int | None = None  # the template's ticket validity (None: the seal's)


@dataclass(frozen=True)
class ApprovalDecisionRecord:
    id: str
    request_id: str
    org_id: str
    step: int
    approver_id: str
    approver_name: str
    decision: str  # "approve" | "reject"
    comment: str
    at: datetime


@dataclass(frozen=True)
class TicketRecord:
    """A single-use ticket (用印凭证) minted by the final approval: it seals the document with
    ``document_sha256`` once, with ``seal_id``, by the requester, before ``expires_at``.
    ``chain`` is the approval chain written into the signature."""

    id: str
    org_id: str
    request_id: str
    seal_id: str
    requester_kind: str
    requester_id: str
    document_sha256: str
    chain: dict[str, object]
    created_at: datetime
    expires_at: datetime
    status: str  # "unused" | "used" | "void"
    used_at: datetime | None = None
    document_id: str | None = None


@dataclass(frozen=True)
class TrustAnchorRecord:
    """A root certificate the operator imported (a licensed CA's root, say): signatures
    chaining to it verify as trusted, besides OpenSeal's own."""

    id: str
    name: str
    der: bytes
    sha256: str
    subject: str
    not_after: datetime
    added_by: str
    added_at: datetime
