"""SM2 seals made by the platform (issue 9): the instance's SM2 hierarchy (root, seal maker,
organisation SM2 CAs), the seal's GB/T 38540 .esl, its CRL, renewal, and PDF refusal."""

from __future__ import annotations

import subprocess
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from asn1crypto import x509

from openseal.core.ofd.ses import maker_signature_valid, read_seal
from openseal.core.pki.profiles import TEST_UNIT, CertificateRole
from openseal.core.pki.sm2_chain import sm2_chain
from openseal.core.pki.sm2_x509 import crl_signature_valid, load_crl, revoked_in
from openseal.core.records import CertificateRecord, SealRecord
from openseal.core.seals.lifecycle import SealLifecycle
from openseal.core.seals.service import SealOrder, create_seal
from openseal.core.signing.pdf import SealRequest
from openseal.core.signing.placement import Placement
from openseal.core.signing.service import seal_document
from openseal.errors import Conflict, InvalidInput
from openseal.interfaces.cli.operator import operator
from tests.support.instance import ORG_NAME, ORG_USCC, TestInstance, make_instance
from tests.support.pdfs import reportlab_pdf
from tests.support.sandbox import add_sandbox_org
from tests.support.tools import require_tool


def sm2_seal(instance: TestInstance, org_id: str | None = None, seal_type: str = "contract",
             name: str = "SM2合同专用章") -> SealRecord:
    order = SealOrder(org_id or instance.org.id, seal_type, name, algorithm="sm2")
    with instance.wiring.context() as c:
        return create_seal(c.repos, c.pki, c.clock, order, instance.wiring.settings.base_url,
                           audit=c.audit)


def cert_record(instance: TestInstance, cert_id: str) -> CertificateRecord:
    with instance.wiring.context() as c:
        record = c.repos.get_certificate(cert_id)
    assert record is not None
    return record


def chain_of(instance: TestInstance, cert_id: str) -> list[bytes]:
    with instance.wiring.context() as c:
        return [cert.dump() for cert in c.pki.chain(cert_id)]


def sm2_roots(instance: TestInstance) -> list[bytes]:
    with instance.wiring.context() as c:
        return [cert.dump() for cert in c.pki.sm2_anchors()]


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> TestInstance:
    return make_instance(tmp_path_factory.mktemp("sm2-instance"))


def test_an_sm2_seal_has_a_v4_esl_made_by_the_platform_maker(db_instance: TestInstance
                                                               ) -> None:
    assert sm2_roots(db_instance) == []  # nothing SM2 until the first SM2 seal
    seal = sm2_seal(db_instance)
    assert seal.algorithm == "sm2" and seal.esl is not None and seal.es_id is not None
    esl = read_seal(seal.esl)
    assert (esl.version, esl.vendor, esl.seal_type, esl.name) == (4, "OpenSeal", 4,
                                                                  "SM2合同专用章")
    assert esl.es_id == seal.es_id and len(esl.es_id) == 14 and esl.es_id.isdigit()
    assert esl.es_id.startswith(ORG_USCC[2:8])  # the division code of the credit code
    assert maker_signature_valid(esl)
    cert = cert_record(db_instance, seal.cert_id)
    assert esl.cert_list_type == 1 and esl.signer_certs == (cert.der,)
    assert (esl.valid_from, esl.valid_until) == (cert.not_before, cert.not_after)
    assert esl.created == cert.not_before
    assert esl.picture.kind == "PNG" and esl.picture.data == seal.artwork.png
    assert esl.picture.width_mm == round(seal.artwork.width_mm) > 0
    now = datetime.now(UTC)
    [root] = sm2_roots(db_instance)
    chained = sm2_chain(cert.der, chain_of(db_instance, seal.cert_id), [root], now)
    assert chained.ok, chained.en
    assert len(chained.path) == 3 and chained.path[-1] == root
    maker = sm2_chain(esl.maker_cert, [], [root], now)
    assert maker.ok, maker.en
    maker_cert = x509.Certificate.load(esl.maker_cert)
    assert maker_cert.key_usage_value.native == {"digital_signature", "non_repudiation"}
    assert maker_cert.ca is False and "Seal Maker" in maker_cert.subject.native["common_name"]


