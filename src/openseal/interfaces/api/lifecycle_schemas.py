"""Request and response bodies of the seal lifecycle routes (suspend, resume, revoke,
destroy, renew, expiring). Requests forbid unknown fields (``Strict``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from openseal.interfaces.api.schemas import Strict
from openseal.interfaces.api.seal_schemas import SealOut

RevocationCode = Literal["unspecified", "key_compromise", "affiliation_changed", "superseded",
                         "cessation_of_operation", "privilege_withdrawn"]


class ReasonBody(Strict):
    reason: str = Field(min_length=1, max_length=500,
                        description="Why (kept in the seal's record and the audit trail)")


class RevokeBody(ReasonBody):
    reason_code: RevocationCode = Field(
        default="unspecified", description="RFC 5280 CRLReason published in the CRL and OCSP")


class TransitionOut(BaseModel):
    seal: SealOut
    before: str = Field(description="The seal's status before this call")
    reason: str
    at: datetime


class ExpiringOut(BaseModel):
    seal: SealOut
    not_after: datetime
    days_left: int
