"""SM2 X.509 v3 certificates and CRLs: the 国密 twin of the RSA/ECDSA hierarchy.

``cryptography`` cannot sign SM2, so certificates and CRLs are assembled with asn1crypto and
the DER of the tbsCertificate / tbsCertList goes to a ``sign(data) -> DER SM2 signature``
callable: the private key stays in its key store (software or token), exactly like
``issuance.issue_certificate`` does for RSA and ECDSA.

The profiles are those of ``profiles``/``issuance``:

- platform root: self-signed, basicConstraints cA (critical), keyUsage keyCertSign, cRLSign,
  digitalSignature (critical), SKI, no AKI;
- organisation CA: under the root, cA with pathLenConstraint 0, the same key usage, SKI, AKI;
- seal certificate: end entity, cA false, keyUsage digitalSignature + nonRepudiation
  (critical), subject C, O = organisation, CN = seal name, organizationIdentifier = the
  unified social credit code (checked), OU for sandbox seals, CRL distribution point and OCSP
  AIA taken as parameters;
- OCSP responder: end entity under a CA, keyUsage digitalSignature, extKeyUsage
  id-kp-OCSPSigning (critical), id-pkix-ocsp-nocheck.

Algorithms: signatureAlgorithm 1.2.156.10197.1.501 (SM2 with SM3) with parameters ABSENT
(as OpenSSL 3 writes it, and as the ofdrw sample certificates carry it; the Hebei sample
writes NULL, which ``sm2_chain`` accepts when reading); subjectPublicKeyInfo id-ecPublicKey
with the named curve 1.2.156.10197.1.301 and the uncompressed point (``gm.keys``). Signer ID
1234567812345678 (GM/T 0009) in every signature.

Key identifiers (SKI, AKI) are RFC 5280 §4.2.1.2 method 1, SHA-1 of the subjectPublicKey bit
string: the same function as the RSA/ECDSA hierarchy (``issuance.key_identifier``) and what
``openssl x509 -ext subjectKeyIdentifier=hash`` computes, so outside tools name the keys
alike. A key identifier only names a key for path building and protects nothing (every
signature is still checked), so SHA-1's collision weakness does not matter here; SM3 would
do as well, but nothing outside would recompute it.

Serials are 159-bit random positive integers (the top bit set, so always 20 octets in DER,
158 bits from the CSPRNG; RFC 5280 allows at most 20 octets).

Every function signs, then verifies the signature with the issuer's public key before
returning: a ``sign`` callable bound to the wrong key fails loudly here, not in a verifier.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import datetime

from asn1crypto import crl as asn1_crl
from asn1crypto import keys as asn1_keys
from asn1crypto import x509

from openseal.core.gm import keys, sm2
from openseal.core.identity.uscc import validate_uscc
from openseal.core.pki.crl import HOLD, REVOCATION_REASONS
from openseal.core.pki.issuance import asn1_time, key_identifier
from openseal.core.pki.profiles import SubjectInfo
from openseal.core.pki.sm2_x509 import (
    crl_signature_valid,
    load_certificate,
    public_point,
    signed_part,
)
from openseal.errors import IntegrityViolation, InvalidInput

Sign = Callable[[bytes], bytes]
"""Signs ``data`` with the issuer's SM2 key (SM3 with Z inside): returns DER SEQUENCE{r, s}."""

SERIAL_BITS = 159
SM2_SIGNATURE_ALGORITHM = {"algorithm": sm2.SM2_WITH_SM3_OID}  # no parameters
CA_KEY_USAGE = frozenset({"key_cert_sign", "crl_sign", "digital_signature"})
SEAL_KEY_USAGE = frozenset({"digital_signature", "non_repudiation"})
Revoked = tuple[int, datetime, str]
"""A CRL entry: (serial, revocation time, RFC 5280 reason, e.g. "key_compromise")."""


def new_sm2_serial() -> int:
    """A random 159-bit positive serial (top bit set: 20 DER octets, 158 random bits)."""
    return secrets.randbits(SERIAL_BITS - 1) | (1 << (SERIAL_BITS - 1))


def sm2_public_key_info(public64: bytes) -> asn1_keys.PublicKeyInfo:
    """id-ecPublicKey on the SM2 curve with the point 04 || x || y (``gm.keys``); raises
    InvalidInput (SM2_KEY_INVALID) for a key that is not a point on the curve."""
    return keys.public_key_info(public64)


