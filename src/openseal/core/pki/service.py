"""The built-in PKI: platform root, one issuing CA per organisation, seal and TSA certificates,
and the sandbox (test) root that certifies unverified organisations' test seals."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

from asn1crypto import x509
from asn1crypto.crl import CertificateList

from openseal.core.audit.recorder import AuditRecorder
from openseal.core.clock import Clock
from openseal.core.keys.model import KeyStore
from openseal.core.pki import profiles
from openseal.core.pki.audit_signer import PkiAuditSigner
from openseal.core.pki.crl import CrlPublisher, RevocationRepos, is_ca, load_crl
from openseal.core.pki.issuance import Issuer, certificate_from_der, issue_certificate
from openseal.core.pki.ocsp import OcspResponder
from openseal.core.pki.profiles import CertificateProfile, CertificateRole
from openseal.core.pki.report_key import ReportKey, report_key
from openseal.core.pki.sm2_hierarchy import Sm2Hierarchy
from openseal.core.pki.sm2_ocsp import SM2_CA_ROLES
from openseal.core.pki.tsa import TimestampAuthority, TsaIdentity
from openseal.core.records import CertificateRecord, CrlRecord, InstanceRecord
from openseal.errors import Conflict, NotFound


def not_initialised() -> NotFound:
    return NotFound("NOT_INITIALISED", "实例尚未初始化，请先运行 openseal init",
                    "The instance is not initialised; run `openseal init` first")


def sandbox_mismatch(sandbox: bool) -> Conflict:
    if sandbox:
        return Conflict("SANDBOX_CA_MISMATCH",
                        "单位处于沙箱模式，但其印章签发CA不是测试CA，不能签发测试印章证书",
                        "The organisation is in sandbox mode but its issuing CA is not the "
                        "test CA, so it cannot issue a test seal certificate")
    return Conflict("SANDBOX_CA_MISMATCH",
                    "单位的印章签发CA是测试CA，只能签发测试印章证书",
                    "The organisation's issuing CA is the test CA; it can only issue test "
                    "seal certificates")


# A responder certificate this close to its end is replaced on the next OCSP request.
OCSP_RENEW_BEFORE = timedelta(days=30)


class PkiService:
    def __init__(
        self, repos: RevocationRepos, keystore: KeyStore, clock: Clock,
        recorder: AuditRecorder | None = None,
    ) -> None:
        self._repos = repos
        self._keys = keystore
        self._clock = clock
        self._recorder = recorder

    def init_instance(self, name: str) -> InstanceRecord:
        """Create the platform root CA, the TSA and audit certificates and the sandbox root
        (made now so that concurrent first registrations cannot race to make two).
        Conflict if done before."""
        if self._repos.get_instance() is not None:
            raise Conflict("ALREADY_INITIALISED", "实例已初始化", "The instance is initialised")
        root = self._issue(profiles.root_ca_profile(name), None, org_id=None)
        self.ocsp_responder(root)
        tsa = self._issue(profiles.tsa_profile(name), root, org_id=None)
        audit = self._issue(profiles.audit_profile(name), root, org_id=None)
        record = InstanceRecord(name, root.id, tsa.id, self._clock.now(), audit.id)
        self._repos.add_instance(record)
        if self._recorder is not None:
            self._recorder.record("instance.init", target=f"instance:{name}",
                                  details={"root_cert": root.id, "tsa_cert": tsa.id,
                                           "audit_cert": audit.id})
        self.test_root()
        return record

    def audit_signer(self) -> PkiAuditSigner:
        """The checkpoint signer; issues the audit certificate for instances made before it."""
        instance = self._instance()
        cert_id = instance.audit_cert_id
        if cert_id is None:
            root = self._cert(instance.root_cert_id)
            cert_id = self._issue(profiles.audit_profile(instance.name), root, org_id=None).id
            self._repos.set_audit_certificate(cert_id)
        record = self._cert(cert_id)
        assert record.key_id is not None
        chain = (record.der, *(c.dump() for c in self.chain(cert_id)))
        log_id = hashlib.sha256(self._cert(instance.root_cert_id).der).hexdigest()[:32]
        return PkiAuditSigner(log_id, record.key_id, self._keys, chain,
                              self.timestamp_authority())

    def report_signer(self) -> ReportKey:
        """The key that signs verification reports (role "report"): issued by the root on
        first use, then reused (see ``report_key``)."""
        instance = self._instance()
        return report_key(self._repos, self._clock, instance.name, self.chain,
                          self.timestamp_authority(),
                          lambda: self._issue(profiles.report_profile(instance.name),
                                              self._cert(instance.root_cert_id), org_id=None))

    def issue_org_ca(
        self, org_id: str, org_name: str, uscc: str, *, sandbox: bool = False
    ) -> CertificateRecord:
        """The organisation's issuing CA: under the test root when ``sandbox``."""
        root = self.test_root() if sandbox else self._cert(self._instance().root_cert_id)
        profile = profiles.org_ca_profile(org_name, uscc, sandbox=sandbox)
        ca = self._issue(profile, root, org_id=org_id)
        self.ocsp_responder(ca)
        return ca

    def issue_seal_certificate(
        self, org_ca_id: str, seal_name: str, org_name: str, uscc: str, base_url: str, *,
        sandbox: bool = False, algorithm: str = "ecdsa", key_prefix: str = "",
    ) -> CertificateRecord:
        """A seal certificate from the organisation's CA over a new ``algorithm`` key
        ("ecdsa" or "rsa"; an SM2 CA issues SM2); Conflict if the CA's side (test or
        production) is not the seal's. ``key_prefix`` starts the new key's id: "pkcs11:"
        puts the key in the PKCS#11 token (``openseal.core.keys.stores``)."""
        org_ca = self._cert(org_ca_id)
        if self._under_test_root(org_ca) != sandbox:
            raise sandbox_mismatch(sandbox)
        if org_ca.role is CertificateRole.SM2_ORG_CA:  # an SM2 seal's renewal
            return self.sm2().seal_certificate(org_ca, seal_name, org_name, uscc, base_url,
                                               sandbox=sandbox)
        profile = profiles.seal_profile(seal_name, org_name, uscc, base_url,
                                        org_ca.org_id or "", sandbox=sandbox)
        return self._issue(profile, org_ca, org_id=org_ca.org_id, algorithm=algorithm,
                           key_prefix=key_prefix)

    def trust_anchors(self) -> list[x509.Certificate]:
        """The production root only: the test root is never a trust anchor. The SM2 root is
        not here either (pyHanko, which validates PDFs with these, cannot read SM2): see
        ``sm2_anchors``."""
        return [certificate_from_der(self._cert(self._instance().root_cert_id).der)]

    def sm2(self) -> Sm2Hierarchy:
        """The SM2 hierarchy (GB/T 38540 seals): made with the first SM2 seal."""
        return Sm2Hierarchy(self._repos, self._keys, self._clock, self._recorder,
                            self._instance, self._cert)

    def sm2_anchors(self) -> list[x509.Certificate]:
        """The production SM2 root, once made: what OFD seal verifiers trust (never
        creates it; never the sandbox SM2 root)."""
        return [certificate_from_der(der) for der in self.sm2().anchors()]

    def sm2_root_and_maker(self) -> tuple[x509.Certificate, x509.Certificate]:
        """The production SM2 root and seal maker certificates, to publish (never creates
        them): NotFound SM2_ROOT_NOT_MADE before the first SM2 seal."""
        instance = self._instance()
        if instance.sm2_root_cert_id is None or instance.sm2_maker_cert_id is None:
            raise NotFound("SM2_ROOT_NOT_MADE",
                           "尚无国密（SM2）根证书：它随第一枚 SM2 印章创建",
                           "There is no SM2 root yet: it is made with the first SM2 seal")
        return (certificate_from_der(self._cert(instance.sm2_root_cert_id).der),
                certificate_from_der(self._cert(instance.sm2_maker_cert_id).der))

    def test_root(self) -> CertificateRecord:
        """The sandbox root CA, created on first use (its subject says TEST)."""
        instance = self._instance()
        if instance.test_root_cert_id is not None:
            return self._cert(instance.test_root_cert_id)
        root = self._issue(profiles.sandbox_root_profile(instance.name), None, org_id=None)
        self._repos.set_test_root_certificate(root.id)
        self.ocsp_responder(root)
        return root

    def test_anchors(self) -> list[x509.Certificate]:
        """The sandbox root, if one was made: test seals chain to it (never creates it)."""
        cert_id = self._instance().test_root_cert_id
        return [] if cert_id is None else [certificate_from_der(self._cert(cert_id).der)]

    def chain(self, cert_id: str) -> tuple[x509.Certificate, ...]:
        """The certificate's issuers, nearest first, up to and including the root."""
        chain: list[x509.Certificate] = []
        record = self._cert(cert_id)
        while record.issuer_id is not None and record.issuer_id != record.id:
            record = self._cert(record.issuer_id)
            chain.append(certificate_from_der(record.der))
        return tuple(chain)

    def certificate_serial(self, cert_id: str) -> str:
        return self._cert(cert_id).serial_hex

    def certificate(self, cert_id: str) -> x509.Certificate:
        return certificate_from_der(self._cert(cert_id).der)

    def timestamp_authority(self) -> TimestampAuthority:
        record = self._cert(self._instance().tsa_cert_id)
        assert record.key_id is not None
        identity = TsaIdentity(record.key_id, certificate_from_der(record.der),
                               self.chain(record.id))
        return TimestampAuthority(identity, self._keys, self._clock)

    # CRL and OCSP ------------------------------------------------------------------------
    def crl_issuer(self, ref: str) -> CertificateRecord:
        """The CA whose CRL ``/api/v1/pki/crl/{ref}.crl`` publishes: "root", "test-root",
        "sm2-root", "sm2-test-root", an organisation id (its current CA) or a CA certificate
        id (an SM2 CA's certificates name it so). NotFound otherwise."""
        instance = self._instance()
        special = {"root": instance.root_cert_id, "test-root": instance.test_root_cert_id,
                   "sm2-root": instance.sm2_root_cert_id,
                   "sm2-test-root": instance.sm2_test_root_cert_id}
        org = self._repos.get_organization(ref) if ref not in special else None
        cert_id = special.get(ref) or (org.ca_cert_id if org and org.id == ref else ref)
        record = self._repos.get_certificate(cert_id) if cert_id else None
        if record is None or not (is_ca(record) or self.sm2().is_sm2_ca(record)):
            raise NotFound("CRL_NOT_FOUND", f"找不到 {ref} 的证书吊销列表",
                           f"No certificate revocation list for {ref}")
        return record

    def crl(self, ca: CertificateRecord) -> CrlRecord:
        """The CA's current CRL (read only: nothing is stored)."""
        return self._crls().current(ca)

    def publish_crl(self, ca_id: str) -> CrlRecord:
        """Issue the CA's next CRL now (after a certificate's status changed)."""
        record = self._crls().publish(self._cert(ca_id))
        if self._recorder is not None:
            self._recorder.record("crl.issue", org_id=self._cert(ca_id).org_id,
                                  target=f"cert:{ca_id}", details={"number": record.number})
        return record

    def revocation_lists(self) -> list[CertificateList]:
        """Current CRLs of every CA the instance holds: what the verifier checks our own
        seals against, locally (nothing is fetched)."""
        cas = [*self._repos.list_certificates("root-ca"), *self._repos.list_certificates("org-ca")]
        return [load_crl(self.crl(ca).der) for ca in cas]

    def sm2_revocation_lists(self) -> list[bytes]:
        """The current CRLs (DER, SM2-signed) of every SM2 CA the instance holds, production
        and sandbox: what an OFD verifier checks our own SM2 certificates against, locally
        (``sm2_x509.revoked_in``). Kept apart from ``revocation_lists`` (pyHanko's)."""
        cas = [ca for role in SM2_CA_ROLES for ca in self._repos.list_certificates(role.value)]
        return [self.crl(ca).der for ca in cas]

    def ocsp_respond(self, request_der: bytes) -> bytes:
        """RFC 6960: a DER OCSPResponse to a DER OCSPRequest (never raises on bad input)."""
        return OcspResponder(self._repos, self._keys, self._clock,
                             self.ocsp_responder).respond(request_der)

    def ocsp_responder(self, ca: CertificateRecord) -> CertificateRecord:
        """The CA's OCSP responder certificate. Issued with the CA; replaced on the first
        OCSP request ``OCSP_RENEW_BEFORE`` its end (and issued then for a CA made before
        OCSP existed): the only writes an OCSP request can cause."""
        current = self._repos.ocsp_responder(ca.id)
        if current is not None and (current.not_after - self._clock.now() > OCSP_RENEW_BEFORE
                                    or current.not_after >= ca.not_after):
            return current  # (a newer one could not outlive the CA either)
        if self.sm2().is_sm2_ca(ca):
            return self.sm2().ocsp_responder(ca)
        subject = certificate_from_der(ca.der).subject.native
        return self._issue(profiles.ocsp_responder_profile(subject), ca, org_id=ca.org_id)

    def _crls(self) -> CrlPublisher:
        return CrlPublisher(self._repos, self._keys, self._clock)

    def _instance(self) -> InstanceRecord:
        instance = self._repos.get_instance()
        if instance is None:
            raise not_initialised()
        return instance

    def _under_test_root(self, record: CertificateRecord) -> bool:
        instance = self._instance()
        test_roots = {instance.test_root_cert_id, instance.sm2_test_root_cert_id} - {None}
        while record.issuer_id is not None and record.issuer_id != record.id:
            record = self._cert(record.issuer_id)
        return record.id in test_roots

    def _cert(self, cert_id: str) -> CertificateRecord:
        record = self._repos.get_certificate(cert_id)
        if record is None:
            raise NotFound("CERT_NOT_FOUND", f"找不到证书 {cert_id}",
                           f"Certificate {cert_id} not found")
        return record

    def _issue(
        self, profile: CertificateProfile, issuer: CertificateRecord | None, org_id: str | None,
        algorithm: str = "ecdsa", key_prefix: str = "",
    ) -> CertificateRecord:
        cert_id = str(uuid.uuid4())
        key_id = f"{key_prefix}{profile.role.value}-{cert_id}"
        public_key = self._keys.generate_key(key_id, algorithm)
        if issuer is None:
            signer = Issuer(key_id, None)
        else:
            assert issuer.key_id is not None
            signer = Issuer(issuer.key_id, certificate_from_der(issuer.der))
        cert = issue_certificate(profile, public_key, signer, self._keys, self._clock.now())
        record = _record(cert_id, profile.role, cert, key_id,
                         issuer.id if issuer else cert_id, org_id)
        self._repos.add_certificate(record)
        if self._recorder is not None:
            self._recorder.record(
                "cert.issue", org_id=org_id, target=f"cert:{cert_id}",
                details={"role": profile.role.value, "serial": record.serial_hex,
                         "subject": record.subject, "issuer_cert": record.issuer_id,
                         "issuer_key": signer.key_id})
        return record


def _record(
    cert_id: str, role: CertificateRole, cert: x509.Certificate, key_id: str,
    issuer_id: str, org_id: str | None,
) -> CertificateRecord:
    validity = cert["tbs_certificate"]["validity"]
    return CertificateRecord(
        id=cert_id, role=role, der=cert.dump(), key_id=key_id, issuer_id=issuer_id,
        org_id=org_id, serial_hex=f"{cert.serial_number:x}", subject=cert.subject.human_friendly,
        not_before=validity["not_before"].native, not_after=validity["not_after"].native)
