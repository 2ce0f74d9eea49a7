"""Reading and checking SM2-signed X.509 objects: certificates and CRLs (GM/T 0015).

``cryptography`` cannot verify SM2, so these are the checks of our own that ``sm2_chain``
(path building), ``sm2_certs`` (issuing) and the OFD verifier build on:

- parsing is strict and eager (a broken certificate or CRL fails at once, ValueError);
- every signature is SM2-with-SM3 (1.2.156.10197.1.501, signer ID ``1234567812345678``)
  over the ORIGINAL bytes of the tbsCertificate / tbsCertList (never a re-encoding), the
  outer and inner algorithm identical (RFC 5280 §4.1.1.2), parameters absent or NULL;
- validity is judged at a time the caller chooses, never "now" implicitly;
- ``revoked_in`` reads a CRL for one certificate at one time (RFC 5280 §6.3, complete CRLs
  only).
"""

from __future__ import annotations

from datetime import datetime

from asn1crypto import crl as asn1_crl
from asn1crypto import parser, x509

from openseal.core.gm import keys, sm2
from openseal.errors import InvalidInput

# ---------------------------------------------------------------- parsing and signatures


def load_certificate(der: bytes) -> x509.Certificate:
    """Parse ``der`` eagerly (a broken certificate fails here, raising ValueError)."""
    try:
        cert = x509.Certificate.load(der, strict=True)
        _ = cert.native
    except Exception as exc:  # asn1crypto raises ValueError, TypeError, KeyError ...
        raise ValueError(f"not a DER X.509 certificate: {exc}") from exc
    return cert


def load_crl(der: bytes) -> asn1_crl.CertificateList:
    try:
        parsed = asn1_crl.CertificateList.load(der, strict=True)
        _ = parsed.native
    except Exception as exc:
        raise ValueError(f"not a DER CRL: {exc}") from exc
    return parsed


def signed_part(der: bytes) -> bytes:
    """The original bytes of the first element of a signed SEQUENCE (tbsCertificate,
    tbsCertList), header included, exactly as they appear in ``der``."""
    _, method, tag, _, contents, _ = parser.parse(der, strict=True)
    if method != 1 or tag != 16:
        raise ValueError("not a SEQUENCE")
    _, method, tag, header, inner, _ = parser.parse(contents)
    if method != 1 or tag != 16:
        raise ValueError("the signed part is not a SEQUENCE")
    return header + inner


def public_point(cert: x509.Certificate) -> bytes | None:
    """The 64-byte SM2 public key of ``cert`` (id-ecPublicKey on the SM2 curve, a point on
    the curve), or None for any other key."""
    try:
        return keys.public_point(cert)
    except InvalidInput:
        return None


def _is_sm2_algorithm(algorithm: object) -> bool:
    """SignatureAlgorithm is SM2-with-SM3, parameters absent (or NULL, as some CAs write)."""
    try:
        oid = algorithm["algorithm"].dotted  # type: ignore[index]
        params = algorithm["parameters"]  # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        return False
    return bool(oid == sm2.SM2_WITH_SM3_OID and params.contents in (None, b""))


def _signature_problem(signed_der: bytes, outer_algorithm: object, inner_algorithm: object,
                       signature: bytes, issuer: x509.Certificate) -> str | None:
    """None when the SM2 signature holds, else the failure code."""
    if not (_is_sm2_algorithm(outer_algorithm) and _is_sm2_algorithm(inner_algorithm)):
        return "SM2_ALGORITHM"
    if outer_algorithm.dump() != inner_algorithm.dump():  # type: ignore[attr-defined]
        return "SM2_SIGNATURE_INVALID"  # RFC 5280 §4.1.1.2: the two must be identical
    point = public_point(issuer)
    if point is None:
        return "SM2_SIGNATURE_INVALID"
    try:
        tbs = signed_part(signed_der)
    except ValueError:
        return "SM2_SIGNATURE_INVALID"
    return None if sm2.verify(point, tbs, signature) else "SM2_SIGNATURE_INVALID"


def certificate_problem(cert_der: bytes, cert: x509.Certificate,
                         issuer: x509.Certificate) -> str | None:
    return _signature_problem(cert_der, cert["signature_algorithm"],
                              cert["tbs_certificate"]["signature"],
                              bytes(cert["signature_value"].native), issuer)


def certificate_signature_valid(cert_der: bytes, issuer_cert_der: bytes) -> bool:
    """Whether ``cert_der`` carries a valid SM2-with-SM3 signature by ``issuer_cert_der``'s
    key, over the original bytes of its tbsCertificate. Names are not compared here."""
    try:
        cert = load_certificate(cert_der)
        issuer = load_certificate(issuer_cert_der)
    except ValueError:
        return False
    return certificate_problem(cert_der, cert, issuer) is None


