"""SM2 revocation and trust anchors over HTTP: OCSP (POST and GET) for an SM2 seal through
its lifecycle, with `openssl ocsp` building the request and reading the answer; the SM2
root and the seal maker published at /api/v1/pki/sm2-*.pem|.cer (404 before the first SM2
seal, never made by asking). SQLite and PostgreSQL; and `openssl ocsp -url` against a real
`openseal serve`."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from asn1crypto import pem, x509
from fastapi.testclient import TestClient

from openseal.core.ofd.ses import read_seal
from openseal.core.pki.pem import load_pem_certificates
from tests.support import openssl_sm2
from tests.support import sm2_ocsp as check
from tests.support.api import World, make_world, world_on_each_backend
from tests.support.instance import ORG_NAME, ORG_USCC
from tests.support.server import Server

API = "/api/v1"
OCSP_REPLY = "application/ocsp-response"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[World]:
    yield from world_on_each_backend(request, tmp_path_factory, "sm2-ocsp-http")


@pytest.fixture(scope="module")
def custodian(world: World) -> TestClient:
    return world.login(world.parties["A"].custodian)


def sm2_seal(http: TestClient, name: str) -> dict[str, Any]:
    made = http.post(f"{API}/seals", json={"type": "contract", "name": name,
                                           "algorithm": "sm2"})
    assert made.status_code == 201, made.text
    return dict(made.json())


def chain(http: TestClient, seal_id: str) -> list[x509.Certificate]:
    got = http.get(f"{API}/seals/{seal_id}/certificate.pem")
    assert got.status_code == 200, got.text
    return load_pem_certificates(got.content)


def move(http: TestClient, seal_id: str, action: str, **body: str) -> None:
    done = http.post(f"{API}/seals/{seal_id}/{action}", json={"reason": "测试 test", **body})
    assert done.status_code == 200, done.text


def post(http: TestClient, der: bytes) -> bytes:
    answer = http.post(f"{API}/pki/ocsp", content=der,
                       headers={"Content-Type": "application/ocsp-request"})
    assert answer.status_code == 200 and answer.headers["content-type"] == OCSP_REPLY
    return bytes(answer.content)


def status_of(der: bytes) -> tuple[str, str | None]:
    [single] = check.parsed(der).response_data["responses"]
    status = single["cert_status"]
    reason = status.chosen["revocation_reason"].native if status.name == "revoked" else None
    return status.name, reason


def write_pem(path: Path, cert: x509.Certificate) -> Path:
    path.write_bytes(pem.armor("CERTIFICATE", cert.dump()))
    return path


def openssl_says(folder: Path, response: bytes, cert: Path, issuer: Path) -> str:
    """What `openssl ocsp` reads in ``response`` for ``cert`` (its own CertID matching)."""
    (folder / "resp.der").write_bytes(response)
    done = openssl_sm2.run("ocsp", "-respin", folder / "resp.der", "-issuer", issuer,
                           "-cert", cert, "-noverify", "-no_nonce", check=False)
    return (done.stdout + done.stderr).decode("utf-8", "replace")


def test_sm2_ocsp_follows_the_seal_over_http(world: World, custodian: TestClient,
                                             tmp_path: Path) -> None:
    seal = sm2_seal(custodian, "SM2在线状态章")
    cert, ca, _root = chain(custodian, seal["id"])
    cert_pem, ca_pem = write_pem(tmp_path / "seal.pem", cert), write_pem(tmp_path / "ca.pem", ca)
    openssl_sm2.run("ocsp", "-issuer", ca_pem, "-cert", cert_pem, "-reqout",
                    tmp_path / "req.der")  # OpenSSL builds the request (SHA-1 CertID, nonce)
    http = world.client()  # anonymous: OCSP is public
    answer = post(http, (tmp_path / "req.der").read_bytes())
    assert check.sm2_signature_verifies(answer) and check.openssl_verifies(answer, tmp_path)
    assert f"{cert_pem}: good" in openssl_says(tmp_path, answer, cert_pem, ca_pem)
    move(custodian, seal["id"], "suspend")
    sm3_request = check.request(check.cert_id(cert, ca, "sm3"), nonce=b"nonce-over-http")
    assert status_of(post(http, sm3_request)) == ("revoked", "certificate_hold")
    encoded = quote(base64.b64encode(sm3_request).decode(), safe="")
    by_get = http.get(f"{API}/pki/ocsp/{encoded}")
    assert by_get.status_code == 200 and by_get.headers["content-type"] == OCSP_REPLY
    assert status_of(by_get.content) == ("revoked", "certificate_hold")
    assert check.sm2_signature_verifies(by_get.content)
    move(custodian, seal["id"], "resume")
    assert status_of(post(http, sm3_request)) == ("good", None)
    move(custodian, seal["id"], "revoke", reason_code="key_compromise")
    revoked = post(http, (tmp_path / "req.der").read_bytes())
    said = openssl_says(tmp_path, revoked, cert_pem, ca_pem)
    assert f"{cert_pem}: revoked" in said and "keyCompromise" in said
    assert cert.ocsp_urls[0].endswith("/api/v1/pki/ocsp")


def test_bad_sm2_ocsp_requests_get_ocsp_errors(world: World, custodian: TestClient) -> None:
    seal = sm2_seal(custodian, "SM2错误请求章")
    cert, ca, root = chain(custodian, seal["id"])
    http = world.client()
    wrong_key = check.request(check.cert_id(cert, ca, "sm3", key_of=root))
    assert check.parsed(post(http, wrong_key))["response_status"].native == "unauthorized"
    for der in (b"", b"\x30\x80garbage", check.request(check.cert_id(cert, ca, "md5"))):
        assert check.parsed(post(http, der))["response_status"].native == "malformed_request"
    unknown = check.request(check.cert_id(cert, ca, "sm3", serial=cert.serial_number + 1))
    assert status_of(post(http, unknown)) == ("unknown", None)


def test_the_sm2_root_and_maker_are_published(world: World, custodian: TestClient,
                                              tmp_path: Path) -> None:
    seal = sm2_seal(custodian, "SM2根证书发布章")
    *_, root = chain(custodian, seal["id"])
    esl = read_seal(custodian.get(seal["esl_url"]).content)
    http = world.client()  # anonymous: trust anchors are public
    roots = http.get(f"{API}/pki/sm2-roots.pem")
    assert roots.status_code == 200 and roots.headers["content-type"] == "application/x-pem-file"
    assert [c.dump() for c in load_pem_certificates(roots.content)] == [root.dump()]
    root_der = http.get(f"{API}/pki/sm2-root.cer")
    assert root_der.headers["content-type"] == "application/pkix-cert"
    assert root_der.content == root.dump()
    maker = http.get(f"{API}/pki/sm2-maker.pem")
    assert maker.headers["content-type"] == "application/x-pem-file"
    assert [c.dump() for c in load_pem_certificates(maker.content)] == [esl.maker_cert]
    assert http.get(f"{API}/pki/sm2-maker.cer").content == esl.maker_cert
    (tmp_path / "root.pem").write_bytes(roots.content)
    shown = openssl_sm2.run("x509", "-in", tmp_path / "root.pem", "-noout", "-text")
    assert b"SM2-with-SM3" in shown.stdout and b"CA:TRUE" in shown.stdout
    pdf_roots = http.get(f"{API}/pki/roots.pem").content  # pyHanko's anchors stay ECDSA
    assert root.dump() not in [c.dump() for c in load_pem_certificates(pdf_roots)]


def test_no_sm2_root_is_published_or_made_before_the_first_sm2_seal(tmp_path: Path) -> None:
    world = make_world(tmp_path / "home")
    http = world.client()
    for path in ("sm2-roots.pem", "sm2-root.cer", "sm2-maker.pem", "sm2-maker.cer"):
        answer = http.get(f"{API}/pki/{path}", headers={"Accept-Language": "en"})
        assert answer.status_code == 404 and answer.json()["code"] == "SM2_ROOT_NOT_MADE"
        assert "first SM2 seal" in answer.json()["detail"]
    chinese = http.get(f"{API}/pki/sm2-roots.pem").json()
    assert "第一枚 SM2 印章" in chinese["detail"]
    with world.wiring.context() as c:
        instance = c.repos.get_instance()
        assert instance is not None and instance.sm2_root_cert_id is None
        assert c.repos.list_certificates("sm2-root-ca") == []


@pytest.mark.tools
def test_openssl_asks_a_real_server_at_the_url_in_the_certificate(tmp_path: Path) -> None:
    server = Server(tmp_path / "home", None)
    server.env["OPENSEAL_BASE_URL"] = server.url  # what new certificates point at
    server.env["OPENSEAL_PUBLIC_URL"] = server.url
    server.cli("init", "--name", "OpenSeal SM2 OCSP")
    org = json.loads(server.cli("org", "create", "--name", ORG_NAME, "--uscc", ORG_USCC,
                                "--json"))
    seal = json.loads(server.cli("seal", "create", "--org", org["id"], "--type", "contract",
                                 "--name", "SM2合同专用章", "--algorithm", "sm2", "--json"))
    server.cli("seal", "cert", seal["id"], "--out", str(tmp_path / "chain.pem"))
    cert, ca, root = load_pem_certificates((tmp_path / "chain.pem").read_bytes())
    cert_pem, ca_pem = write_pem(tmp_path / "seal.pem", cert), write_pem(tmp_path / "ca.pem", ca)
    [url] = cert.ocsp_urls
    assert url == f"{server.url}/api/v1/pki/ocsp"

    def ask(*options: str) -> str:
        done = openssl_sm2.run("ocsp", *options, "-issuer", ca_pem, "-cert", cert_pem, "-url",
                               url, "-noverify", "-respout", tmp_path / "answer.der")
        assert check.sm2_signature_verifies((tmp_path / "answer.der").read_bytes())
        return done.stdout.decode()

    process = server.start()
    try:
        assert f"{cert_pem}: good" in ask()
        server.cli("seal", "suspend", seal["id"], "--reason", "印章遗失")
        held = ask("-sm3")
        assert f"{cert_pem}: revoked" in held and "certificateHold" in held
        server.cli("seal", "resume", seal["id"], "--reason", "已找回")
        assert f"{cert_pem}: good" in ask("-sha256")
        published = httpx.get(f"{server.url}/api/v1/pki/sm2-roots.pem")
        assert [c.dump() for c in load_pem_certificates(published.content)] == [root.dump()]
    finally:
        process.terminate()
        process.wait(timeout=30)
