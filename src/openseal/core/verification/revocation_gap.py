"""Our own signer without usable revocation data: ``REVOCATION_UNAVAILABLE``, never VALID and
never ``UNTRUSTED_SIGNER`` (acceptance D4).

Under ``revocation_mode="require"`` (our own seals, ``VerificationPolicy.mode_for``)
pyhanko_certvalidator reports a *stale* CRL (``StaleRevinfoError``) as ``TRY_LATER`` but a
*missing* one (``InsufficientRevinfoError``: no CRL of the issuer, or none signed by it) as
``CERTIFICATE_CHAIN_GENERAL_FAILURE``, the same indication as a broken chain. To tell the two
apart, such a signer is validated once more with the revocation check left out (soft-fail,
no revocation data at all). Trusted then, revocation data was the only thing missing: the
first status is kept with its indication set to ``TRY_LATER`` (and its signature timestamp's,
when the second look trusts that), which ``judge`` reads as ``REVOCATION_UNAVAILABLE``.
Anything else (a forged or lookalike certificate, a broken path) fails the second look too
and stays what it was.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from asn1crypto import x509
from pyhanko.sign.ades.report import AdESIndeterminate
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

from openseal.core.verification.diffpolicy import DIFF_POLICY
from openseal.core.verification.policy import (
    OWN_REVOCATION_MODE,
    Evidence,
    VerificationPolicy,
    validation_context,
)

SUSPECT = frozenset({AdESIndeterminate.CERTIFICATE_CHAIN_GENERAL_FAILURE,
                     AdESIndeterminate.TRY_LATER})
WITHOUT_REVOCATION = VerificationPolicy(revocation_mode="soft-fail")


def suspect(status: Any, mode: str) -> bool:
    """An intact, unrevoked signature of ours whose path failed in a way a missing or stale
    CRL would explain."""
    return (mode == OWN_REVOCATION_MODE and status.intact and status.valid
            and not status.revoked and status.trust_problem_indic in SUSPECT)


async def explained(status: Any, embedded: EmbeddedPdfSignature, mode: str,
                    roots: list[x509.Certificate], moment: datetime | None,
                    at: datetime | None, evidence: Evidence) -> Any:
    """``status``, marked ``TRY_LATER`` when only revocation data was missing."""
    if not suspect(status, mode):
        return status
    fresh = EmbeddedPdfSignature(embedded.reader, embedded.sig_field, embedded.field_name)
    context = validation_context(roots, WITHOUT_REVOCATION, None, moment, at,
                                 Evidence(certs=evidence.certs))
    second = await async_validate_pdf_signature(
        fresh, signer_validation_context=context, diff_policy=DIFF_POLICY)
    if not second.trusted:
        return status
    return replace(status, trust_problem_indic=AdESIndeterminate.TRY_LATER,
                   timestamp_validity=_token(status.timestamp_validity,
                                             second.timestamp_validity))


def _token(first: Any, second: Any) -> Any:
    """The signature timestamp the same way: its TSA is ours and had the same CRLs."""
    if first is None or second is None or first.trusted or not second.trusted \
            or first.trust_problem_indic not in SUSPECT:
        return first
    return replace(first, trust_problem_indic=AdESIndeterminate.TRY_LATER)