def test_the_hierarchy_is_made_once_and_kept_apart_from_pdf_anchors(
        instance: TestInstance) -> None:
    first, second = sm2_seal(instance), sm2_seal(instance, seal_type="official", name="SM2公章")
    assert first.es_id is not None and second.es_id is not None
    assert int(second.es_id) == int(first.es_id) + 1
    assert read_seal(second.esl or b"").seal_type == 1
    ca1 = cert_record(instance, cert_record(instance, first.cert_id).issuer_id or "")
    ca2 = cert_record(instance, cert_record(instance, second.cert_id).issuer_id or "")
    assert ca1.id == ca2.id and ca1.role is CertificateRole.SM2_ORG_CA
    assert x509.Certificate.load(ca1.der).max_path_length == 0
    assert read_seal(first.esl or b"").maker_cert == read_seal(second.esl or b"").maker_cert
    with instance.wiring.context() as c:
        roots = [r for r in c.repos.list_certificates(CertificateRole.SM2_ROOT_CA.value)]
        pdf_anchors = [a.dump() for a in c.pki.trust_anchors()]
        crls = c.pki.revocation_lists()
        info = c.repos.get_instance()
    assert len(roots) == 1 and info is not None and info.sm2_root_cert_id == roots[0].id
    assert roots[0].der not in pdf_anchors and len(pdf_anchors) == 1
    assert all(crl["tbs_cert_list"]["issuer"] != x509.Certificate.load(ca1.der).subject
               for crl in crls)  # pyHanko never sees an SM2 CRL
    subject = x509.Certificate.load(cert_record(instance, first.cert_id).der).subject.native
    assert subject["organization_identifier"] == ORG_USCC
    assert subject["organization_name"] == ORG_NAME and subject["common_name"] == "SM2合同专用章"


def test_an_ecdsa_seal_is_unchanged(instance: TestInstance) -> None:
    seal = instance.seals["contract"]
    assert (seal.algorithm, seal.esl, seal.es_id) == ("ecdsa", None, None)


@pytest.mark.parametrize(("algorithm", "words"), [("rsa2", "Unknown seal algorithm"),
                                                   ("dsa", "Unknown seal algorithm")])
def test_other_algorithms_are_refused(instance: TestInstance, algorithm: str,
                                      words: str) -> None:
    order = SealOrder(instance.org.id, "contract", "x", algorithm=algorithm)
    with instance.wiring.context() as c, pytest.raises(InvalidInput) as refused:
        create_seal(c.repos, c.pki, c.clock, order, "https://x", audit=c.audit)
    assert refused.value.code == "SEAL_ALGORITHM" and words in refused.value.en


def sm2_crl_of(instance: TestInstance, seal: SealRecord) -> tuple[bytes, bytes]:
    """(the current CRL of the seal's SM2 CA, that CA's certificate), from its URL ref."""
    ca_id = cert_record(instance, seal.cert_id).issuer_id or ""
    with instance.wiring.context() as c:
        ca = c.pki.crl_issuer(ca_id)
        return c.pki.crl(ca).der, ca.der


def listed(crl_der: bytes) -> dict[int, str]:
    entries = load_crl(crl_der)["tbs_cert_list"]["revoked_certificates"]
    return {e["user_certificate"].native: e["crl_entry_extensions"][0]["extn_value"].native
            for e in entries}


def test_suspending_and_revoking_show_in_the_sm2_crl(db_instance: TestInstance) -> None:
    seal = sm2_seal(db_instance)
    cert = cert_record(db_instance, seal.cert_id)
    serial = int(cert.serial_hex, 16)
    crl, ca = sm2_crl_of(db_instance, seal)
    assert crl_signature_valid(crl, ca) and serial not in listed(crl)
    url = x509.Certificate.load(cert.der).crl_distribution_points[0]["distribution_point"]
    assert url.native[0].endswith(f"/api/v1/pki/crl/{cert.issuer_id}.crl")

    def act(name: str, *args: str) -> None:
        with db_instance.wiring.context() as c:
            lifecycle = SealLifecycle(c.repos, c.pki, c.keystore, c.clock, c.audit)
            getattr(lifecycle, name)(seal.id, "测试 test", *args)

    act("suspend")
    crl, ca = sm2_crl_of(db_instance, seal)
    assert crl_signature_valid(crl, ca) and listed(crl)[serial] == "certificate_hold"
    act("resume")
    assert serial not in listed(sm2_crl_of(db_instance, seal)[0])
    act("revoke", "key_compromise")
    crl, ca = sm2_crl_of(db_instance, seal)
    assert crl_signature_valid(crl, ca) and listed(crl)[serial] == "key_compromise"
    assert revoked_in(cert.der, crl, ca, datetime.now(UTC)) is True


