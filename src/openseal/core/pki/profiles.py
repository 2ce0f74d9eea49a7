"""Certificate profiles: the only kinds of certificate OpenSeal issues.

Each profile is a frozen description; ``issuance.issue_certificate`` turns one into a signed
certificate. There is deliberately no "issue anything" entry point.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum


class CertificateRole(StrEnum):
    ROOT_CA = "root-ca"
    ORG_CA = "org-ca"
    SEAL = "seal"
    TSA = "tsa"
    AUDIT = "audit"
    OCSP = "ocsp"  # an OCSP responder's delegated signing certificate (RFC 6960 §4.2.2.2)
    REPORT = "report"  # signs verification reports (core.pki.report_key)
    # The SM2 (国密) hierarchy (core.pki.sm2_hierarchy): its own roles, so that nothing
    # that hands CAs to pyHanko (which cannot read SM2) ever sees one. SM2 seal
    # certificates keep the role SEAL: the lifecycle treats them alike.
    SM2_ROOT_CA = "sm2-root-ca"
    SM2_ORG_CA = "sm2-org-ca"
    SEAL_MAKER = "seal-maker"  # 制章者: signs every SES_Seal the platform makes
    # A CA certificate that came with an imported seal (a licensed CA's, from a PKCS#12):
    # kept to build the seal's chain, never used to issue anything, no key here.
    IMPORTED_CA = "imported-ca"


@dataclass(frozen=True)
class SubjectInfo:
    common_name: str
    organization: str
    organization_identifier: str | None = None
    country: str = "CN"
    organizational_unit: str | None = None

    def as_name_dict(self) -> dict[str, str]:
        names = {"country_name": self.country, "organization_name": self.organization,
                 "common_name": self.common_name}
        if self.organizational_unit:
            names["organizational_unit_name"] = self.organizational_unit
        if self.organization_identifier:
            names["organization_identifier"] = self.organization_identifier
        return names


@dataclass(frozen=True)
class CertificateProfile:
    role: CertificateRole
    subject: SubjectInfo
    lifetime: timedelta
    crl_url: str | None = None
    ocsp_url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_ca(self) -> bool:
        return self.role in (CertificateRole.ROOT_CA, CertificateRole.ORG_CA)


# Extended key usage that only the audit-log signing certificate carries, so no other
# certificate under the platform root (a TSA's, a seal's) can sign checkpoints. It sits under
# the same placeholder arc as the TSA policy until OpenSeal has an enterprise number.
AUDIT_LOG_EKU = "1.3.6.1.4.1.55555.1.2"

ROOT_LIFETIME = timedelta(days=20 * 365)
ORG_CA_LIFETIME = timedelta(days=10 * 365)
SEAL_LIFETIME = timedelta(days=3 * 365)
TSA_LIFETIME = timedelta(days=10 * 365)
AUDIT_LIFETIME = timedelta(days=10 * 365)
REPORT_LIFETIME = timedelta(days=10 * 365)
# Responder certificates carry id-pkix-ocsp-nocheck (nobody checks their revocation), so
# they are short-lived (RFC 6960 §4.2.2.2.1) and replaced well before they expire.
OCSP_LIFETIME = timedelta(days=90)

# The organisational unit of every certificate of the sandbox (test) CA: a test seal says so
# in its certificate as well as on its image.
TEST_UNIT = "TEST / 测试"


def root_ca_profile(instance_name: str) -> CertificateProfile:
    subject = SubjectInfo(common_name=f"{instance_name} Root CA", organization=instance_name)
    return CertificateProfile(CertificateRole.ROOT_CA, subject, ROOT_LIFETIME)


def sandbox_root_profile(instance_name: str) -> CertificateProfile:
    """The sandbox root: certifies unverified organisations' test seals, never trusted."""
    subject = SubjectInfo(f"{instance_name} TEST Root CA (测试，无法律效力)", instance_name,
                          organizational_unit=TEST_UNIT)
    return CertificateProfile(CertificateRole.ROOT_CA, subject, ROOT_LIFETIME)


def org_ca_profile(org_name: str, uscc: str, *, sandbox: bool = False) -> CertificateProfile:
    if sandbox:
        subject = SubjectInfo(f"{org_name} 测试印章签发CA (TEST)", org_name, uscc,
                              organizational_unit=TEST_UNIT)
    else:
        subject = SubjectInfo(f"{org_name} 印章签发CA", org_name, uscc)
    return CertificateProfile(CertificateRole.ORG_CA, subject, ORG_CA_LIFETIME)


def seal_profile(
    seal_name: str, org_name: str, uscc: str, base_url: str, org_id: str, *,
    sandbox: bool = False,
) -> CertificateProfile:
    subject = SubjectInfo(seal_name, org_name, uscc,
                          organizational_unit=TEST_UNIT if sandbox else None)
    return CertificateProfile(
        CertificateRole.SEAL, subject, SEAL_LIFETIME,
        crl_url=crl_url(base_url, org_id),
        ocsp_url=ocsp_url(base_url),
    )


def crl_url(public_url: str, org_id: str) -> str:
    """Where the CRL of an organisation's CA is published (``root`` for the platform root)."""
    return f"{public_url}/api/v1/pki/crl/{org_id}.crl"


def ocsp_url(public_url: str) -> str:
    return f"{public_url}/api/v1/pki/ocsp"


def ocsp_responder_profile(ca_subject: dict[str, str]) -> CertificateProfile:
    """The OCSP responder of one CA: signs that CA's OCSP responses and nothing else."""
    subject = SubjectInfo(f"{ca_subject.get('common_name', 'CA')[:48]} OCSP Responder",
                          ca_subject.get("organization_name", "OpenSeal"),
                          ca_subject.get("organization_identifier"),
                          organizational_unit=ca_subject.get("organizational_unit_name"))
    return CertificateProfile(CertificateRole.OCSP, subject, OCSP_LIFETIME)


def tsa_profile(instance_name: str) -> CertificateProfile:
    subject = SubjectInfo(f"{instance_name} Timestamp Authority", instance_name)
    return CertificateProfile(CertificateRole.TSA, subject, TSA_LIFETIME)


def audit_profile(instance_name: str) -> CertificateProfile:
    """The key that signs audit checkpoints (signed tree heads)."""
    subject = SubjectInfo(f"{instance_name} Audit Log", instance_name)
    return CertificateProfile(CertificateRole.AUDIT, subject, AUDIT_LIFETIME)


def report_profile(instance_name: str) -> CertificateProfile:
    """The key that signs verification reports (PDF) on behalf of the platform."""
    subject = SubjectInfo(f"{instance_name} Verification Report", instance_name)
    return CertificateProfile(CertificateRole.REPORT, subject, REPORT_LIFETIME)
