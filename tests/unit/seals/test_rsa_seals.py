"""RSA seals in core (issue 9 item 3): create_seal with algorithm "rsa", on SQLite and
PostgreSQL; the audit entry; renewal keeps RSA with a new key; a sandbox RSA seal is a test
seal; an OFD file is refused. The CLI and HTTP paths: tests/interfaces/test_rsa_seals.py."""

from __future__ import annotations

import pytest
from asn1crypto import x509

from openseal.core.records import SealRecord
from openseal.core.seals.lifecycle import SealLifecycle
from openseal.core.seals.service import ALGORITHMS, SealOrder, create_seal
from openseal.core.signing.ofd_service import refuse_ecdsa_for_ofd
from openseal.core.verification import reasons as R
from openseal.core.verification import verify_pdf
from openseal.errors import InvalidInput
from tests.support.instance import TestInstance
from tests.support.sandbox import add_sandbox_org, sandbox_anchors, seal_pdf


def rsa_seal(instance: TestInstance, org_id: str, name: str = "RSA合同专用章") -> SealRecord:
    order = SealOrder(org_id, "contract", name, algorithm=" RSA ")
    with instance.wiring.context() as c:
        return create_seal(c.repos, c.pki, c.clock, order, "https://seal.example",
                           audit=c.audit)


def certificate(instance: TestInstance, seal_id: str) -> x509.Certificate:
    with instance.wiring.context() as c:
        seal = c.repos.get_seal(seal_id)
        assert seal is not None
        return c.pki.certificate(seal.cert_id)


def test_the_algorithms_offered_put_the_default_first() -> None:
    assert ALGORITHMS == ("ecdsa", "rsa", "sm2")


def test_an_rsa_seal_is_made_audited_and_renewed_as_rsa(db_instance: TestInstance,
                                                        sample_pdf: bytes) -> None:
    seal = rsa_seal(db_instance, db_instance.org.id)
    assert (seal.algorithm, seal.esl, seal.es_id) == ("rsa", None, None)
    old = certificate(db_instance, seal.id)
    assert (old.public_key.algorithm, old.public_key.bit_size) == ("rsa", 3072)
    assert old.key_usage_value.native == {"digital_signature", "non_repudiation"}
    with db_instance.wiring.context() as c:
        [entry] = [e for e, _ in c.repos.list_audit(action="seal.create")
                   if e.target == f"seal:{seal.id}"]
        assert entry.details["algorithm"] == "rsa"
        renewed = SealLifecycle(c.repos, c.pki, c.keystore, c.clock, c.audit).renew(
            seal.id, "证书到期", "https://seal.example").seal
    assert renewed.algorithm == "rsa" and renewed.key_id != seal.key_id
    new = certificate(db_instance, seal.id)
    assert (new.public_key.algorithm, new.public_key.bit_size) == ("rsa", 3072)
    assert new.public_key.dump() != old.public_key.dump()
    sealed = seal_pdf(db_instance, renewed, sample_pdf)
    report = verify_pdf(sealed, db_instance.roots, filename="r.pdf")
    assert report.verdict == R.VALID, report.to_dict()


def test_a_sandbox_rsa_seal_is_a_test_seal(db_instance: TestInstance,
                                           sample_pdf: bytes) -> None:
    seal = rsa_seal(db_instance, add_sandbox_org(db_instance).id, "RSA测试章")
    assert seal.sandbox and seal.algorithm == "rsa"
    sealed = seal_pdf(db_instance, seal, sample_pdf)
    report = verify_pdf(sealed, db_instance.roots, filename="t.pdf",
                        test_roots=sandbox_anchors(db_instance))
    assert report.verdict == R.INDETERMINATE and R.TEST_SEAL in report.reasons
    (sig,) = report.to_dict()["signatures"]
    assert sig["test_seal"] is True and sig["intact"] and sig["valid"]


def test_an_rsa_seal_does_not_seal_ofd(db_instance: TestInstance) -> None:
    seal = rsa_seal(db_instance, db_instance.org.id, "RSA章")
    with pytest.raises(InvalidInput) as refused:
        refuse_ecdsa_for_ofd(seal)
    assert refused.value.code == "SEAL_ALGORITHM_OFD"
    assert "不是 SM2 印章" in refused.value.zh and "not an SM2 seal" in refused.value.en
