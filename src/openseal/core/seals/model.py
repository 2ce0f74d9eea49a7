"""Seals: what a seal is, independent of how it is stored or drawn."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SealType(StrEnum):
    OFFICIAL = "official"  # 公章
    CONTRACT = "contract"  # 合同专用章
    FINANCE = "finance"  # 财务专用章
    INVOICE = "invoice"  # 发票专用章
    LEGAL_REP = "legal-rep"  # 法定代表人名章
    CUSTOM = "custom"  # any purpose text


DEFAULT_PURPOSE: dict[SealType, str | None] = {
    SealType.OFFICIAL: None,
    SealType.CONTRACT: "合同专用章",
    SealType.FINANCE: "财务专用章",
    SealType.INVOICE: "发票专用章",
    SealType.LEGAL_REP: None,
    SealType.CUSTOM: None,
}


@dataclass(frozen=True)
class SealDesign:
    """Everything the seal image (印模) is drawn from.

    ``name`` is the organisation's full name (for a legal-rep seal: the person's name).
    ``purpose`` is the text below the star (合同专用章 ...); ``tax_id`` the 18-character
    taxpayer ID of an invoice seal; ``code`` the optional filing code along the lower arc.
    """

    seal_type: SealType
    name: str
    purpose: str | None = None
    tax_id: str | None = None
    code: str | None = None
