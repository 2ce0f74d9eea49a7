"""The seal lifecycle, CRLs and OCSP over HTTP (TestClient over the real app)."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from asn1crypto import ocsp, x509
from cryptography import x509 as cx509
from cryptography.x509 import ocsp as cocsp
from fastapi.testclient import TestClient

from openseal.interfaces.api.routes.pki import MAX_OCSP_REQUEST
from tests.support.api import World, make_world

API = "/api/v1"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    world = make_world(tmp_path_factory.mktemp("api-lifecycle") / "home")
    yield world
    world.wiring.engine.dispose()


@pytest.fixture(scope="module")
def admin(world: World) -> TestClient:
    """Organisation A's seal custodian (印章管理员): the role that manages seals."""
    return world.login(world.parties["A"].custodian)


@pytest.fixture()
def seal(admin: TestClient) -> dict[str, str]:
    made = admin.post(f"{API}/seals", json={"type": "contract",
                                            "name": f"合同章{uuid.uuid4().hex[:6]}"})
    assert made.status_code == 201, made.text
    return dict(made.json())


def move(http: TestClient, seal_id: str, action: str, **body: str) -> object:
    return http.post(f"{API}/seals/{seal_id}/{action}", json={"reason": "测试 test", **body})


def certs(admin: TestClient, seal_id: str) -> tuple[x509.Certificate, x509.Certificate]:
    """The seal certificate and its issuer (organisation CA)."""
    pem = admin.get(f"{API}/seals/{seal_id}/certificate.pem").text
    from openseal.core.pki.pem import load_pem_certificates

    seal_cert, org_ca, *_ = load_pem_certificates(pem.encode())
    return seal_cert, org_ca


def ocsp_der(cert: x509.Certificate, issuer: x509.Certificate) -> bytes:
    cert_id = {"hash_algorithm": {"algorithm": "sha1"},
               "issuer_name_hash": hashlib.sha1(issuer.subject.dump()).digest(),
               "issuer_key_hash": issuer.public_key.sha1, "serial_number": cert.serial_number}
    return ocsp.OCSPRequest({"tbs_request": {"request_list": [{"req_cert": cert_id}]}}).dump()


