"""How strictly to verify: revocation mode, locally supplied CRL/OCSP, timestamp requirement.

Nothing is ever fetched from the network (``allow_fetching=False``, no fetchers): URLs inside
uploaded certificates are never contacted. Revocation data is what the caller supplies.

OpenSeal's own seals are always checked with revocation *required* (STANDARDS §5.4): a
signer issued by one of ``own_issuers`` (the CA certificates this instance holds, matched by
key identifier or name: ``core.pki.own_cas``), or by a CA whose CRL is in ``crls``, is
validated with ``revocation_mode="require"``, whatever ``revocation_mode`` says. Ownership
comes from the CA certificates, not from holding a CRL: with its CRL missing, expired or
unsigned, our own seal is INDETERMINATE ``REVOCATION_UNAVAILABLE``, never VALID.
``revocation_mode`` applies to other signers, for whom we have no revocation data and fetch
none ("soft-fail" by default). Requiring revocation for a signer that only claims our
issuer's name can only make its verdict worse, never better.

Point in time: a signature whose certificate was revoked (or put on hold) *after* its trusted
signature timestamp is validated again at the timestamp's time (``moment``) with the same
CRLs; see signature.py and docs/governance.md.

Validation time: ``at`` is the time the verification is "as of" (None: the current time).
Long-term validation (long_term.py) validates a signature at an earlier ``moment`` proven
by document timestamps, with the revocation data of the document's own DSS (``Evidence``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asn1crypto import crl, ocsp, x509
from pyhanko_certvalidator import ValidationContext

REVOCATION_MODES = ("soft-fail", "hard-fail", "require")
OWN_REVOCATION_MODE = "require"


@dataclass(frozen=True)
class VerificationPolicy:
    revocation_mode: str = "soft-fail"
    """For signers outside OpenSeal's own PKI (see the module docstring)."""
    crls: tuple[crl.CertificateList, ...] = ()
    ocsps: tuple[ocsp.OCSPResponse, ...] = ()
    require_timestamp: bool = False
    """When True, a signature without a signature timestamp is INDETERMINATE, not VALID."""
    own_issuers: tuple[x509.Certificate, ...] = ()
    """This instance's own CA certificates: their signers' revocation is required."""

    def __post_init__(self) -> None:
        if self.revocation_mode not in REVOCATION_MODES:
            raise ValueError(f"revocation_mode must be one of {REVOCATION_MODES}")

    def mode_for(self, signer: x509.Certificate | None) -> str:
        """``require`` for a signer issued by one of our CAs, else the policy's."""
        return OWN_REVOCATION_MODE if self.is_ours(signer) else self.revocation_mode

    def is_ours(self, signer: x509.Certificate | None) -> bool:
        """Issued by one of ``own_issuers`` (key identifier or name) or by a CA whose CRL
        is in ``crls``."""
        if signer is None:
            return False
        key_id = signer.authority_key_identifier
        return any((key_id is not None and key_id == ca.key_identifier)
                   or ca.subject == signer.issuer for ca in self.own_issuers) or any(
            c["tbs_cert_list"]["issuer"] == signer.issuer for c in self.crls)


DEFAULT_POLICY = VerificationPolicy()


@dataclass(frozen=True)
class Evidence:
    """Validation data carried by the document itself (its DSS): certificates, CRLs, OCSP
    responses. Used only for validation at a time proven by a document timestamp."""

    certs: tuple[x509.Certificate, ...] = ()
    crls: tuple[crl.CertificateList, ...] = ()
    ocsps: tuple[ocsp.OCSPResponse, ...] = ()


NO_EVIDENCE = Evidence()


def local_revocation_policy(crls: list[crl.CertificateList],
                            ocsps: list[ocsp.OCSPResponse] | None = None,
                            require_timestamp: bool = False,
                            own_issuers: Sequence[x509.Certificate] = ()
                            ) -> VerificationPolicy:
    """The policy for verifying against this instance: its CRLs (and any OCSP responses),
    supplied locally, and its own CA certificates (``own_issuers``), so its own seals are
    checked with revocation required even when a CRL is missing."""
    return VerificationPolicy(crls=tuple(crls), ocsps=tuple(ocsps or ()),
                              require_timestamp=require_timestamp,
                              own_issuers=tuple(own_issuers))


def validation_context(trust_roots: list[x509.Certificate], policy: VerificationPolicy,
                       mode: str | None = None, moment: datetime | None = None,
                       at: datetime | None = None,
                       evidence: Evidence = NO_EVIDENCE) -> ValidationContext:
    """A fresh context per signature: only the given roots, never the OS list, no fetching.
    With ``moment``: point-in-time validation at that time, revocation data issued later
    accepted (it says when a certificate was revoked). Else with ``at``: validation as of
    that time. ``evidence`` adds the document's own validation data."""
    extra: dict[str, Any] = {}
    if moment is not None:
        extra = {"moment": moment, "retroactive_revinfo": True}
    elif at is not None:
        extra = {"moment": at}
    return ValidationContext(
        trust_roots=list(trust_roots), allow_fetching=False,
        revocation_mode=mode or policy.revocation_mode, other_certs=list(evidence.certs),
        crls=[*policy.crls, *evidence.crls], ocsps=[*policy.ocsps, *evidence.ocsps], **extra,
    )