def test_renewing_an_sm2_seal_makes_a_new_esl_with_the_new_certificate(
        instance: TestInstance) -> None:
    seal = sm2_seal(instance, name="SM2续期章")
    with instance.wiring.context() as c:
        done = SealLifecycle(c.repos, c.pki, c.keystore, c.clock, c.audit).renew(
            seal.id, "到期 renewal", instance.wiring.settings.base_url)
    renewed = done.seal
    assert renewed.cert_id != seal.cert_id and renewed.es_id == seal.es_id
    assert renewed.esl is not None and renewed.esl != seal.esl
    esl = read_seal(renewed.esl)
    new = cert_record(instance, renewed.cert_id)
    assert esl.signer_certs == (new.der,) and maker_signature_valid(esl)
    assert esl.valid_until == new.not_after and esl.es_id == seal.es_id
    assert new.issuer_id == cert_record(instance, seal.cert_id).issuer_id
    chained = sm2_chain(new.der, chain_of(instance, new.id), sm2_roots(instance),
                        datetime.now(UTC))
    assert chained.ok, chained.en


def test_a_sandbox_sm2_seal_chains_to_the_sm2_test_root_only(instance: TestInstance) -> None:
    org = add_sandbox_org(instance)
    seal = sm2_seal(instance, org.id)
    assert seal.sandbox
    cert = cert_record(instance, seal.cert_id)
    assert x509.Certificate.load(cert.der).subject.native["organizational_unit_name"] == \
        TEST_UNIT
    now = datetime.now(UTC)
    chain = chain_of(instance, seal.cert_id)
    refused = sm2_chain(cert.der, chain, sm2_roots(instance), now)
    assert not refused.ok and refused.code == "SM2_NO_TRUST_ANCHOR"
    with instance.wiring.context() as c:
        test_roots = c.pki.sm2().test_anchors()
    assert sm2_chain(cert.der, chain, test_roots, now).ok
    esl = read_seal(seal.esl or b"")
    assert maker_signature_valid(esl) and sm2_chain(esl.maker_cert, [], test_roots, now).ok
    assert not sm2_chain(esl.maker_cert, [], sm2_roots(instance), now).ok


def test_sealing_a_pdf_with_an_sm2_seal_is_refused_before_any_work(
        instance: TestInstance) -> None:
    seal = sm2_seal(instance, name="SM2拒绝章")
    with instance.wiring.context() as c:
        before = (c.repos.count_sealed_documents(), c.repos.audit_size())
    request = SealRequest(Placement(1, None, None, None), None, None)
    with instance.wiring.context() as c, pytest.raises(InvalidInput) as refused:
        seal_document(c.repos, c.pki, c.keystore, c.clock, instance.cache, seal.id,
                      reportlab_pdf(), request, audit=c.audit,
                      principal=operator(seal.org_id))
    assert refused.value.code == "SEAL_ALGORITHM_PDF"
    assert "OFD" in refused.value.en and "OFD" in refused.value.zh
    with instance.wiring.context() as c:
        assert (c.repos.count_sealed_documents(), c.repos.audit_size()) == before


def test_the_sm2_seal_certificate_is_sm2_for_openssl(instance: TestInstance,
                                                     tmp_path: Path) -> None:
    openssl = require_tool("openssl")
    seal = sm2_seal(instance, name="SM2证书章")
    path = tmp_path / "seal.der"
    path.write_bytes(cert_record(instance, seal.cert_id).der)
    text = subprocess.run([openssl, "x509", "-inform", "DER", "-in", str(path), "-noout",
                           "-text"], capture_output=True, text=True, check=True).stdout
    assert "SM2-with-SM3" in text and "ASN1 OID: SM2" in text
    assert "Digital Signature, Non Repudiation" in text


def test_an_es_id_is_never_given_twice(db_instance: TestInstance) -> None:
    seal = sm2_seal(db_instance)
    twin = replace(seal, id=str(uuid.uuid4()), name="twin")
    with db_instance.wiring.context() as c, pytest.raises(Conflict) as refused:
        c.repos.add_seal(twin)  # as a concurrent creation that read the same last esID
    assert refused.value.code == "SEAL_ES_ID_TAKEN"
    assert int(sm2_seal(db_instance, name="next").es_id or 0) == int(seal.es_id or 0) + 1
