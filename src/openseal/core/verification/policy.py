"""How strictly to verify: revocation mode, locally supplied CRL/OCSP, timestamp requirement.

Revocation is "soft-fail" for now because OpenSeal has no CRL/OCSP service yet. When it has,
verifying OpenSeal's own seals is one switch: ``VerificationPolicy(revocation_mode="require",
crls=..., ocsps=...)``. Nothing is ever fetched from the network (``allow_fetching=False``,
no fetchers): URLs inside uploaded certificates are never contacted.
"""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import crl, ocsp, x509
from pyhanko_certvalidator import ValidationContext

REVOCATION_MODES = ("soft-fail", "hard-fail", "require")


@dataclass(frozen=True)
class VerificationPolicy:
    revocation_mode: str = "soft-fail"
    crls: tuple[crl.CertificateList, ...] = ()
    ocsps: tuple[ocsp.OCSPResponse, ...] = ()
    require_timestamp: bool = False
    """When True, a signature without a signature timestamp is INDETERMINATE, not VALID."""

    def __post_init__(self) -> None:
        if self.revocation_mode not in REVOCATION_MODES:
            raise ValueError(f"revocation_mode must be one of {REVOCATION_MODES}")


DEFAULT_POLICY = VerificationPolicy()


def validation_context(trust_roots: list[x509.Certificate],
                       policy: VerificationPolicy) -> ValidationContext:
    """A fresh context per signature: only the given roots, never the OS list, no fetching."""
    return ValidationContext(
        trust_roots=list(trust_roots), allow_fetching=False,
        revocation_mode=policy.revocation_mode,
        crls=list(policy.crls), ocsps=list(policy.ocsps),
    )
