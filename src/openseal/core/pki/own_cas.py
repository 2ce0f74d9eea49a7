"""This instance's own CAs, as the verifier needs them: which signers are ours (their
revocation is required: ``VerificationPolicy.own_issuers``) and the CRLs it can produce now.

Ownership comes from the CA certificates, never from holding a CRL: a CA whose CRL cannot be
produced (its signing key gone or unreadable) is still ours, its CRL is left out, and its
seals verify as INDETERMINATE ``REVOCATION_UNAVAILABLE`` instead of failing the whole
verification or passing unchecked.
"""

from __future__ import annotations

import logging
from typing import Protocol

from asn1crypto import x509
from asn1crypto.crl import CertificateList

from openseal.core.pki.crl import load_crl
from openseal.core.pki.issuance import certificate_from_der
from openseal.core.pki.profiles import CertificateRole
from openseal.core.pki.service import PkiService
from openseal.core.pki.sm2_ocsp import SM2_CA_ROLES
from openseal.core.records import CertificateRecord
from openseal.errors import OpenSealError

log = logging.getLogger(__name__)

class CaRepos(Protocol):
    def list_certificates(self, role: str | None = None) -> list[CertificateRecord]: ...


PDF_CA_ROLES = (CertificateRole.ROOT_CA, CertificateRole.ORG_CA)
"""The CAs of ``PkiService.revocation_lists`` (production and sandbox, ECDSA and RSA)."""


def _cas(repos: CaRepos, roles: tuple[CertificateRole, ...]) -> list[CertificateRecord]:
    return [ca for role in roles for ca in repos.list_certificates(role.value)]


def own_issuers(repos: CaRepos) -> list[x509.Certificate]:
    """Every CA certificate this instance holds (root, sandbox root, organisation CAs, and
    the SM2 ones), current or not."""
    return [certificate_from_der(ca.der) for ca in _cas(repos, (*PDF_CA_ROLES, *SM2_CA_ROLES))]


def available_revocation_lists(pki: PkiService, repos: CaRepos) -> list[CertificateList]:
    """``PkiService.revocation_lists`` without the CRLs that cannot be produced now."""
    return [load_crl(der) for der in _available(pki, _cas(repos, PDF_CA_ROLES))]


def available_sm2_revocation_lists(pki: PkiService, repos: CaRepos) -> list[bytes]:
    """``PkiService.sm2_revocation_lists`` the same way (DER)."""
    return _available(pki, _cas(repos, SM2_CA_ROLES))


def _available(pki: PkiService, cas: list[CertificateRecord]) -> list[bytes]:
    found = []
    for ca in cas:
        try:
            found.append(bytes(pki.crl(ca).der))
        except (OpenSealError, OSError, ValueError) as exc:
            log.warning("no CRL for CA %s (%s): its seals verify as REVOCATION_UNAVAILABLE",
                        ca.id, exc)
    return found
