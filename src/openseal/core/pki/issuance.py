"""Build and sign X.509 certificates for the profiles in ``profiles``.

Certificates are assembled with asn1crypto and signed through the KeyStore, so a CA key
held in a PKCS#11 token signs exactly like a software key.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from asn1crypto import keys as asn1_keys
from asn1crypto import x509

from openseal.core.keys.model import KeyStore
from openseal.core.pki.profiles import AUDIT_LOG_EKU, CertificateProfile, CertificateRole

BACKDATE = timedelta(minutes=5)


@dataclass(frozen=True)
class Issuer:
    """Who signs: a key in the store, and its certificate (None when self-signing)."""

    key_id: str
    certificate: x509.Certificate | None


def key_identifier(public_key: asn1_keys.PublicKeyInfo) -> bytes:
    """RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bit string."""
    return hashlib.sha1(public_key["public_key"].contents[1:]).digest()  # noqa: S324


def new_serial() -> int:
    """A positive serial with 127 bits of randomness (RFC 5280 allows up to 20 octets)."""
    return secrets.randbits(127) | (1 << 126)


def issue_certificate(
    profile: CertificateProfile,
    subject_key: asn1_keys.PublicKeyInfo,
    issuer: Issuer,
    keystore: KeyStore,
    now: datetime,
) -> x509.Certificate:
    """Issue a certificate for ``profile`` over ``subject_key``, signed by ``issuer``."""
    subject = x509.Name.build(profile.subject.as_name_dict(), use_printable=False)
    issuer_name = issuer.certificate.subject if issuer.certificate else subject
    issuer_key = issuer.certificate.public_key if issuer.certificate else subject_key
    algorithm = keystore.signature_algorithm(issuer.key_id, "sha256")
    tbs = x509.TbsCertificate({
        "version": "v3",
        "serial_number": new_serial(),
        "signature": {"algorithm": algorithm},
        "issuer": issuer_name,
        "validity": {
            "not_before": asn1_time(now - BACKDATE),
            "not_after": asn1_time(now + profile.lifetime),
        },
        "subject": subject,
        "subject_public_key_info": subject_key,
        "extensions": _extensions(profile, subject_key, issuer_key),
    })
    signature = keystore.sign_raw(issuer.key_id, tbs.dump(), "sha256")
    built = x509.Certificate({
        "tbs_certificate": tbs,
        "signature_algorithm": {"algorithm": algorithm},
        "signature_value": signature,
    })
    # Re-load from DER: a parsed asn1crypto object keeps its encoding, so later dumps
    # (once per sealed document) cost nothing.
    return certificate_from_der(built.dump())


def asn1_time(moment: datetime) -> x509.Time:
    """RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime after; whole seconds."""
    moment = moment.replace(microsecond=0)
    if moment.year < 2050:
        return x509.Time({"utc_time": moment})
    return x509.Time({"general_time": moment})


def _extensions(
    profile: CertificateProfile,
    subject_key: asn1_keys.PublicKeyInfo,
    issuer_key: asn1_keys.PublicKeyInfo,
) -> list[x509.Extension]:
    exts = [
        _ext("basic_constraints", _basic_constraints(profile), critical=True),
        _ext("key_usage", _key_usage(profile.role), critical=True),
        _ext("key_identifier", key_identifier(subject_key)),
    ]
    if profile.role is not CertificateRole.ROOT_CA:
        exts.append(_ext("authority_key_identifier",
                         {"key_identifier": key_identifier(issuer_key)}))
    if profile.role is CertificateRole.TSA:
        exts.append(_ext("extended_key_usage", ["time_stamping"], critical=True))
    if profile.role is CertificateRole.AUDIT:
        exts.append(_ext("extended_key_usage", [AUDIT_LOG_EKU], critical=True))
    if profile.role is CertificateRole.OCSP:
        exts.append(_ext("extended_key_usage", ["ocsp_signing"], critical=True))
        exts.append(_ext("ocsp_no_check", None))
    if profile.crl_url:
        exts.append(_ext("crl_distribution_points", [{
            "distribution_point": {"full_name": [_uri(profile.crl_url)]}}]))
    if profile.ocsp_url:
        exts.append(_ext("authority_information_access", [{
            "access_method": "ocsp",
            "access_location": _uri(profile.ocsp_url)}]))
    return exts


def _basic_constraints(profile: CertificateProfile) -> dict[str, object]:
    if profile.role is CertificateRole.ORG_CA:
        return {"ca": True, "path_len_constraint": 0}
    return {"ca": profile.is_ca}


def _key_usage(role: CertificateRole) -> set[str]:
    if role in (CertificateRole.ROOT_CA, CertificateRole.ORG_CA):
        return {"key_cert_sign", "crl_sign", "digital_signature"}
    if role is CertificateRole.OCSP:
        return {"digital_signature"}
    return {"digital_signature", "non_repudiation"}


def _uri(url: str) -> x509.GeneralName:
    return x509.GeneralName(name="uniform_resource_identifier", value=url)


def _ext(name: str, value: object, critical: bool = False) -> x509.Extension:
    return x509.Extension({"extn_id": name, "critical": critical, "extn_value": value})


def certificate_to_pem(cert: x509.Certificate) -> str:
    from asn1crypto import pem

    return pem.armor("CERTIFICATE", cert.dump()).decode("ascii")


def certificate_from_der(der: bytes) -> x509.Certificate:
    cert = x509.Certificate.load(der)
    _ = cert.native  # parse eagerly so a broken DER fails here, not later
    return cert


__all__ = ["Issuer", "issue_certificate", "certificate_to_pem", "certificate_from_der",
           "key_identifier", "new_serial"]
