"""The instance's SM2 (国密) hierarchy: what GB/T 38540 seals (OFD) are made and signed with.

    SM2 root (10 years)                      the sandbox has its own: "SM2 TEST Root CA"
    ├── seal maker (制章者)                   signs every SES_Seal the platform makes
    └── organisation SM2 CA (pathLen 0)      one per organisation (and side)
        └── SM2 seal certificate (3 years)   the seal's signer (签章者) certificate

Made lazily, with the first SM2 seal (of each side: production or sandbox): nothing changes
for an instance that never makes one. The root and the maker are recorded on the instance
row with a compare-and-set (``claim_sm2_hierarchy``): of two concurrent first SM2 seals
one wins and the other is refused (Conflict, try again), so there is never a second root.

The certificates are those of ``sm2_certs`` (keys in the KeyStore, signed through
``sign_raw(key, data, "sm3")``) and are stored like every other certificate, with their own
roles (``CertificateRole.SM2_ROOT_CA``, ``SM2_ORG_CA``, ``SEAL_MAKER``) so that nothing which
hands CAs to pyHanko (trust anchors, CRLs for PDF validation, OCSP) ever sees one. SM2 seal
certificates have the role SEAL and go through the same lifecycle (revoke, suspend, renew);
each carries the CRL URL of its own SM2 CA, ``/api/v1/pki/crl/{ca certificate id}.crl``, and
the instance's OCSP URL (AIA), as ECDSA seal certificates do. Every SM2 CA gets its SM2 OCSP
responder certificate when it is made (``ocsp_responder``; ``sm2_ocsp`` says how the
responses are signed).

A certificate never outlives its issuer: validity ends at the earlier of its own lifetime
and the issuer's end (root key rollover is for later).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from openseal.core.audit.recorder import AuditRecorder
from openseal.core.clock import Clock
from openseal.core.gm import keys as gm_keys
from openseal.core.keys.model import KeyStore
from openseal.core.pki import profiles, sm2_certs
from openseal.core.pki.issuance import BACKDATE
from openseal.core.pki.profiles import TEST_UNIT, CertificateRole, SubjectInfo
from openseal.core.pki.sm2_x509 import load_certificate
from openseal.core.ports import Repositories
from openseal.core.records import CertificateRecord, InstanceRecord
from openseal.errors import Conflict

SM2_ROOT_LIFETIME = timedelta(days=10 * 365)
SM2_MAKER_LIFETIME = timedelta(days=10 * 365)


class Sm2Hierarchy:
    """Issues and finds the SM2 certificates of the instance (see the module docstring)."""

    def __init__(self, repos: Repositories, keystore: KeyStore, clock: Clock,
                 recorder: AuditRecorder | None,
                 instance: Callable[[], InstanceRecord],
                 cert: Callable[[str], CertificateRecord]) -> None:
        self._repos = repos
        self._keys = keystore
        self._clock = clock
        self._recorder = recorder
        self._instance = instance
        self._cert = cert

    # the root and the maker ----------------------------------------------------------------
    def root_and_maker(self, sandbox: bool) -> tuple[CertificateRecord, CertificateRecord]:
        """The side's SM2 root and seal maker, made on first use (Conflict SM2_PKI_BUSY if
        another transaction made them meanwhile: try again)."""
        instance = self._instance()
        root_id, maker_id = ((instance.sm2_test_root_cert_id, instance.sm2_test_maker_cert_id)
                             if sandbox else
                             (instance.sm2_root_cert_id, instance.sm2_maker_cert_id))
        if root_id is not None and maker_id is not None:
            return self._cert(root_id), self._cert(maker_id)
        name = instance.name
        test = " TEST" if sandbox else ""
        unit = TEST_UNIT if sandbox else None
        mark = " (测试，无法律效力)" if sandbox else ""
        root = self._issue_root(SubjectInfo(f"{name} SM2{test} Root CA{mark}", name,
                                            organizational_unit=unit))
        self.ocsp_responder(root)
        maker = self._issue_maker(SubjectInfo(f"{name} SM2{test} Seal Maker (制章者)", name,
                                              organizational_unit=unit), root)
        if not self._repos.claim_sm2_hierarchy(sandbox, root.id, maker.id):
            raise Conflict("SM2_PKI_BUSY", "国密证书体系正在创建，请重试",
                           "The SM2 certificate hierarchy is being created; try again")
        return root, maker

    def anchors(self) -> list[bytes]:
        """The production SM2 root's DER, if it was made (never creates it)."""
        root_id = self._instance().sm2_root_cert_id
        return [] if root_id is None else [self._cert(root_id).der]

    def test_anchors(self) -> list[bytes]:
        """The sandbox SM2 root's DER, if it was made: test seals chain to it."""
        root_id = self._instance().sm2_test_root_cert_id
        return [] if root_id is None else [self._cert(root_id).der]

    # organisation CAs and seal certificates ----------------------------------------------
    def org_ca(self, org_id: str, org_name: str, uscc: str, *,
               sandbox: bool) -> CertificateRecord:
        """The organisation's SM2 CA under the side's root: the newest unrevoked one still
        valid, else a new one."""
        root, _ = self.root_and_maker(sandbox)
        now = self._clock.now()
        for ca in self._repos.org_certificates(org_id, CertificateRole.SM2_ORG_CA.value):
            if ca.issuer_id == root.id and ca.revoked_at is None and ca.not_after > now:
                return ca
        if sandbox:
            subject = SubjectInfo(f"{org_name} SM2测试印章签发CA (TEST)", org_name, uscc,
                                  organizational_unit=TEST_UNIT)
        else:
            subject = SubjectInfo(f"{org_name} SM2印章签发CA", org_name, uscc)
        key_id, public = self._new_key(CertificateRole.SM2_ORG_CA)
        start, end = self._validity(profiles.ORG_CA_LIFETIME, root)
        der = sm2_certs.sm2_ca_certificate(subject, public, root.der, self._signer(root),
                                           start, end)
        ca = self._store(CertificateRole.SM2_ORG_CA, key_id, der, root.id, org_id)
        self.ocsp_responder(ca)
        return ca

    def seal_certificate(self, ca: CertificateRecord, seal_name: str, org_name: str,
                         uscc: str, base_url: str, *, sandbox: bool) -> CertificateRecord:
        """An SM2 seal (signer) certificate from the organisation's SM2 CA ``ca``: the
        subject rules of the ECDSA seal certificates (C, O, CN = seal name, the credit
        code, OU TEST / 测试 in the sandbox), the CRL URL of ``ca`` and the OCSP URL."""
        subject = SubjectInfo(seal_name, org_name, uscc,
                              organizational_unit=TEST_UNIT if sandbox else None)
        key_id, public = self._new_key(CertificateRole.SEAL)
        start, end = self._validity(profiles.SEAL_LIFETIME, ca)
        der = sm2_certs.sm2_seal_certificate(subject, public, ca.der, self._signer(ca), start,
                                             end, profiles.crl_url(base_url, ca.id),
                                             profiles.ocsp_url(base_url))
        return self._store(CertificateRole.SEAL, key_id, der, ca.id, ca.org_id)

    def ocsp_responder(self, ca: CertificateRecord) -> CertificateRecord:
        """A new SM2 OCSP responder certificate of the SM2 CA ``ca`` (role OCSP, issued by
        ``ca``, 90 days and never beyond the CA): ``PkiService.ocsp_responder`` decides when
        one is due."""
        subject = profiles.ocsp_responder_profile(load_certificate(ca.der).subject.native)
        key_id, public = self._new_key(CertificateRole.OCSP)
        start, end = self._validity(profiles.OCSP_LIFETIME, ca)
        der = sm2_certs.sm2_ocsp_responder_certificate(subject.subject, public, ca.der,
                                                       self._signer(ca), start, end)
        return self._store(CertificateRole.OCSP, key_id, der, ca.id, ca.org_id)

    def maker(self, sandbox: bool) -> tuple[bytes, Callable[[bytes], bytes]]:
        """The side's seal maker: its certificate (DER) and a signing call (SM2 with SM3,
        its key staying in the KeyStore) for ``ses_build.seal_v4``."""
        _, maker = self.root_and_maker(sandbox)
        return maker.der, self._signer(maker)

    def is_sm2_ca(self, record: CertificateRecord) -> bool:
        return record.role in (CertificateRole.SM2_ROOT_CA, CertificateRole.SM2_ORG_CA)

    # --------------------------------------------------------------------------------------
    def _issue_root(self, subject: SubjectInfo) -> CertificateRecord:
        key_id, public = self._new_key(CertificateRole.SM2_ROOT_CA)
        start = self._clock.now() - BACKDATE
        der = sm2_certs.sm2_root_certificate(subject, public, self._sign_with(key_id), start,
                                             start + SM2_ROOT_LIFETIME)
        return self._store(CertificateRole.SM2_ROOT_CA, key_id, der, None, None)

    def _issue_maker(self, subject: SubjectInfo, root: CertificateRecord) -> CertificateRecord:
        key_id, public = self._new_key(CertificateRole.SEAL_MAKER)
        start, end = self._validity(SM2_MAKER_LIFETIME, root)
        der = sm2_certs.sm2_maker_certificate(subject, public, root.der, self._signer(root),
                                              start, end)
        return self._store(CertificateRole.SEAL_MAKER, key_id, der, root.id, None)

    def _new_key(self, role: CertificateRole) -> tuple[str, bytes]:
        key_id = f"sm2-{role.value}-{uuid.uuid4()}"
        return key_id, gm_keys.public_point(self._keys.generate_key(key_id, "sm2"))

    def _validity(self, lifetime: timedelta,
                  issuer: CertificateRecord) -> tuple[datetime, datetime]:
        start = self._clock.now() - BACKDATE
        return start, min(start + lifetime, issuer.not_after)

    def _signer(self, issuer: CertificateRecord) -> sm2_certs.Sign:
        assert issuer.key_id is not None
        return self._sign_with(issuer.key_id)

    def _sign_with(self, key_id: str) -> sm2_certs.Sign:
        return lambda data: self._keys.sign_raw(key_id, data, "sm3")

    def _store(self, role: CertificateRole, key_id: str, der: bytes, issuer_id: str | None,
               org_id: str | None) -> CertificateRecord:
        cert_id = str(uuid.uuid4())
        cert = load_certificate(der)
        validity = cert["tbs_certificate"]["validity"]
        record = CertificateRecord(
            id=cert_id, role=role, der=der, key_id=key_id, issuer_id=issuer_id or cert_id,
            org_id=org_id, serial_hex=f"{cert.serial_number:x}",
            subject=cert.subject.human_friendly, not_before=validity["not_before"].native,
            not_after=validity["not_after"].native)
        self._repos.add_certificate(record)
        if self._recorder is not None:
            issuer_key = key_id if issuer_id is None else self._cert(issuer_id).key_id
            self._recorder.record(
                "cert.issue", org_id=org_id, target=f"cert:{cert_id}",
                details={"role": role.value, "algorithm": "sm2", "serial": record.serial_hex,
                         "subject": record.subject, "issuer_cert": record.issuer_id,
                         "issuer_key": issuer_key})
        return record


__all__ = ["SM2_MAKER_LIFETIME", "SM2_ROOT_LIFETIME", "Sm2Hierarchy"]
