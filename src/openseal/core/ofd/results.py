"""What ``verify_ofd`` finds: per signature (``SignatureCheck``), per file (``OfdVerification``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from openseal.core.ofd.reasons import Reason


@dataclass(frozen=True)
class ReferenceCheck:
    file: str
    """The FileRef as written."""
    status: str
    """``ok``, ``changed``, ``missing``, or ``unchecked`` (unsupported CheckMethod)."""


@dataclass(frozen=True)
class StampPlacement:
    id: str
    page_ref: str
    page_index: int | None
    """0-based index of the page whose ID PageRef names; None when no page has that ID."""
    page_file: str | None
    boundary_mm: tuple[float, ...] | None
    clip: tuple[float, ...] | None


@dataclass(frozen=True)
class SealSummary:
    name: str
    es_id: str
    vendor: str
    version: int
    seal_type: int
    picture_kind: str
    picture_width_mm: int
    picture_height_mm: int
    valid_from: datetime
    valid_until: datetime


@dataclass(frozen=True)
class SignatureCheck:
    id: str
    type: str
    path: str | None
    provider: str
    provider_company: str
    provider_version: str
    method: str
    check_method: str
    signature_time_text: str
    signing_time: datetime | None
    """TBS_Sign.timeInfo (Type=Seal); the claimed SignatureDateTime (Type=Sign)."""
    references: tuple[ReferenceCheck, ...]
    files_not_covered: tuple[str, ...]
    files_added: tuple[str, ...]
    data_hash_ok: bool | None
    signer_signature_ok: bool | None
    maker_signature_ok: bool | None
    signer_in_seal_list: bool | None
    signer_cert_valid_at_signing: bool | None
    seal_valid_at_signing: bool | None
    seal_esl_matches: bool | None
    """None when SignedInfo names no Seal.esl."""
    stamps: tuple[StampPlacement, ...]
    seal: SealSummary | None
    signer_subject: str
    maker_subject: str
    reasons: tuple[Reason, ...]
    status: str
    signer_cert: bytes | None = field(default=None, repr=False)
    """The signer's certificate (DER): the one in SES_Signature (Type=Seal), the given one
    whose key verified the signature (Type=Sign); None when unknown."""
    seal_certs: tuple[bytes, ...] = field(default=(), repr=False)
    """Every certificate the seal carries (its signer list and its maker's): candidate
    intermediates when a path to a trust anchor is built."""
    picture: bytes | None = field(default=None, repr=False)
    """The seal picture's bytes as stored in SES_Seal (see ``seal.picture_kind``)."""
    timestamp: bytes | None = field(default=None, repr=False)
    """SES_Signature.timeStamp, the timestamp token, when present (not checked here: see
    ``core.verification.ofd_timestamp``)."""
    signature_value: bytes | None = field(default=None, repr=False)
    """SES_Signature.signature, the signer's signature value: what the timestamp covers."""
    ext_datas: tuple[tuple[str, bool, bytes], ...] = field(default=(), repr=False)
    """TBS_Sign.extDatas (extnID, critical, extnValue): signed with TBS_Sign."""


@dataclass(frozen=True)
class OfdVerification:
    status: str
    """VALID / INVALID / INDETERMINATE: integrity, see ``trusted``."""
    trusted: bool
    """Always False for now: no trust anchors for seal makers and signers exist yet."""
    signatures: tuple[SignatureCheck, ...]
    reasons: tuple[Reason, ...]
    """Document-level reasons (NO_SIGNATURES)."""
    leading_bytes: int = 0