def sm2_root_certificate(subject: SubjectInfo, public64: bytes, sign: Sign,
                         not_before: datetime, not_after: datetime,
                         serial: int | None = None) -> bytes:
    """The DER of a self-signed SM2 platform root (``sign`` uses the root's own key)."""
    spki = sm2_public_key_info(public64)
    name = _name(subject)
    extensions = [
        _ext("basic_constraints", {"ca": True}, critical=True),
        _ext("key_usage", set(CA_KEY_USAGE), critical=True),
        _ext("key_identifier", key_identifier(spki)),
    ]
    return _issue(name, spki, name, spki, extensions, sign, not_before, not_after, serial)


def sm2_ca_certificate(subject: SubjectInfo, public64: bytes, issuer_cert: bytes, sign: Sign,
                       not_before: datetime, not_after: datetime,
                       serial: int | None = None, *, crl_url: str | None = None,
                       ocsp_url: str | None = None) -> bytes:
    """The DER of an organisation CA (pathLenConstraint 0) under ``issuer_cert`` (the root);
    ``sign`` uses the root's key. ``crl_url``/``ocsp_url``: where the root publishes the
    status of its CAs, if it does."""
    issuer = _issuer(issuer_cert)
    if issuer.max_path_length == 0:
        raise InvalidInput("SM2_ISSUER_PATH_LENGTH", "签发者证书的路径长度约束为 0，不能再签发 CA",
                           "The issuer's path length constraint is 0: it cannot issue a CA")
    spki = sm2_public_key_info(public64)
    extensions = [
        _ext("basic_constraints", {"ca": True, "path_len_constraint": 0}, critical=True),
        _ext("key_usage", set(CA_KEY_USAGE), critical=True),
        _ext("key_identifier", key_identifier(spki)),
        _aki(issuer),
        *_status_urls(crl_url, ocsp_url),
    ]
    return _issue(_name(subject), spki, issuer.subject, issuer.public_key, extensions, sign,
                  not_before, not_after, serial)


def sm2_seal_certificate(subject: SubjectInfo, public64: bytes, issuer_cert: bytes,
                         sign: Sign, not_before: datetime, not_after: datetime,
                         crl_url: str, ocsp_url: str, serial: int | None = None) -> bytes:
    """The DER of a seal (end-entity) certificate under ``issuer_cert`` (the organisation
    CA); ``sign`` uses that CA's key. ``subject.organization_identifier`` must be a valid
    unified social credit code (GB 32100)."""
    if not subject.organization_identifier:
        raise InvalidInput("SM2_SEAL_USCC", "印章证书必须载明统一社会信用代码",
                           "A seal certificate must carry the unified social credit code",
                           field="organization_identifier")
    uscc = validate_uscc(subject.organization_identifier)
    subject = SubjectInfo(subject.common_name, subject.organization, uscc, subject.country,
                          subject.organizational_unit)
    issuer = _issuer(issuer_cert)
    spki = sm2_public_key_info(public64)
    extensions = [
        _ext("basic_constraints", {"ca": False}, critical=True),
        _ext("key_usage", set(SEAL_KEY_USAGE), critical=True),
        _ext("key_identifier", key_identifier(spki)),
        _aki(issuer),
        *_status_urls(crl_url, ocsp_url),
    ]
    return _issue(_name(subject), spki, issuer.subject, issuer.public_key, extensions, sign,
                  not_before, not_after, serial)


def sm2_maker_certificate(subject: SubjectInfo, public64: bytes, issuer_cert: bytes,
                          sign: Sign, not_before: datetime, not_after: datetime,
                          serial: int | None = None) -> bytes:
    """The DER of a seal maker's (制章者, GB/T 38540) end-entity certificate under
    ``issuer_cert`` (the platform's SM2 root): cA false, keyUsage digitalSignature +
    nonRepudiation (critical). Unlike a seal certificate it names the platform, which has
    no credit code."""
    issuer = _issuer(issuer_cert)
    spki = sm2_public_key_info(public64)
    extensions = [
        _ext("basic_constraints", {"ca": False}, critical=True),
        _ext("key_usage", set(SEAL_KEY_USAGE), critical=True),
        _ext("key_identifier", key_identifier(spki)),
        _aki(issuer),
    ]
    return _issue(_name(subject), spki, issuer.subject, issuer.public_key, extensions, sign,
                  not_before, not_after, serial)


