"""CRLs and the OCSP responder, checked with an independent parser (cryptography) where the
answer is a signature or an encoding."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from asn1crypto import core, ocsp, x509
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp as cocsp

from openseal.core.clock import FixedClock
from openseal.core.pki.crl import CRL_VALIDITY, CrlPublisher
from openseal.core.pki.ocsp import MAX_CERT_IDS
from openseal.core.pki.profiles import CertificateRole
from openseal.core.seals.lifecycle import SealLifecycle
from openseal.errors import NotFound
from tests.support.instance import TestInstance


def cert_id(cert: x509.Certificate, issuer: x509.Certificate, algorithm: str = "sha1",
            serial: int | None = None) -> dict[str, object]:
    return {"hash_algorithm": {"algorithm": algorithm},
            "issuer_name_hash": hashlib.new(algorithm, issuer.subject.dump()).digest(),
            "issuer_key_hash": hashlib.new(
                algorithm, issuer.public_key["public_key"].contents[1:]).digest(),
            "serial_number": cert.serial_number if serial is None else serial}


def request(*ids: dict[str, object], nonce: bytes | None = None) -> bytes:
    tbs: dict[str, object] = {"request_list": [{"req_cert": i} for i in ids]}
    if nonce is not None:
        tbs["request_extensions"] = [{"extn_id": "nonce", "critical": False,
                                      "extn_value": core.OctetString(nonce)}]
    return ocsp.OCSPRequest({"tbs_request": tbs}).dump()


class Pki:
    def __init__(self, instance: TestInstance) -> None:
        self.instance = instance
        seal = instance.seals["contract"]
        with instance.wiring.context() as c:
            self.seal_cert = c.pki.certificate(seal.cert_id)
            self.org_ca = c.pki.chain(seal.cert_id)[0]
            self.root = c.pki.trust_anchors()[0]

    def ask(self, der: bytes) -> cocsp.OCSPResponse:
        with self.instance.wiring.context() as c:
            return cocsp.load_der_ocsp_response(c.pki.ocsp_respond(der))

    def seal_status(self, **kw: object) -> cocsp.OCSPResponse:
        return self.ask(request(cert_id(self.seal_cert, self.org_ca), **kw))  # type: ignore[arg-type]

    def lifecycle(self, action: str, *args: str) -> None:
        with self.instance.wiring.context() as c:
            life = SealLifecycle(c.repos, c.pki, c.keystore, c.clock, c.audit)
            getattr(life, action)(self.instance.seals["contract"].id, *args)

    def crl(self, ref: str) -> cx509.CertificateRevocationList:
        with self.instance.wiring.context() as c:
            return cx509.load_der_x509_crl(c.pki.crl(c.pki.crl_issuer(ref)).der)


@pytest.fixture()
def pki(fresh_instance: TestInstance) -> Pki:
    return Pki(fresh_instance)


def _public(cert: x509.Certificate) -> ec.EllipticCurvePublicKey:
    key = cx509.load_der_x509_certificate(cert.dump()).public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    return key


def test_crl_of_an_organisation_ca_is_signed_numbered_and_current(pki: Pki) -> None:
    first = pki.crl(pki.instance.org.id)
    assert first.is_signature_valid(_public(pki.org_ca))
    assert len(first) == 0
    number = first.extensions.get_extension_for_class(cx509.CRLNumber).value.crl_number
    aki = first.extensions.get_extension_for_class(cx509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == pki.org_ca.key_identifier
    assert first.next_update_utc - first.last_update_utc == CRL_VALIDITY
    assert pki.crl(pki.instance.org.id).tbs_certlist_bytes == first.tbs_certlist_bytes
    pki.lifecycle("revoke", "retired", "cessation_of_operation")
    after = pki.crl(pki.instance.org.id)
    assert after.extensions.get_extension_for_class(
        cx509.CRLNumber).value.crl_number > number
    entry = after.get_revoked_certificate_by_serial_number(pki.seal_cert.serial_number)
    assert entry is not None
    reason = entry.extensions.get_extension_for_class(cx509.CRLReason).value.reason
    assert reason == cx509.ReasonFlags.cessation_of_operation


def test_reading_a_crl_writes_nothing_and_it_is_resigned_daily(pki: Pki) -> None:
    with pki.instance.wiring.context() as c:
        ca = c.pki.crl_issuer(pki.instance.org.id)
        start = ca.not_before.replace(microsecond=0)
        day = [CrlPublisher(c.repos, c.keystore, FixedClock(start + timedelta(days=n, hours=1)))
               .current(ca) for n in (0, 0, 1, 5)]
        assert c.repos.latest_crl(ca.id) is None  # nothing stored by reading
        assert day[0].der == day[1].der  # signed once for the period (ECDSA would differ)
        assert [d.number for d in day] == [1, 1, 2, 6]
        assert [d.this_update - start for d in day] == [timedelta(days=n) for n in (0, 0, 1, 5)]
        later = FixedClock(start + timedelta(days=5, hours=2))
        published = CrlPublisher(c.repos, c.keystore, later).publish(ca)
        assert published.number == 7 and c.repos.latest_crl(ca.id) == published
        assert CrlPublisher(c.repos, c.keystore, later).current(ca) == published


def test_root_crl_and_unknown_crl(pki: Pki) -> None:
    root = pki.crl("root")
    assert root.is_signature_valid(_public(pki.root)) and len(root) == 0
    with pytest.raises(NotFound):
        pki.crl("no-such-org")
    with pki.instance.wiring.context() as c, pytest.raises(NotFound):
        c.pki.crl_issuer(pki.instance.seals["contract"].cert_id)  # a seal cert is no CA


def test_suspension_is_a_hold_and_resume_lifts_it(pki: Pki) -> None:
    pki.lifecycle("suspend", "seal reported lost")
    held = pki.crl(pki.instance.org.id).get_revoked_certificate_by_serial_number(
        pki.seal_cert.serial_number)
    assert held is not None
    assert held.extensions.get_extension_for_class(
        cx509.CRLReason).value.reason == cx509.ReasonFlags.certificate_hold
    single = pki.seal_status()
    assert single.certificate_status == cocsp.OCSPCertStatus.REVOKED
    assert single.revocation_reason == cx509.ReasonFlags.certificate_hold
    pki.lifecycle("resume", "found again")
    assert len(pki.crl(pki.instance.org.id)) == 0
    assert pki.seal_status().certificate_status == cocsp.OCSPCertStatus.GOOD


def test_ocsp_good_then_revoked_signed_by_a_delegated_responder(pki: Pki) -> None:
    good = pki.seal_status(nonce=b"0123456789abcdef")
    assert good.response_status == cocsp.OCSPResponseStatus.SUCCESSFUL
    assert good.certificate_status == cocsp.OCSPCertStatus.GOOD
    assert good.next_update_utc - good.this_update_utc == timedelta(hours=1)
    nonce = good.extensions.get_extension_for_class(cx509.OCSPNonce).value.nonce
    assert nonce == b"0123456789abcdef"
    responder = good.certificates[0]
    assert responder.issuer == cx509.load_der_x509_certificate(pki.org_ca.dump()).subject
    eku = responder.extensions.get_extension_for_class(cx509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [cx509.ExtendedKeyUsageOID.OCSP_SIGNING]
    assert responder.extensions.get_extension_for_class(cx509.OCSPNoCheck)
    key = responder.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    key.verify(good.signature, good.tbs_response_bytes, ec.ECDSA(hashes.SHA256()))
    pki.lifecycle("revoke", "key copied", "key_compromise")
    revoked = pki.seal_status()
    assert revoked.certificate_status == cocsp.OCSPCertStatus.REVOKED
    assert revoked.revocation_reason == cx509.ReasonFlags.key_compromise
    assert revoked.revocation_time_utc is not None
    assert revoked.certificates[0] == responder  # one responder per CA, reused
    with pytest.raises(cx509.ExtensionNotFound):
        revoked.extensions.get_extension_for_class(cx509.OCSPNonce)  # none asked, none sent


def test_one_responder_per_ca_issued_with_the_ca(pki: Pki) -> None:
    with pki.instance.wiring.context() as c:
        before = c.repos.list_certificates(CertificateRole.OCSP.value)
    pki.seal_status()
    pki.ask(request(cert_id(pki.org_ca, pki.root)))
    with pki.instance.wiring.context() as c:
        responders = c.repos.list_certificates(CertificateRole.OCSP.value)
        cas = c.repos.list_certificates("root-ca") + c.repos.list_certificates("org-ca")
    assert responders == before  # answering issued nothing
    assert sorted(r.issuer_id or "" for r in responders) == sorted(ca.id for ca in cas)


@pytest.mark.parametrize("algorithm", ["sha1", "sha256"])
def test_ocsp_answers_for_the_root_and_in_either_hash(pki: Pki, algorithm: str) -> None:
    answer = pki.ask(request(cert_id(pki.org_ca, pki.root, algorithm)))
    assert answer.certificate_status == cocsp.OCSPCertStatus.GOOD
    assert answer.hash_algorithm.name == algorithm


def test_unknown_serial_unknown_issuer_and_malformed(pki: Pki) -> None:
    unknown = pki.ask(request(cert_id(pki.seal_cert, pki.org_ca, serial=12345)))
    assert unknown.certificate_status == cocsp.OCSPCertStatus.UNKNOWN
    foreign = pki.ask(request(cert_id(pki.seal_cert, pki.seal_cert)))  # not one of our CAs
    assert foreign.response_status == cocsp.OCSPResponseStatus.UNAUTHORIZED
    mixed = pki.ask(request(cert_id(pki.seal_cert, pki.org_ca), cert_id(pki.org_ca, pki.root)))
    assert mixed.response_status == cocsp.OCSPResponseStatus.UNAUTHORIZED
    too_many = request(*[cert_id(pki.seal_cert, pki.org_ca)] * (MAX_CERT_IDS + 1))
    for bad in (b"", b"junk", b"\x30\x03\x02\x01\x01", too_many,
                request(cert_id(pki.seal_cert, pki.org_ca, "md5"))):
        assert pki.ask(bad).response_status == cocsp.OCSPResponseStatus.MALFORMED_REQUEST


def test_revocation_lists_cover_every_ca(pki: Pki) -> None:
    with pki.instance.wiring.context() as c:
        crls = c.pki.revocation_lists()
        cas = c.repos.list_certificates("root-ca") + c.repos.list_certificates("org-ca")
    assert {c["tbs_cert_list"]["issuer"].dump() for c in crls} == {
        x509.Certificate.load(ca.der).subject.dump() for ca in cas}
