"""D4 tsa_ocsp_unavailable.

Sealing half: when the timestamp authority cannot sign (its key is gone, or the token
holding it does not answer), sealing fails closed: 503 TSA_UNAVAILABLE with Retry-After, no
document, no registry record, no grant use, never a silent B-B seal; once the TSA is back,
sealing works again without a restart.

Verification half: our own seal whose revocation data is missing (no CRLs at all, its CA's
CRL left out, expired, or not signed by the CA; the CA's CRL cannot be produced because its
signing key is gone) is INDETERMINATE ``REVOCATION_UNAVAILABLE``, never VALID and never
``UNTRUSTED_SIGNER``: ownership comes from the instance's CA certificates
(``own_issuers``), not from holding a CRL. A foreign signer keeps the soft-fail default, and
a lookalike of our CA stays ``UNTRUSTED_SIGNER``. SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from asn1crypto import crl, tsp, x509
from cryptography import x509 as cx509
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient

from openseal.bootstrap import Context, Wiring
from openseal.core.pki.anchors import sm2_verification_anchors
from openseal.core.pki.crl import CRL_VALIDITY, build_crl, load_crl
from openseal.core.pki.own_cas import own_issuers
from openseal.core.records import CertificateRecord
from openseal.core.verification import VerificationReport, verify_document, verify_pdf
from openseal.core.verification import reasons as R
from openseal.core.verification.policy import VerificationPolicy, local_revocation_policy
from openseal.errors import Unavailable
from openseal.interfaces.api.app import create_app
from tests.support.api import BASE, World, make_world, world_on_each_backend
from tests.support.approvals import seal_with
from tests.support.attacks import make_pki, sign_new_field, subject_of
from tests.support.ofd import make_ofd
from tests.support.pdfs import reportlab_pdf
from tests.support.server import Server


@pytest.fixture()
def world(tmp_path: Path) -> World:
    return make_world(tmp_path / "home")


def _tsa_key_file(w: Wiring) -> Path:
    key_id = w.run(lambda c: c.pki.timestamp_authority()._id.key_id)
    (found,) = [p for p in w.settings.keys_dir.rglob("*") if p.name.startswith(key_id)]
    return found


def _counts(w: Wiring) -> tuple[int, int]:
    return w.run(lambda c: (c.repos.count_sealed_documents(),
                            len([e for e, _ in c.repos.list_audit(action="seal.use")
                                 if e.outcome == "success"])))


def test_D4_sealing_fails_closed_while_the_tsa_cannot_sign(world: World) -> None:
    party = world.parties["A"]
    key_file = _tsa_key_file(world.wiring)
    hidden = key_file.rename(key_file.with_name(key_file.name + ".away"))
    server = Wiring(world.wiring.settings, clock=world.clock)  # a fresh process's state
    http = TestClient(create_app(server), base_url=BASE, raise_server_exceptions=False)
    http.headers["Authorization"] = f"Bearer {party.client_secret}"
    before = _counts(server)

    answer = seal_with(http, party.seal_id, reportlab_pdf())
    assert answer.status_code == 503, answer.text
    assert answer.json()["code"] == "TSA_UNAVAILABLE" and "Traceback" not in answer.text
    assert answer.headers["Retry-After"]
    assert _counts(server) == before  # nothing sealed, recorded or spent

    hidden.rename(key_file)  # the TSA is back: no restart needed
    again = seal_with(http, party.seal_id, reportlab_pdf())
    assert again.status_code == 200, again.text
    assert _counts(server)[0] == before[0] + 1


def test_D4_the_tsa_itself_answers_unavailable_for_ofd_and_rfc3161(world: World) -> None:
    """The OFD sealer asks ``timestamp_token`` (core.signing.ofd_service); the RFC 3161
    endpoint answers from the same authority."""
    key_file = _tsa_key_file(world.wiring)
    key_file.rename(key_file.with_name(key_file.name + ".away"))
    server = Wiring(world.wiring.settings, clock=world.clock)
    with pytest.raises(Unavailable) as err:
        server.run(lambda c: c.pki.timestamp_authority().timestamp_token(
            "sha256", hashlib.sha256(b"x").digest(), 1))
    assert err.value.code == "TSA_UNAVAILABLE" and err.value.zh and err.value.en
    http = TestClient(create_app(server), base_url=BASE, raise_server_exceptions=False)
    request = tsp.TimeStampReq({"version": 1, "message_imprint": {
        "hash_algorithm": {"algorithm": "sha256"},
        "hashed_message": hashlib.sha256(b"x").digest()}, "cert_req": True}).dump()
    answer = http.post("/tsa", content=request,
                       headers={"Content-Type": "application/timestamp-query"})
    assert answer.status_code == 503 and "Traceback" not in answer.text


# Verification half ----------------------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend_world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[World]:
    yield from world_on_each_backend(request, tmp_path_factory, "d4-verify")


@dataclass(frozen=True)
class Ours:
    """A PDF sealed by party A over the API, and what the instance verifies it with."""

    pdf: bytes
    roots: list[x509.Certificate]
    crls: list[crl.CertificateList]
    own: list[x509.Certificate]
    org_ca: CertificateRecord

    def policy(self, crls: list[crl.CertificateList] | None = None) -> VerificationPolicy:
        return local_revocation_policy(self.crls if crls is None else crls,
                                       own_issuers=self.own)

    def without_org_ca_crl(self) -> list[crl.CertificateList]:
        subject = x509.Certificate.load(self.org_ca.der).subject
        kept = [c for c in self.crls if c["tbs_cert_list"]["issuer"] != subject]
        assert len(kept) == len(self.crls) - 1
        return kept


@pytest.fixture(scope="module")
def ours(backend_world: World) -> Ours:
    party = backend_world.parties["A"]
    answer = seal_with(backend_world.bearer(party.client_secret), party.seal_id,
                       reportlab_pdf())
    assert answer.status_code == 200, answer.text

    def read(c: Context) -> Ours:
        org = c.repos.get_organization(party.org_id)
        assert org is not None
        org_ca = c.repos.get_certificate(org.ca_cert_id)
        assert org_ca is not None
        return Ours(answer.content, c.pki.trust_anchors(), c.pki.revocation_lists(),
                    own_issuers(c.repos), org_ca)

    return backend_world.wiring.run(read)


def _name(common_name: str, organization: str) -> cx509.Name:
    return cx509.Name([cx509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
                       cx509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _reasons(report: VerificationReport) -> set[str]:
    return {*report.reasons, *(r for s in report.signatures for r in s.reasons)}


def _unavailable(report: VerificationReport) -> None:
    assert report.verdict == "INDETERMINATE", report.reasons
    assert R.REVOCATION_UNAVAILABLE in _reasons(report)
    assert R.UNTRUSTED_SIGNER not in _reasons(report)


def test_D4_our_seal_with_the_instance_crls_is_valid(ours: Ours) -> None:
    """The control: the same document, the same policy with every CRL, is VALID."""
    report = verify_pdf(ours.pdf, ours.roots, policy=ours.policy())
    assert report.verdict == "VALID", report.reasons
    assert R.REVOCATION_UNAVAILABLE not in _reasons(report)


def test_D4_our_seal_with_no_crls_at_all_is_revocation_unavailable(ours: Ours) -> None:
    report = verify_pdf(ours.pdf, ours.roots, policy=ours.policy([]))
    _unavailable(report)
    assert R.TIMESTAMP_UNTRUSTED not in _reasons(report)  # our TSA: the same missing CRL


def test_D4_our_seal_without_its_ca_crl_is_revocation_unavailable(ours: Ours) -> None:
    report = verify_pdf(ours.pdf, ours.roots, policy=ours.policy(ours.without_org_ca_crl()))
    _unavailable(report)
    assert set(report.reasons) == {R.REVOCATION_UNAVAILABLE}  # the root's CRL covers the TSA


def _root_key_id(c: Context) -> str | None:
    instance = c.repos.get_instance()
    assert instance is not None
    root = c.repos.get_certificate(instance.root_cert_id)
    assert root is not None
    return root.key_id


def test_D4_an_expired_or_unsigned_ca_crl_is_revocation_unavailable(
        backend_world: World, ours: Ours) -> None:
    """The org CA's CRL replaced by one signed by its own key but expired a week ago, or by
    a current one under its name that the root key signed (not the CA's signature)."""
    now = backend_world.clock.now()
    expired_at = now - CRL_VALIDITY - timedelta(days=7)
    root_key = backend_world.wiring.run(_root_key_id)
    keys = backend_world.wiring.run(lambda c: c.keystore)
    expired = build_crl(ours.org_ca, [], 1, expired_at, keys)
    forged = build_crl(replace(ours.org_ca, key_id=root_key), [], 1 << 20, now, keys)
    for bad in (expired, forged):
        crls = [*ours.without_org_ca_crl(), load_crl(bad)]
        _unavailable(verify_pdf(ours.pdf, ours.roots, policy=ours.policy(crls)))


def test_D4_a_foreign_signer_keeps_soft_fail(ours: Ours) -> None:
    """A signer from another PKI (trusted here, no revocation data anywhere): the same
    verdict as with the default policy, VALID under soft-fail, with or without our CRLs."""
    foreign = make_pki(_name("Purchasing", "Elsewhere Ltd."))
    signed = sign_new_field(reportlab_pdf(), foreign.signer(), "Foreign")
    roots = [*ours.roots, foreign.root]
    before = verify_pdf(signed, roots, policy=VerificationPolicy())
    assert before.verdict == "VALID", before.reasons
    for policy in (ours.policy(), ours.policy([])):
        report = verify_pdf(signed, roots, policy=policy)
        assert (report.verdict, report.reasons) == (before.verdict, before.reasons)


def test_D4_a_lookalike_of_our_ca_stays_untrusted(ours: Ours) -> None:
    """A certificate naming our organisation CA as issuer but signed by another key, with
    our real CA and root embedded: revocation is required for it (it claims our issuer),
    and a missing CRL must not turn its broken chain into REVOCATION_UNAVAILABLE."""
    org_ca = x509.Certificate.load(ours.org_ca.der)
    fake = make_pki(_name("合同专用章", "甲方示例科技有限公司"),
                    root_subject=subject_of(org_ca))
    signed = sign_new_field(reportlab_pdf(), fake.signer(embed=[org_ca, ours.roots[0]]),
                            "Lookalike")
    for policy in (ours.policy(), ours.policy([])):
        report = verify_pdf(signed, ours.roots, policy=policy)
        assert report.verdict == "INDETERMINATE", report.reasons
        assert R.UNTRUSTED_SIGNER in report.reasons
        assert R.REVOCATION_UNAVAILABLE not in report.reasons


def test_D4_api_verify_when_the_ca_crl_cannot_be_produced(backend_world: World,
                                                          ours: Ours) -> None:
    """A real ``openseal serve`` process (nothing cached) whose organisation CA signing key
    file is gone: ``POST /api/v1/verify`` answers 200 INDETERMINATE REVOCATION_UNAVAILABLE,
    not VALID, not 500; with the key back, VALID again without a restart."""
    settings = backend_world.wiring.settings
    assert ours.org_ca.key_id is not None
    (key_file,) = [p for p in settings.keys_dir.rglob("*")
                   if p.name.startswith(ours.org_ca.key_id)]
    server = Server(settings.home, settings.database_url)
    hidden = key_file.rename(key_file.with_name(key_file.name + ".away"))
    process = None
    try:
        process = server.start()
        answer = httpx.post(f"{server.url}/api/v1/verify", timeout=120,
                            files={"file": ("sealed.pdf", ours.pdf, "application/pdf")})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["verdict"] == "INDETERMINATE", body
        assert R.REVOCATION_UNAVAILABLE in body["reasons"], body
        assert R.UNTRUSTED_SIGNER not in body["reasons"] and "Traceback" not in answer.text
        hidden.rename(key_file)
        again = httpx.post(f"{server.url}/api/v1/verify", timeout=120,
                           files={"file": ("sealed.pdf", ours.pdf, "application/pdf")})
        assert again.status_code == 200 and again.json()["verdict"] == "VALID", again.text
    finally:
        if hidden.exists():
            hidden.rename(key_file)
        if process is not None:
            process.terminate()
            process.wait(30)


def test_D4_our_sm2_ofd_seal_without_its_crls_is_revocation_unavailable(
        backend_world: World) -> None:
    """The SM2 path (core.verification.ofd_revocation) the same way: our OFD seal with the
    SM2 CRLs is VALID; without them, under the instance's policy, REVOCATION_UNAVAILABLE
    (not the REVOCATION_NOT_CHECKED warning a foreign SM2 signer gets under soft-fail)."""
    a = backend_world.parties["A"]
    custodian, member = backend_world.login(a.custodian), backend_world.login(a.member)
    made = custodian.post("/api/v1/seals", json={"type": "contract", "name": "国密合同章",
                                                 "algorithm": "sm2"})
    assert made.status_code == 201, made.text
    seal_id = str(made.json()["id"])
    granted = custodian.post(f"/api/v1/seals/{seal_id}/grants", json={
        "user_id": a.member_id, "level": "use", "reason": "D4 OFD"})
    assert granted.status_code == 201, granted.text
    sealed = member.post("/api/v1/documents/seal", data={"seal_id": seal_id},
                         files={"file": ("合同.ofd", make_ofd(), "application/ofd")})
    assert sealed.status_code == 200, sealed.text
    roots, crls, sm2_anchors, sm2_crls, own = backend_world.wiring.run(lambda c: (
        c.pki.trust_anchors(), c.pki.revocation_lists(),
        sm2_verification_anchors(c.pki, c.repos), c.pki.sm2_revocation_lists(),
        own_issuers(c.repos)))
    policy = local_revocation_policy(crls, own_issuers=own)

    def verify(with_crls: list[bytes]) -> VerificationReport:
        return verify_document(sealed.content, roots, policy=policy,
                               sm2_anchors=sm2_anchors, sm2_crls=with_crls)

    assert verify(sm2_crls).verdict == "VALID"
    _unavailable(verify([]))
