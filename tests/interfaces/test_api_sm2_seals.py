"""SM2 seals over HTTP (issue 9): `algorithm` on seal creation, GET .../esl, lifecycle
(CRL of the SM2 CA, renewal), PDF sealing refused; SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from openseal.core.ofd.ses import maker_signature_valid, read_seal
from openseal.core.pki.pem import load_pem_certificates
from openseal.core.pki.sm2_chain import sm2_chain
from openseal.core.pki.sm2_x509 import crl_signature_valid, load_crl
from tests.support.api import World, world_on_each_backend
from tests.support.pdfs import reportlab_pdf

API = "/api/v1"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[World]:
    yield from world_on_each_backend(request, tmp_path_factory, "api-sm2")


@pytest.fixture(scope="module")
def admin_a(world: World) -> TestClient:
    """Organisation A's seal custodian (印章管理员): the role that manages seals."""
    return world.login(world.parties["A"].custodian)


def create(http: TestClient, name: str, **extra: str) -> dict[str, Any]:
    made = http.post(f"{API}/seals", json={"type": "contract", "name": name, **extra})
    assert made.status_code == 201, made.text
    return dict(made.json())


def chain(http: TestClient, seal_id: str) -> list[bytes]:
    pem = http.get(f"{API}/seals/{seal_id}/certificate.pem")
    assert pem.status_code == 200, pem.text
    return [c.dump() for c in load_pem_certificates(pem.content)]


def stored_esl(world: World, seal_id: str) -> bytes | None:
    with world.wiring.context() as c:
        seal = c.repos.get_seal(seal_id)
        assert seal is not None
        return seal.esl


def test_an_sm2_seal_is_made_and_its_esl_served(world: World, admin_a: TestClient) -> None:
    seal = create(admin_a, "SM2合同专用章", algorithm="sm2")
    assert seal["algorithm"] == "sm2" and len(seal["es_id"]) == 14
    assert seal["esl_url"] == f"{API}/seals/{seal['id']}/esl"
    got = admin_a.get(seal["esl_url"])
    assert got.status_code == 200 and got.headers["content-type"] == "application/octet-stream"
    assert got.content == stored_esl(world, seal["id"])
    esl = read_seal(got.content)
    assert esl.es_id == seal["es_id"] and esl.seal_type == 4 and maker_signature_valid(esl)
    seal_cert, *issuers = chain(admin_a, seal["id"])
    assert esl.signer_certs == (seal_cert,)
    assert sm2_chain(seal_cert, issuers[:-1], issuers[-1:], datetime.now(UTC)).ok
    assert sm2_chain(esl.maker_cert, [], issuers[-1:], datetime.now(UTC)).ok
    listed = {s["id"]: s["algorithm"] for s in admin_a.get(f"{API}/seals").json()}
    assert listed[seal["id"]] == "sm2" and listed[world.parties["A"].seal_id] == "ecdsa"
    roots = admin_a.get(f"{API}/pki/roots.pem").content  # the PDF verifier's anchors only
    assert issuers[-1] not in [c.dump() for c in load_pem_certificates(roots)]


def test_esl_of_an_ecdsa_or_foreign_seal_is_not_found(world: World,
                                                      admin_a: TestClient) -> None:
    ecdsa = world.parties["A"].seal_id
    assert admin_a.get(f"{API}/seals/{ecdsa}").json()["esl_url"] is None
    answer = admin_a.get(f"{API}/seals/{ecdsa}/esl")
    assert answer.status_code == 404 and answer.json()["code"] == "SEAL_NO_ESL"
    mine = create(admin_a, "SM2他人不可见", algorithm="sm2")
    foreign = world.login(world.parties["B"].custodian).get(f"{API}/seals/{mine['id']}/esl")
    assert foreign.status_code == 404 and foreign.json()["code"] == "SEAL_NOT_FOUND"


@pytest.mark.parametrize(("algorithm", "words"), [("dsa", "Unknown seal algorithm"),
                                                   ("sm9", "Unknown seal algorithm")])
def test_a_bad_algorithm_is_refused(admin_a: TestClient, algorithm: str, words: str) -> None:
    before = len(admin_a.get(f"{API}/seals").json())
    answer = admin_a.post(f"{API}/seals", json={"type": "contract", "name": "x",
                                                "algorithm": algorithm},
                          headers={"Accept-Language": "en"})
    assert answer.status_code == 422 and answer.json()["code"] == "SEAL_ALGORITHM"
    assert len(admin_a.get(f"{API}/seals").json()) == before


def test_sealing_a_pdf_with_an_sm2_seal_is_refused(world: World,
                                                   admin_a: TestClient) -> None:
    party = world.parties["A"]
    seal = create(admin_a, "SM2用印章", algorithm="sm2")
    granted = admin_a.post(f"{API}/seals/{seal['id']}/grants", json={
        "user_id": party.member_id, "level": "use", "reason": "测试 test"})
    assert granted.status_code == 201, granted.text
    member = world.login(party.member)
    answer = member.post(f"{API}/documents/seal", data={"seal_id": seal["id"]},
                         files={"file": ("c.pdf", reportlab_pdf(), "application/pdf")})
    assert answer.status_code == 422 and answer.json()["code"] == "SEAL_ALGORITHM_PDF"
    with world.wiring.context() as c:
        assert c.repos.count_sealed_documents(seal["id"]) == 0


def move(http: TestClient, seal_id: str, action: str, **body: str) -> dict[str, Any]:
    answer = http.post(f"{API}/seals/{seal_id}/{action}", json={"reason": "测试 test", **body})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_revoking_lists_the_serial_in_the_sm2_ca_crl(world: World,
                                                     admin_a: TestClient) -> None:
    seal = create(admin_a, "SM2吊销章", algorithm="sm2")
    seal_cert, ca, _root = chain(admin_a, seal["id"])
    with world.wiring.context() as c:
        cert = c.repos.get_certificate(c.repos.get_seal(seal["id"]).cert_id)  # type: ignore[union-attr]
    assert cert is not None
    crl_url = f"{API}/pki/crl/{cert.issuer_id}.crl"
    move(admin_a, seal["id"], "revoke", reason_code="key_compromise")
    got = admin_a.get(crl_url)
    assert got.status_code == 200 and got.headers["content-type"] == "application/pkix-crl"
    assert crl_signature_valid(got.content, ca)
    entries = load_crl(got.content)["tbs_cert_list"]["revoked_certificates"]
    assert int(cert.serial_hex, 16) in [e["user_certificate"].native for e in entries]


def test_renewing_an_sm2_seal_serves_a_new_esl(world: World, admin_a: TestClient) -> None:
    seal = create(admin_a, "SM2续期章", algorithm="sm2")
    old = admin_a.get(seal["esl_url"]).content
    renewed = move(admin_a, seal["id"], "renew")["seal"]
    assert renewed["certificate_serial"] != seal["certificate_serial"]
    new = admin_a.get(seal["esl_url"]).content
    assert new != old
    esl = read_seal(new)
    assert esl.es_id == seal["es_id"] and maker_signature_valid(esl)
    assert esl.signer_certs == (chain(admin_a, seal["id"])[0],)
