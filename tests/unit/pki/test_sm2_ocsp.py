"""OCSP for SM2 certificates (issue 9: "an SM2 hierarchy ... with CRL and OCSP as for the
others"): SM2 seal certificates carry the OCSP URL; the responder answers for every SM2 CA
with an SM2-signed BasicOCSPResponse from a delegated SM2 responder. Every answer is checked
independently: parsed with asn1crypto and `openssl ocsp`, the SM2 signature verified with
gmalglib and `openssl dgst`, CertIDs hashed with hashlib and gmalglib's SM3."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from asn1crypto import ocsp, x509

from openseal.core.clock import FixedClock
from openseal.core.pki import profiles
from openseal.core.pki.ocsp import NEXT_UPDATE
from openseal.core.pki.profiles import TEST_UNIT, CertificateRole
from openseal.core.pki.service import PkiService
from openseal.core.pki.sm2_ocsp import sign_response
from openseal.core.pki.sm2_x509 import crl_signature_valid, load_crl, revoked_in
from openseal.core.records import SealRecord
from openseal.core.seals.lifecycle import SealLifecycle
from openseal.core.seals.service import SealOrder, create_seal
from openseal.errors import IntegrityViolation
from tests.support import sm2_ocsp as check
from tests.support.instance import TestInstance, make_instance
from tests.support.sandbox import SANDBOX_ORG_NAME, add_sandbox_org


def sm2_seal(instance: TestInstance, name: str, org_id: str | None = None) -> SealRecord:
    order = SealOrder(org_id or instance.org.id, "contract", name, algorithm="sm2")
    with instance.wiring.context() as c:
        return create_seal(c.repos, c.pki, c.clock, order, instance.wiring.settings.base_url,
                           audit=c.audit)


@dataclass
class Sm2Seal:
    """An SM2 seal of ``instance``: its certificate, its SM2 CA and the SM2 root."""

    instance: TestInstance
    seal: SealRecord
    cert: x509.Certificate
    ca: x509.Certificate
    root: x509.Certificate
    ca_id: str

    @classmethod
    def make(cls, instance: TestInstance, name: str, org_id: str | None = None) -> Sm2Seal:
        seal = sm2_seal(instance, name, org_id)
        with instance.wiring.context() as c:
            ca, root = c.pki.chain(seal.cert_id)
            record = c.repos.get_certificate(seal.cert_id)
            assert record is not None and record.issuer_id is not None
            return cls(instance, seal, c.pki.certificate(seal.cert_id), ca, root,
                       record.issuer_id)

    def crl(self) -> bytes:
        with self.instance.wiring.context() as c:
            return c.pki.crl(c.pki.crl_issuer(self.ca_id)).der

    def ask(self, der: bytes) -> bytes:
        with self.instance.wiring.context() as c:
            return c.pki.ocsp_respond(der)

    def status(self, algorithm: str = "sha1", nonce: bytes | None = None) -> bytes:
        return self.ask(check.request(check.cert_id(self.cert, self.ca, algorithm),
                                      nonce=nonce))

    def act(self, action: str, *args: str) -> None:
        with self.instance.wiring.context() as c:
            life = SealLifecycle(c.repos, c.pki, c.keystore, c.clock, c.audit)
            getattr(life, action)(self.seal.id, "测试 test", *args)


def single(der: bytes) -> ocsp.SingleResponse:
    [answer] = check.parsed(der).response_data["responses"]
    return answer


def state(der: bytes) -> str:
    return str(single(der)["cert_status"].name)


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> TestInstance:
    return make_instance(tmp_path_factory.mktemp("sm2-ocsp"))


@pytest.fixture(scope="module")
def sm2(instance: TestInstance) -> Sm2Seal:
    return Sm2Seal.make(instance, "SM2合同专用章")


def test_sm2_seal_certificates_carry_the_ocsp_url_and_their_crl(sm2: Sm2Seal) -> None:
    base = sm2.instance.wiring.settings.base_url
    assert sm2.cert.ocsp_urls == [profiles.ocsp_url(base)]
    [point] = sm2.cert.crl_distribution_points
    assert point["distribution_point"].native == [profiles.crl_url(base, sm2.ca_id)]
    assert crl_signature_valid(sm2.crl(), sm2.ca.dump())  # the URL's reference resolves


def test_a_good_answer_is_sm2_signed_by_a_delegated_responder(sm2: Sm2Seal,
                                                             tmp_path: Path) -> None:
    der = sm2.status(nonce=b"sm2-nonce-0123456")
    response = check.parsed(der)
    assert response["response_status"].native == "successful"
    basic = response.basic_ocsp_response
    algorithm = basic["signature_algorithm"]
    assert algorithm["algorithm"].dotted == check.SM2_WITH_SM3
    assert algorithm["parameters"].contents in (None, b"")  # absent, as in the certificates
    assert check.sm2_signature_verifies(der) and check.openssl_verifies(der, tmp_path)
    responder, ca = basic["certs"]
    assert ca.dump() == sm2.ca.dump()
    assert responder.issuer == sm2.ca.subject and check.certificate_signed_by(responder, sm2.ca)
    assert responder.extended_key_usage_value.native == ["ocsp_signing"]
    assert "extended_key_usage" in responder.critical_extensions
    assert responder.ocsp_no_check_value is not None and responder.ca is False
    assert responder.key_usage_value.native == {"digital_signature"}
    data = response.response_data
    assert data["responder_id"].chosen.native == hashlib.sha1(  # noqa: S324 - RFC 6960 KeyHash
        responder.public_key["public_key"].contents[1:]).digest()
    answer = single(der)
    assert answer["cert_status"].name == "good"
    assert answer["next_update"].native - answer["this_update"].native == NEXT_UPDATE
    [nonce] = data["response_extensions"]
    assert nonce["extn_value"].native == b"sm2-nonce-0123456"
    text = check.openssl_text(der, tmp_path)
    assert "Cert Status: good" in text and "SM2-with-SM3" in text and "OCSP Nonce" in text


@pytest.mark.parametrize("algorithm", ["sha1", "sha256", "sm3"])
def test_cert_ids_in_sha1_sha256_and_sm3_are_matched(sm2: Sm2Seal, algorithm: str) -> None:
    der = sm2.status(algorithm)
    assert state(der) == "good" and check.sm2_signature_verifies(der)
    echoed = single(der)["cert_id"]
    assert echoed.dump() == ocsp.CertId(check.cert_id(sm2.cert, sm2.ca, algorithm)).dump()


def test_suspended_is_a_hold_resumed_is_good_revoked_is_revoked(
        db_instance: TestInstance, tmp_path: Path) -> None:
    sm2 = Sm2Seal.make(db_instance, "SM2挂失章")
    sm2.act("suspend")
    held = sm2.status("sm3")
    info = single(held)["cert_status"].chosen
    assert state(held) == "revoked" and info["revocation_reason"].native == "certificate_hold"
    assert check.sm2_signature_verifies(held)
    assert "certificateHold" in check.openssl_text(held, tmp_path)
    sm2.act("resume")
    assert state(sm2.status()) == "good"
    sm2.act("revoke", "key_compromise")
    revoked = sm2.status("sha256")
    info = single(revoked)["cert_status"].chosen
    assert info["revocation_reason"].native == "key_compromise"
    with db_instance.wiring.context() as c:
        record = c.repos.revocation_of(sm2.seal.cert_id)
    assert record is not None and check.sm2_signature_verifies(revoked)
    assert info["revocation_time"].native == record.revoked_at.replace(microsecond=0)
    assert revoked_in(sm2.cert.dump(), sm2.crl(), sm2.ca.dump(), record.revoked_at)  # agrees


def test_unknown_serial_wrong_issuer_and_garbage(instance: TestInstance,
                                                 sm2: Sm2Seal) -> None:
    unknown = sm2.ask(check.request(check.cert_id(sm2.cert, sm2.ca, "sm3", serial=12345)))
    assert state(unknown) == "unknown" and check.sm2_signature_verifies(unknown)
    ecdsa_ca = instance.roots[0]
    refused = [
        check.cert_id(sm2.cert, sm2.ca, key_of=sm2.root),  # the wrong issuer key hash
        check.cert_id(sm2.cert, sm2.ca, "sm3", key_of=sm2.cert),
        check.cert_id(sm2.cert, sm2.cert),  # a seal certificate is no CA
    ]
    for cert_id in refused:
        answer = check.parsed(sm2.ask(check.request(cert_id)))
        assert answer["response_status"].native == "unauthorized"
        assert answer["response_bytes"].native is None  # unsigned, RFC 6960 §2.3
    mixed = check.request(check.cert_id(sm2.cert, sm2.ca), check.cert_id(sm2.ca, sm2.root))
    assert check.parsed(sm2.ask(mixed))["response_status"].native == "unauthorized"
    with_ecdsa = check.request(check.cert_id(sm2.cert, sm2.ca),
                               check.cert_id(ecdsa_ca, ecdsa_ca))
    assert check.parsed(sm2.ask(with_ecdsa))["response_status"].native == "unauthorized"
    for bad in (b"", b"garbage", b"\x30\x03\x02\x01\x01",
                check.request(check.cert_id(sm2.cert, sm2.ca, "md5"))):
        answer = check.parsed(sm2.ask(bad))
        assert answer["response_status"].native == "malformed_request"


def test_the_sm2_root_answers_for_the_maker_and_the_organisation_ca(
        instance: TestInstance, sm2: Sm2Seal) -> None:
    with instance.wiring.context() as c:
        _, maker = c.pki.sm2_root_and_maker()
    for cert in (maker, sm2.ca):
        der = sm2.ask(check.request(check.cert_id(cert, sm2.root, "sm3")))
        assert state(der) == "good" and check.sm2_signature_verifies(der)
        [responder] = check.parsed(der).basic_ocsp_response["certs"]  # no CA below a root
        assert responder.issuer == sm2.root.subject
        assert check.certificate_signed_by(responder, sm2.root)
    itself = sm2.ask(check.request(check.cert_id(sm2.root, sm2.root)))
    assert state(itself) == "unknown"  # a root is nobody's issued certificate


def test_a_sandbox_sm2_seal_is_answered_by_its_test_ca(instance: TestInstance) -> None:
    org = add_sandbox_org(instance, SANDBOX_ORG_NAME + "SM2", "91310000MA1FL0001R")
    sandbox = Sm2Seal.make(instance, "SM2测试合同章", org.id)
    assert sandbox.ca.subject.native["organizational_unit_name"] == TEST_UNIT
    der = sandbox.status("sm3")
    assert state(der) == "good" and check.sm2_signature_verifies(der)
    responder, ca = check.parsed(der).basic_ocsp_response["certs"]
    assert ca.dump() == sandbox.ca.dump() and responder.issuer == sandbox.ca.subject
    assert responder.subject.native["organizational_unit_name"] == TEST_UNIT


def test_responders_come_with_the_sm2_cas_and_are_renewed_when_due(
        fresh_instance: TestInstance) -> None:
    sm2 = Sm2Seal.make(fresh_instance, "SM2续签响应者章")

    def responders() -> dict[str, list[str]]:
        with fresh_instance.wiring.context() as c:
            found: dict[str, list[str]] = {}
            for r in c.repos.list_certificates(CertificateRole.OCSP.value):
                found.setdefault(r.issuer_id or "", []).append(r.id)
            return found

    with fresh_instance.wiring.context() as c:
        sm2_cas = [r.id for role in ("sm2-root-ca", "sm2-org-ca")
                   for r in c.repos.list_certificates(role)]
    before = responders()
    assert all(len(before.get(ca, [])) == 1 for ca in sm2_cas)  # made with each SM2 CA
    first = sm2.status()
    assert responders() == before  # answering issued nothing
    later = timedelta(days=70)  # the 90-day responder is then due for renewal
    with fresh_instance.wiring.context() as c:
        pki = PkiService(c.repos, c.keystore, FixedClock(c.clock.now() + later), c.audit)
        renewed = pki.ocsp_respond(check.request(check.cert_id(sm2.cert, sm2.ca)))
    after = responders()
    assert [ca for ca in sm2_cas if len(after[ca]) == 2] == [sm2.ca_id]  # only the one asked
    assert state(renewed) == "good" and check.sm2_signature_verifies(renewed)
    old = check.parsed(first).basic_ocsp_response["certs"][0]
    new = check.parsed(renewed).basic_ocsp_response["certs"][0]
    assert new.dump() != old.dump() and check.certificate_signed_by(new, sm2.ca)


def test_a_key_that_is_not_the_responders_never_signs(instance: TestInstance,
                                                      sm2: Sm2Seal) -> None:
    responder = check.parsed(sm2.status()).basic_ocsp_response["certs"][0]
    with instance.wiring.context() as c:
        seal_key = c.repos.get_certificate(sm2.seal.cert_id)
        assert seal_key is not None and seal_key.key_id is not None
        with pytest.raises(IntegrityViolation) as refused:
            sign_response(c.keystore, seal_key.key_id, responder, b"tbsResponseData")
    assert refused.value.code == "SM2_OCSP_KEY_MISMATCH"


def test_sm2_revocation_lists_cover_every_sm2_ca(instance: TestInstance, sm2: Sm2Seal) -> None:
    with instance.wiring.context() as c:
        crls = c.pki.sm2_revocation_lists()
        cas = [r for role in ("sm2-root-ca", "sm2-org-ca")
               for r in c.repos.list_certificates(role)]
    by_issuer = {load_crl(crl)["tbs_cert_list"]["issuer"].dump(): crl for crl in crls}
    assert len(crls) == len(cas) and sm2.ca.subject.dump() in by_issuer
    for ca in cas:
        subject = x509.Certificate.load(ca.der).subject.dump()
        assert crl_signature_valid(by_issuer[subject], ca.der)
    assert instance.roots[0].subject.dump() not in by_issuer  # the ECDSA ones stay apart