def sm2_ocsp_responder_certificate(subject: SubjectInfo, public64: bytes, issuer_cert: bytes,
                                   sign: Sign, not_before: datetime, not_after: datetime,
                                   serial: int | None = None) -> bytes:
    """The DER of an SM2 CA's delegated OCSP responder certificate (RFC 6960 §4.2.2.2),
    issued by that CA (``sign`` uses its key): cA false, keyUsage digitalSignature
    (critical), extKeyUsage id-kp-OCSPSigning (critical) and id-pkix-ocsp-nocheck, as
    ``issuance`` makes them for RSA/ECDSA CAs."""
    issuer = _issuer(issuer_cert)
    spki = sm2_public_key_info(public64)
    extensions = [
        _ext("basic_constraints", {"ca": False}, critical=True),
        _ext("key_usage", {"digital_signature"}, critical=True),
        _ext("key_identifier", key_identifier(spki)),
        _aki(issuer),
        _ext("extended_key_usage", ["ocsp_signing"], critical=True),
        _ext("ocsp_no_check", None),
    ]
    return _issue(_name(subject), spki, issuer.subject, issuer.public_key, extensions, sign,
                  not_before, not_after, serial)


def sm2_crl(issuer_cert: bytes, revoked: Sequence[Revoked], this_update: datetime,
            next_update: datetime, crl_number: int, sign: Sign) -> bytes:
    """The DER of a v2 CRL of ``issuer_cert`` (a CA with cRLSign), signed through ``sign``
    with that CA's key: crlNumber and AKI extensions, one entry per revoked serial with its
    reason (``crl.REVOCATION_REASONS`` or ``certificate_hold``)."""
    issuer = _issuer(issuer_cert, "crl_sign")
    _check_times(this_update, next_update)
    if crl_number < 0 or crl_number.bit_length() > 159:
        raise InvalidInput("SM2_CRL_NUMBER", "吊销列表编号应为不超过 20 字节的非负整数",
                           "The CRL number must be a non-negative integer of at most 20 "
                           "octets", field="crl_number")
    tbs = asn1_crl.TbsCertList({
        "version": "v2",
        "signature": SM2_SIGNATURE_ALGORITHM,
        "issuer": issuer.subject,
        "this_update": asn1_time(this_update),
        "next_update": asn1_time(next_update),
        "crl_extensions": [
            {"extn_id": "crl_number", "critical": False, "extn_value": crl_number},
            {"extn_id": "authority_key_identifier", "critical": False,
             "extn_value": {"key_identifier": _keyid(issuer)}},
        ],
    })
    if revoked:  # RFC 5280 §5.1.2.6: absent, not empty, when nothing is revoked
        tbs["revoked_certificates"] = [_entry(*entry) for entry in revoked]
    der = asn1_crl.CertificateList({
        "tbs_cert_list": tbs,
        "signature_algorithm": SM2_SIGNATURE_ALGORITHM,
        "signature": sign(tbs.dump()),
    }).dump()
    if not crl_signature_valid(der, issuer_cert):
        raise _wrong_key()
    return der


# ---------------------------------------------------------------- helpers


def _issue(subject: x509.Name, spki: asn1_keys.PublicKeyInfo, issuer_name: x509.Name,
           issuer_key: asn1_keys.PublicKeyInfo, extensions: list[x509.Extension],
           sign: Sign, not_before: datetime, not_after: datetime,
           serial: int | None) -> bytes:
    _check_times(not_before, not_after)
    tbs = x509.TbsCertificate({
        "version": "v3",
        "serial_number": _serial(serial),
        "signature": SM2_SIGNATURE_ALGORITHM,
        "issuer": issuer_name,
        "validity": {"not_before": asn1_time(not_before), "not_after": asn1_time(not_after)},
        "subject": subject,
        "subject_public_key_info": spki,
        "extensions": extensions,
    })
    der = x509.Certificate({
        "tbs_certificate": tbs,
        "signature_algorithm": SM2_SIGNATURE_ALGORITHM,
        "signature_value": sign(tbs.dump()),
    }).dump()
    if not _verifies_with(der, issuer_key):
        raise _wrong_key()
    return der


def _verifies_with(cert_der: bytes, issuer_key: asn1_keys.PublicKeyInfo) -> bool:
    """The new certificate's signature against the issuer's key (the root: its own)."""
    cert = load_certificate(cert_der)
    return sm2.verify(keys.public_point(issuer_key), signed_part(cert_der),
                      bytes(cert["signature_value"].native))


