"""The sandbox (test) CA: made on first use, says TEST, never a trust anchor."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from openseal.core.pki.profiles import TEST_UNIT
from openseal.core.records import SealRecord
from openseal.errors import Conflict
from tests.support.instance import ORG_NAME, ORG_USCC, TestInstance, make_instance
from tests.support.sandbox import (
    SANDBOX_ORG_NAME,
    SANDBOX_USCC,
    add_sandbox_org,
    add_seal,
    sandbox_anchors,
    write_pem,
)
from tests.support.tools import require_tool


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> TestInstance:
    return make_instance(tmp_path_factory.mktemp("sandbox-ca"))


@pytest.fixture(scope="module")
def sandbox_seal(instance: TestInstance) -> SealRecord:
    org = add_sandbox_org(instance)
    return add_seal(instance, org.id)


def test_init_makes_the_test_root_and_only_that_one(tmp_path: Path) -> None:
    fresh = make_instance(tmp_path / "home")
    [anchor] = sandbox_anchors(fresh)
    with fresh.wiring.context() as c:
        stored = c.repos.get_instance().test_root_cert_id  # type: ignore[union-attr]
        assert stored == c.pki.test_root().id
        assert [a.dump() for a in c.pki.test_anchors()] == [anchor.dump()]
        assert anchor.dump() not in [a.dump() for a in c.pki.trust_anchors()]


def test_test_root_is_made_once_says_test_and_is_audited(tmp_path: Path) -> None:
    fresh = make_instance(tmp_path / "home")
    with fresh.wiring.context() as c:
        root = c.pki.test_root()
        assert c.pki.test_root().id == root.id
        assert c.repos.get_instance().test_root_cert_id == root.id  # type: ignore[union-attr]
        issued = [e for e, _ in c.repos.list_audit(action="cert.issue")
                  if e.target == f"cert:{root.id}"]
    assert len(issued) == 1
    subject = fresh.wiring.run(lambda c: c.pki.certificate(root.id)).subject.native
    assert "TEST" in subject["common_name"] and "测试" in subject["common_name"]
    assert subject["organizational_unit_name"] == TEST_UNIT
    assert root.role == "root-ca" and root.issuer_id == root.id


def test_test_root_is_never_a_trust_anchor(instance: TestInstance,
                                           sandbox_seal: SealRecord) -> None:
    with instance.wiring.context() as c:
        root = c.pki.test_root()
        trusted = [a.dump() for a in c.pki.trust_anchors()]
        test = [a.dump() for a in c.pki.test_anchors()]
    assert test == [root.der]
    assert root.der not in trusted and len(trusted) == 1


def test_sandbox_org_ca_is_under_the_test_root(instance: TestInstance,
                                               sandbox_seal: SealRecord) -> None:
    with instance.wiring.context() as c:
        org = c.repos.get_organization(sandbox_seal.org_id)
        assert org is not None
        ca = c.repos.get_certificate(org.ca_cert_id)
        assert ca is not None and ca.issuer_id == c.pki.test_root().id
        cert = c.pki.certificate(ca.id)
    subject = cert.subject.native
    assert subject["organizational_unit_name"] == TEST_UNIT
    assert "TEST" in subject["common_name"]
    assert subject["organization_identifier"] == SANDBOX_USCC
    assert cert.ca and cert.max_path_length == 0


def test_sandbox_seal_certificate_says_test_and_chains_to_the_test_root(
        instance: TestInstance, sandbox_seal: SealRecord) -> None:
    with instance.wiring.context() as c:
        cert = c.pki.certificate(sandbox_seal.cert_id)
        chain = c.pki.chain(sandbox_seal.cert_id)
        root = c.pki.test_root()
    subject = cert.subject.native
    assert subject["organizational_unit_name"] == TEST_UNIT
    assert "TEST" in cert.subject.human_friendly
    assert subject["common_name"] == "合同专用章"
    assert subject["organization_name"] == SANDBOX_ORG_NAME
    assert subject["organization_identifier"] == SANDBOX_USCC
    assert cert.key_usage_value.native == {"digital_signature", "non_repudiation"}
    assert chain[-1].dump() == root.der and len(chain) == 2


def test_production_certificates_do_not_say_test(instance: TestInstance) -> None:
    with instance.wiring.context() as c:
        seal = c.pki.certificate(instance.seals["contract"].cert_id)
        org_ca = c.pki.certificate(instance.org.ca_cert_id)
    for cert in (seal, org_ca):
        assert "organizational_unit_name" not in cert.subject.native
        assert "TEST" not in cert.subject.human_friendly
    assert org_ca.subject.native["common_name"] == f"{ORG_NAME} 印章签发CA"
    assert seal.subject.native["organization_identifier"] == ORG_USCC


def test_sides_cannot_be_mixed(instance: TestInstance, sandbox_seal: SealRecord) -> None:
    base_url = instance.wiring.settings.base_url
    with instance.wiring.context() as c:
        sandbox_ca = c.repos.get_organization(sandbox_seal.org_id).ca_cert_id  # type: ignore[union-attr]
        with pytest.raises(Conflict) as under_production:
            c.pki.issue_seal_certificate(instance.org.ca_cert_id, "章", ORG_NAME, ORG_USCC,
                                         base_url, sandbox=True)
        with pytest.raises(Conflict) as under_test:
            c.pki.issue_seal_certificate(sandbox_ca, "章", SANDBOX_ORG_NAME, SANDBOX_USCC,
                                         base_url)
    for err in (under_production.value, under_test.value):
        assert err.code == "SANDBOX_CA_MISMATCH" and err.zh and err.en


def test_openssl_accepts_the_test_chain_only_against_the_test_root(
        instance: TestInstance, sandbox_seal: SealRecord, tmp_path: Path) -> None:
    openssl = require_tool("openssl")
    with instance.wiring.context() as c:
        seal = c.pki.certificate(sandbox_seal.cert_id)
        org_ca, test_root = c.pki.chain(sandbox_seal.cert_id)
        (production_root,) = c.pki.trust_anchors()
    seal_pem = write_pem(tmp_path / "seal.pem", seal)
    untrusted = write_pem(tmp_path / "org.pem", org_ca)

    def verify(root_pem: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([openssl, "verify", "-CAfile", str(root_pem), "-untrusted",
                               str(untrusted), str(seal_pem)], capture_output=True, text=True)

    assert verify(write_pem(tmp_path / "test-root.pem", test_root)).returncode == 0
    against_production = verify(write_pem(tmp_path / "root.pem", production_root))
    assert against_production.returncode != 0
    assert "unable to get" in (against_production.stdout + against_production.stderr)
    text = subprocess.run([openssl, "x509", "-in", str(seal_pem), "-noout", "-subject"],
                          capture_output=True, text=True).stdout
    assert "TEST" in text