def post_ocsp(http: TestClient, der: bytes) -> cocsp.OCSPResponse:
    answer = http.post(f"{API}/pki/ocsp", content=der,
                       headers={"Content-Type": "application/ocsp-request"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/ocsp-response"
    return cocsp.load_der_ocsp_response(answer.content)


def test_full_lifecycle_with_refusals_audited(world: World, admin: TestClient,
                                              seal: dict[str, str]) -> None:
    sid = seal["id"]
    steps = [("suspend", 200, "suspended"), ("suspend", 409, "suspended"),
             ("renew", 409, "suspended"), ("destroy", 409, "suspended"),
             ("resume", 200, "active"), ("resume", 409, "active"),
             ("renew", 200, "active"), ("revoke", 200, "revoked"), ("revoke", 409, "revoked"),
             ("suspend", 409, "revoked"), ("resume", 409, "revoked"), ("renew", 409, "revoked"),
             ("destroy", 200, "destroyed"), ("destroy", 409, "destroyed"),
             ("revoke", 409, "destroyed")]
    for action, status, state in steps:
        answer = move(admin, sid, action)
        assert answer.status_code == status, (action, answer.text)  # type: ignore[attr-defined]
        body = answer.json()  # type: ignore[attr-defined]
        if status == 200:
            assert body["seal"]["status"] == state and body["seal"]["id"] == sid
        else:
            assert body["code"] == "SEAL_STATE" and body["state"] == state, body
            assert "当前状态为" in body["detail"], body
    refused = [e for e in world.audit() if e["outcome"] == "refused"
               and e["target"] == f"seal:{sid}"]
    assert len(refused) == sum(1 for _, status, _ in steps if status == 409)
    done = [e for e in world.audit() if e["outcome"] == "success"
            and e["target"] == f"seal:{sid}" and str(e["action"]).startswith("seal.")]
    assert [e["action"] for e in done][-5:] == ["seal.suspend", "seal.resume", "seal.renew",
                                                 "seal.revoke", "seal.destroy"]
    assert admin.get(f"{API}/seals/{sid}").json()["status"] == "destroyed"  # record kept


def test_renew_gives_a_new_certificate_for_the_same_seal(admin: TestClient,
                                                        seal: dict[str, str]) -> None:
    renewed = move(admin, seal["id"], "renew").json()  # type: ignore[attr-defined]
    assert renewed["seal"]["id"] == seal["id"] and renewed["seal"]["name"] == seal["name"]
    assert renewed["seal"]["certificate_serial"] != seal["certificate_serial"]


def test_bodies_are_strict_and_checked(admin: TestClient, seal: dict[str, str]) -> None:
    sid = seal["id"]
    for body in ({}, {"reason": ""}, {"reason": "x" * 501}, {"reason": "ok", "org_id": "x"},
                 {"reason": "ok", "reason_code": "certificate_hold"}):
        answer = admin.post(f"{API}/seals/{sid}/revoke", json=body)
        assert answer.status_code == 422, (body, answer.text)
    assert admin.post(f"{API}/seals/{sid}/suspend",
                      json={"reason": "ok", "reason_code": "unspecified"}).status_code == 422
    assert admin.get(f"{API}/seals/{sid}").json()["status"] == "active"


def test_only_custodians_of_the_organisation_change_a_seal(world: World, admin: TestClient,
                                                          seal: dict[str, str]) -> None:
    for user in (world.parties["A"].member, world.parties["A"].admin):
        answer = move(world.login(user), seal["id"], "suspend")
        assert answer.status_code == 403, user  # type: ignore[attr-defined]
    answer = move(world.login(world.parties["B"].custodian), seal["id"], "revoke")
    assert answer.status_code == 404  # type: ignore[attr-defined]
    assert admin.get(f"{API}/seals/{seal['id']}").json()["status"] == "active"


def test_expiring_seals(world: World, admin: TestClient, seal: dict[str, str]) -> None:
    assert admin.get(f"{API}/expiring-seals").json() == []  # 30 days by default
    soon = admin.get(f"{API}/expiring-seals", params={"days": 3 * 366}).json()
    ids = [row["seal"]["id"] for row in soon]
    assert seal["id"] in ids and world.parties["B"].seal_id not in ids
    assert all(0 < row["days_left"] <= 3 * 366 for row in soon)
    assert admin.get(f"{API}/expiring-seals", params={"days": -1}).status_code == 422
    assert world.client().get(f"{API}/expiring-seals").status_code == 401


def test_crl_and_ocsp_follow_the_seal(world: World, admin: TestClient,
                                      seal: dict[str, str]) -> None:
    http = world.client()  # anonymous: both are public
    seal_cert, org_ca = certs(admin, seal["id"])
    org_id = world.parties["A"].org_id
    assert post_ocsp(http, ocsp_der(seal_cert, org_ca)).certificate_status == \
        cocsp.OCSPCertStatus.GOOD
    move(admin, seal["id"], "revoke", reason_code="key_compromise")
    answer = post_ocsp(http, ocsp_der(seal_cert, org_ca))
    assert answer.certificate_status == cocsp.OCSPCertStatus.REVOKED
    assert answer.revocation_reason == cx509.ReasonFlags.key_compromise
    encoded = quote(base64.b64encode(ocsp_der(seal_cert, org_ca)).decode(), safe="")
    by_get = http.get(f"{API}/pki/ocsp/{encoded}")
    assert cocsp.load_der_ocsp_response(by_get.content).certificate_status == \
        cocsp.OCSPCertStatus.REVOKED
    crl = http.get(f"{API}/pki/crl/{org_id}.crl")
    assert crl.status_code == 200 and crl.headers["content-type"] == "application/pkix-crl"
    listed = cx509.load_der_x509_crl(crl.content)
    assert listed.get_revoked_certificate_by_serial_number(seal_cert.serial_number)
    assert listed.is_signature_valid(
        cx509.load_der_x509_certificate(org_ca.dump()).public_key())  # type: ignore[arg-type]
    urls = [p["distribution_point"].native[0] for p in seal_cert.crl_distribution_points]
    assert urls[0].endswith(f"/api/v1/pki/crl/{org_id}.crl")
    assert http.get(f"{API}/pki/crl/root.crl").status_code == 200
    assert http.get(f"{API}/pki/crl/{uuid.uuid4()}.crl").status_code == 404


def test_bad_ocsp_requests_get_ocsp_errors_not_500(world: World) -> None:
    http = world.client()
    for der in (b"", b"not der", b"\x30" * (MAX_OCSP_REQUEST + 1)):
        assert post_ocsp(http, der).response_status == \
            cocsp.OCSPResponseStatus.MALFORMED_REQUEST
    for tail in ("%%%", "bm90IGRlcg==", "A" * (3 * MAX_OCSP_REQUEST)):
        answer = http.get(f"{API}/pki/ocsp/{tail}")
        assert answer.status_code == 200, tail
        assert cocsp.load_der_ocsp_response(answer.content).response_status == \
            cocsp.OCSPResponseStatus.MALFORMED_REQUEST