def _issuer(issuer_cert: bytes, usage: str = "key_cert_sign") -> x509.Certificate:
    """The parsed issuer: an SM2 CA whose keyUsage (if any) allows ``usage``."""
    try:
        cert = load_certificate(issuer_cert)
    except ValueError as exc:
        raise InvalidInput("SM2_ISSUER_MALFORMED", "签发者证书无法解析",
                           "The issuer certificate cannot be parsed") from exc
    if public_point(cert) is None:
        raise InvalidInput("SM2_ISSUER_NOT_SM2", "签发者证书的公钥不是 SM2 公钥",
                           "The issuer certificate does not hold an SM2 public key")
    if cert.ca is not True:
        raise InvalidInput("SM2_ISSUER_NOT_CA", "签发者证书不是 CA 证书",
                           "The issuer certificate is not a CA certificate")
    allowed = cert.key_usage_value
    if allowed is not None and usage not in allowed.native:
        what = {"key_cert_sign": "证书", "crl_sign": "吊销列表"}[usage]
        raise InvalidInput("SM2_ISSUER_KEY_USAGE", f"签发者证书的密钥用法不允许签发{what}",
                           f"The issuer certificate's key usage does not allow {usage}")
    return cert


def _aki(issuer: x509.Certificate) -> x509.Extension:
    """AKI = the issuer's own SKI when it has one (RFC 5280 §4.2.1.1), else computed."""
    return _ext("authority_key_identifier", {"key_identifier": _keyid(issuer)})


def _keyid(issuer: x509.Certificate) -> bytes:
    return bytes(issuer.key_identifier or key_identifier(issuer.public_key))


def _status_urls(crl_url: str | None, ocsp_url: str | None) -> list[x509.Extension]:
    exts = []
    if crl_url:
        exts.append(_ext("crl_distribution_points", [{
            "distribution_point": {"full_name": [_uri(crl_url)]}}]))
    if ocsp_url:
        exts.append(_ext("authority_information_access", [{
            "access_method": "ocsp", "access_location": _uri(ocsp_url)}]))
    return exts


def _entry(serial: int, revoked_at: datetime, reason: str) -> dict[str, object]:
    if reason not in (*REVOCATION_REASONS, HOLD):
        raise InvalidInput("SM2_CRL_REASON", f"不支持的吊销原因：{reason}",
                           f"Unsupported revocation reason: {reason}", field="reason")
    if revoked_at.tzinfo is None:
        raise InvalidInput("SM2_TIME_NAIVE", "时间必须带时区", "Times must carry a time zone")
    return {"user_certificate": serial, "revocation_date": asn1_time(revoked_at),
            "crl_entry_extensions": [{"extn_id": "crl_reason", "critical": False,
                                      "extn_value": reason}]}


def _serial(serial: int | None) -> int:
    if serial is None:
        return new_sm2_serial()
    if serial <= 0 or serial.bit_length() > 159:
        raise InvalidInput("SM2_SERIAL", "证书序列号应为不超过 20 字节的正整数",
                           "A certificate serial must be a positive integer of at most 20 "
                           "octets", field="serial")
    return serial


def _check_times(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("SM2_TIME_NAIVE", "时间必须带时区", "Times must carry a time zone")
    if not start < end:
        raise InvalidInput("SM2_VALIDITY", "有效期的结束时间必须晚于开始时间",
                           "The end of the validity period must be after its start")


def _name(subject: SubjectInfo) -> x509.Name:
    return x509.Name.build(subject.as_name_dict(), use_printable=False)


def _uri(url: str) -> x509.GeneralName:
    return x509.GeneralName(name="uniform_resource_identifier", value=url)


def _ext(name: str, value: object, critical: bool = False) -> x509.Extension:
    return x509.Extension({"extn_id": name, "critical": critical, "extn_value": value})


def _wrong_key() -> IntegrityViolation:
    return IntegrityViolation("SM2_SIGN_KEY_MISMATCH",
                              "签名结果不能用签发者证书的公钥验证（签名密钥与证书不符）",
                              "The signature does not verify with the issuer certificate's "
                              "key (the signing key does not belong to that certificate)")


__all__ = ["CA_KEY_USAGE", "SEAL_KEY_USAGE", "SERIAL_BITS", "Revoked", "Sign",
           "new_sm2_serial", "sm2_ca_certificate", "sm2_crl", "sm2_maker_certificate",
           "sm2_ocsp_responder_certificate", "sm2_public_key_info",
           "sm2_root_certificate", "sm2_seal_certificate"]