def crl_signature_valid(crl_der: bytes, issuer_cert_der: bytes) -> bool:
    """Whether ``crl_der`` carries a valid SM2-with-SM3 signature by ``issuer_cert_der``'s
    key, over the original bytes of its tbsCertList. Names are not compared here."""
    try:
        parsed = load_crl(crl_der)
        issuer = load_certificate(issuer_cert_der)
    except ValueError:
        return False
    return _signature_problem(crl_der, parsed["signature_algorithm"],
                              parsed["tbs_cert_list"]["signature"],
                              bytes(parsed["signature"].native), issuer) is None


# ---------------------------------------------------------------- validity


def validity_of(cert: x509.Certificate) -> tuple[datetime, datetime]:
    validity = cert["tbs_certificate"]["validity"]
    return validity["not_before"].native, validity["not_after"].native


def valid_at(cert: x509.Certificate, at: datetime) -> bool:
    """notBefore <= at <= notAfter (RFC 5280 §4.1.2.5: both ends inclusive)."""
    not_before, not_after = validity_of(cert)
    return bool(not_before <= at <= not_after)


def require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInput("SM2_TIME_NAIVE", "校验时间必须带时区",
                           "The validation time must carry a time zone", field="at")


# ---------------------------------------------------------------- revocation


def revoked_in(cert_der: bytes, crl_der: bytes, issuer_cert_der: bytes,
               at: datetime) -> bool | None:
    """Whether ``crl_der`` says ``cert_der`` was revoked (or on hold) at ``at``.

    True: listed with a revocation date (or an invalidity date) at or before ``at``.
    False: the CRL speaks for ``at`` and does not list the certificate as revoked by then
    (revoked only later also gives False: the caller decides whether a later key compromise
    matters). None: this CRL cannot tell, because it is not the issuer's (names, SM2
    signature, cRLSign), it expired before ``at`` (nextUpdate < at), it was issued after the
    certificate expired and does not list it (RFC 5280 §3.3 lets it drop the entry), it is
    a delta or scoped CRL (a critical extension), or something does not parse.
    """
    require_aware(at)
    try:
        cert = load_certificate(cert_der)
        issuer = load_certificate(issuer_cert_der)
        parsed = load_crl(crl_der)
    except ValueError:
        return None
    if not _crl_applies(cert, issuer, parsed, crl_der, issuer_cert_der, at):
        return None
    tbs = parsed["tbs_cert_list"]
    for entry in tbs["revoked_certificates"]:
        if entry["user_certificate"].native == cert.serial_number:
            return _entry_says(entry, at)
    if tbs["this_update"].native > validity_of(cert)[1]:
        return None
    return False


def _crl_applies(cert: x509.Certificate, issuer: x509.Certificate,
                 parsed: asn1_crl.CertificateList, crl_der: bytes, issuer_cert_der: bytes,
                 at: datetime) -> bool:
    """The CRL is the issuer's, SM2-signed by it, complete, and not expired before ``at``."""
    tbs = parsed["tbs_cert_list"]
    if tbs["issuer"] != cert.issuer or issuer.subject != cert.issuer:
        return False
    usage = issuer.key_usage_value
    if usage is not None and "crl_sign" not in usage.native:
        return False
    if not crl_signature_valid(crl_der, issuer_cert_der):
        return False
    if any(ext["critical"].native for ext in tbs["crl_extensions"]):
        return False  # delta CRL indicator, issuing distribution point: not handled here
    next_update = tbs["next_update"].native
    return next_update is None or next_update >= at


def _entry_says(entry: asn1_crl.RevokedCertificate, at: datetime) -> bool | None:
    extensions = {e["extn_id"].native: e for e in entry["crl_entry_extensions"]}
    if any(e["critical"].native for e in extensions.values()):
        return None  # certificateIssuer (indirect CRL) and unknown ones
    reason = extensions.get("crl_reason")
    if reason is not None and reason["extn_value"].native == "remove_from_crl":
        return False
    when = entry["revocation_date"].native
    invalidity = extensions.get("invalidity_date")
    if invalidity is not None:
        when = min(when, invalidity["extn_value"].native)
    return bool(when <= at)


__all__ = ["certificate_problem", "certificate_signature_valid", "crl_signature_valid",
           "load_certificate", "load_crl", "public_point", "require_aware", "revoked_in",
           "signed_part", "valid_at", "validity_of"]
