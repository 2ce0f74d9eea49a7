"""Trust anchors the operator imports (a licensed CA's root, say), besides OpenSeal's own.

Only a self-signed CA certificate that is valid now is accepted; each import and removal is
audited. The verifier trusts OpenSeal's own roots plus these (never the sandbox root).
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
from openseal.core.pki.issuance import certificate_from_der
from openseal.core.pki.pem import load_pem_certificates
from openseal.core.pki.service import PkiService
from openseal.core.records import TrustAnchorRecord
from openseal.errors import Conflict, InvalidInput, NotFound


class AnchorRepos(Protocol):
    def add_trust_anchor(self, record: TrustAnchorRecord) -> None: ...
    def list_trust_anchors(self) -> list[TrustAnchorRecord]: ...
    def remove_trust_anchor(self, anchor_id: str) -> bool: ...


def imported_anchors(repos: AnchorRepos) -> list[asn1_x509.Certificate]:
    return [certificate_from_der(a.der) for a in repos.list_trust_anchors()]


def import_anchor(repos: AnchorRepos, clock: Clock, data: bytes, name: str, actor: str,
                  own: list[asn1_x509.Certificate], *, audit: AuditRecorder
                  ) -> TrustAnchorRecord:
    """Import one root certificate (PEM or DER) under ``name``."""
    found = load_pem_certificates(data)
    if len(found) != 1:
        raise InvalidInput("ANCHOR_ONE_CERTIFICATE", "请一次导入一张根证书",
                           "Import one root certificate at a time", field="certificate")
    der = found[0].dump()
    cert = _checked_root(der, clock.now())
    digest = hashlib.sha256(der).hexdigest()
    if any(a.sha256 == digest for a in repos.list_trust_anchors()) or any(
            o.dump() == der for o in own):
        raise Conflict("ANCHOR_EXISTS", "该根证书已受信任", "This root is already trusted")
    subject = cert.subject.rfc4514_string()
    record = TrustAnchorRecord(str(uuid.uuid4()), name.strip()[:200] or subject[:200], der,
                               digest, subject[:1000], cert.not_valid_after_utc, actor,
                               clock.now())
    repos.add_trust_anchor(record)
    audit.record("trust.add", target=f"anchor:{record.id}",
                 details={"name": record.name, "subject": record.subject, "sha256": digest})
    return record


def remove_anchor(repos: AnchorRepos, anchor_id: str, *, audit: AuditRecorder) -> None:
    if not repos.remove_trust_anchor(anchor_id):
        raise NotFound("ANCHOR_NOT_FOUND", "找不到该受信任根证书", "No such trust anchor",
                       field="anchor")
    audit.record("trust.remove", target=f"anchor:{anchor_id}")


def _checked_root(der: bytes, now: datetime) -> x509.Certificate:
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
        raise InvalidInput("ANCHOR_EXPIRED", "该根证书不在有效期内",
                           "This root certificate is not valid now", field="certificate")
    return cert


def verification_inputs(pki: PkiService, repos: AnchorRepos
                        ) -> tuple[list[asn1_x509.Certificate], list[asn1_x509.Certificate],
                                   list[asn1_crl.CertificateList]]:
    """What a verification of this instance trusts: (trust anchors: OpenSeal's own roots
    and the imported ones; sandbox roots, only to recognise test seals; the CRLs of
    OpenSeal's own CAs, checked with revocation required)."""
    return (pki.trust_anchors() + imported_anchors(repos), pki.test_anchors(),
            pki.revocation_lists())


def sm2_verification_anchors(pki: PkiService) -> list[bytes]:
    """The instance's own SM2 trust anchors (DER) for OFD verification: what
    ``PkiService.sm2_anchors()`` gives (the production SM2 root, once made), none while the
    instance has no such method. The one seam every OFD verifier of this instance (CLI, API,
    public page) gets its SM2 roots from."""
    own = getattr(pki, "sm2_anchors", None)
    if not callable(own):
        return []
    return [bytes(c.dump()) if hasattr(c, "dump") else bytes(c) for c in own()]
