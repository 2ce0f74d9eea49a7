"""Trust anchors the operator imports (a licensed CA's root, say), besides OpenSeal's own.

Only a self-signed CA certificate that is valid now is accepted; each import and removal is
audited. The verifier trusts OpenSeal's own roots plus these (never the sandbox root). An SM2
root (a licensed seal maker's or CA's, for OFD seals) is checked with SM2 and trusted only
by the OFD verifier (``sm2_verification_anchors``): pyHanko cannot read SM2 certificates.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Protocol

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature

from openseal.core.audit.recorder import AuditRecorder
from openseal.core.clock import Clock
from openseal.core.gm.keys import is_sm2
from openseal.core.pki.issuance import certificate_from_der
from openseal.core.pki.own_cas import CaRepos, available_revocation_lists
from openseal.core.pki.pem import load_pem_certificates
from openseal.core.pki.service import PkiService
from openseal.core.pki.sm2_x509 import certificate_signature_valid
from openseal.core.records import TrustAnchorRecord
from openseal.errors import Conflict, InvalidInput, NotFound


class AnchorRepos(CaRepos, Protocol):
    def add_trust_anchor(self, record: TrustAnchorRecord) -> None: ...
    def list_trust_anchors(self) -> list[TrustAnchorRecord]: ...
    def remove_trust_anchor(self, anchor_id: str) -> bool: ...


def imported_anchors(repos: AnchorRepos) -> list[asn1_x509.Certificate]:
    """The imported roots the PDF verifier trusts (the SM2 ones are the OFD verifier's)."""
    return [certificate_from_der(a.der) for a in repos.list_trust_anchors()
            if not is_sm2_certificate(a.der)]


def is_sm2_certificate(der: bytes) -> bool:
    return is_sm2(asn1_x509.Certificate.load(der)["tbs_certificate"]
                  ["subject_public_key_info"])


def import_anchor(repos: AnchorRepos, clock: Clock, data: bytes, name: str, actor: str,
                  own: list[asn1_x509.Certificate], *, audit: AuditRecorder
                  ) -> TrustAnchorRecord:
    """Import one root certificate (PEM or DER) under ``name``."""
    found = load_pem_certificates(data)
    if len(found) != 1:
        raise InvalidInput("ANCHOR_ONE_CERTIFICATE", "请一次导入一张根证书",
                           "Import one root certificate at a time", field="certificate")
    der = found[0].dump()
    subject, not_after = (_checked_sm2_root(der, clock.now()) if is_sm2_certificate(der)
                          else _checked_root(der, clock.now()))
    digest = hashlib.sha256(der).hexdigest()
    if any(a.sha256 == digest for a in repos.list_trust_anchors()) or any(
            o.dump() == der for o in own):
        raise Conflict("ANCHOR_EXISTS", "该根证书已受信任", "This root is already trusted")
    record = TrustAnchorRecord(str(uuid.uuid4()), name.strip()[:200] or subject[:200], der,
                               digest, subject[:1000], not_after, actor, clock.now())
    repos.add_trust_anchor(record)
    audit.record("trust.add", target=f"anchor:{record.id}",
                 details={"name": record.name, "subject": record.subject, "sha256": digest})
    return record


def remove_anchor(repos: AnchorRepos, anchor_id: str, *, audit: AuditRecorder) -> None:
    if not repos.remove_trust_anchor(anchor_id):
        raise NotFound("ANCHOR_NOT_FOUND", "找不到该受信任根证书", "No such trust anchor",
                       field="anchor")
    audit.record("trust.remove", target=f"anchor:{anchor_id}")


def _checked_root(der: bytes, now: datetime) -> tuple[str, datetime]:
    """(subject, not after) of a self-signed CA certificate valid ``now``."""
    cert = x509.load_der_x509_certificate(der)
    try:
        ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        ca = False
    if not ca:
        raise InvalidInput("ANCHOR_NOT_CA", "这不是 CA 证书，不能作为根证书",
                           "This is not a CA certificate and cannot be a root",
                           field="certificate")
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, InvalidSignature) as exc:
        raise InvalidInput("ANCHOR_NOT_SELF_SIGNED", "根证书须为自签名证书",
                           "A root certificate must be self-signed",
                           field="certificate") from exc
    if not cert.not_valid_before_utc <= now < cert.not_valid_after_utc:
        raise _not_valid_now()
    return cert.subject.rfc4514_string(), cert.not_valid_after_utc


def _checked_sm2_root(der: bytes, now: datetime) -> tuple[str, datetime]:
    """The same checks for an SM2 root, with SM2 (cryptography cannot verify SM2)."""
    cert = asn1_x509.Certificate.load(der)
    constraints = cert.basic_constraints_value
    if constraints is None or not constraints["ca"].native:
        raise InvalidInput("ANCHOR_NOT_CA", "这不是 CA 证书，不能作为根证书",
                           "This is not a CA certificate and cannot be a root",
                           field="certificate")
    if cert.subject != cert.issuer or not certificate_signature_valid(der, der):
        raise InvalidInput("ANCHOR_NOT_SELF_SIGNED", "根证书须为自签名证书",
                           "A root certificate must be self-signed", field="certificate")
    validity = cert["tbs_certificate"]["validity"]
    not_before, not_after = validity["not_before"].native, validity["not_after"].native
    if not not_before <= now < not_after:
        raise _not_valid_now()
    return cert.subject.human_friendly, not_after


def _not_valid_now() -> InvalidInput:
    return InvalidInput("ANCHOR_EXPIRED", "该根证书不在有效期内",
                        "This root certificate is not valid now", field="certificate")


def verification_inputs(pki: PkiService, repos: AnchorRepos
                        ) -> tuple[list[asn1_x509.Certificate], list[asn1_x509.Certificate],
                                   list[asn1_crl.CertificateList]]:
    """What a verification of this instance trusts: (trust anchors: OpenSeal's own roots
    and the imported ones; sandbox roots, only to recognise test seals; the CRLs of
    OpenSeal's own CAs, checked with revocation required; one that cannot be produced now
    is left out: ``own_cas``)."""
    return (pki.trust_anchors() + imported_anchors(repos), pki.test_anchors(),
            available_revocation_lists(pki, repos))


def sm2_verification_anchors(pki: PkiService, repos: AnchorRepos | None = None
                             ) -> list[bytes]:
    """The SM2 trust anchors (DER) of this instance's OFD verification: its own production
    SM2 root (``PkiService.sm2_anchors()``, once made) and the imported SM2 roots (licensed
    seal makers and CAs). The one seam every OFD verifier of this instance (CLI, API, public
    page) gets its SM2 roots from."""
    own = [bytes(c.dump()) if hasattr(c, "dump") else bytes(c) for c in pki.sm2_anchors()]
    imported = [a.der for a in repos.list_trust_anchors()
                if is_sm2_certificate(a.der)] if repos is not None else []
    return own + imported
