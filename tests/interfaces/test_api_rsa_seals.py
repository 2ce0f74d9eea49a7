"""RSA seals over HTTP (issue 9 item 3), on SQLite and PostgreSQL: `algorithm: rsa` on
seal creation (JSON and the upload form), sealing a PDF, an OFD refused, renewal keeping RSA,
an RSA PKCS#12 imported (a 1024-bit one refused). The CLI: test_rsa_seals.py."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from asn1crypto import x509
from cryptography.hazmat.primitives.serialization import Encoding
from fastapi.testclient import TestClient
from PIL import Image

from openseal.core.pki.pem import load_pem_certificates
from tests.support import producers
from tests.support.api import World, world_on_each_backend
from tests.support.imported_seals import ca_p12, licensed_ca
from tests.support.ofd import make_ofd
from tests.support.signature_checks import pyhanko_status, rsa_bits

API = "/api/v1"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[World]:
    yield from world_on_each_backend(request, tmp_path_factory, "api-rsa")


def api_chain(http: TestClient, seal_id: str) -> list[x509.Certificate]:
    answer = http.get(f"{API}/seals/{seal_id}/certificate.pem")
    assert answer.status_code == 200, answer.text
    return list(load_pem_certificates(answer.content))


def test_the_api_makes_seals_with_and_renews_an_rsa_seal(world: World) -> None:
    party = world.parties["A"]
    custodian = world.login(party.custodian)
    made = custodian.post(f"{API}/seals", json={"type": "contract", "name": "API RSA章",
                                                "algorithm": "RSA"})
    assert made.status_code == 201, made.text
    seal = made.json()
    assert seal["algorithm"] == "rsa" and seal["esl_url"] is None
    assert custodian.get(f"{API}/seals/{seal['id']}").json()["algorithm"] == "rsa"
    assert rsa_bits(api_chain(custodian, seal["id"])[0]) == 3072
    granted = custodian.post(f"{API}/seals/{seal['id']}/grants", json={
        "user_id": party.member_id, "level": "use", "reason": "测试 test"})
    assert granted.status_code == 201, granted.text
    member = world.login(party.member)
    answer = member.post(f"{API}/documents/seal", data={"seal_id": seal["id"]},
                         files={"file": ("c.pdf", producers.reportlab(), "application/pdf")})
    assert answer.status_code == 200, answer.text
    with world.wiring.context() as c:
        anchors = c.pki.trust_anchors()
    status = pyhanko_status(answer.content, anchors)
    assert status.bottom_line and status.pkcs7_signature_mechanism == "sha256_rsa"
    ofd = member.post(f"{API}/documents/seal", data={"seal_id": seal["id"]},
                      files={"file": ("c.ofd", make_ofd(1), "application/ofd")},
                      headers={"Accept-Language": "zh"})
    assert ofd.status_code == 422 and ofd.json()["code"] == "SEAL_ALGORITHM_OFD"
    assert "不是 SM2 印章" in ofd.text
    with world.wiring.context() as c:
        assert c.repos.count_sealed_documents(seal["id"]) == 1
    renewed = custodian.post(f"{API}/seals/{seal['id']}/renew",
                             json={"reason": "续期 renew"})
    assert renewed.status_code == 200, renewed.text
    assert renewed.json()["seal"]["algorithm"] == "rsa"
    new = api_chain(custodian, seal["id"])[0]
    assert rsa_bits(new) == 3072 and f"{new.serial_number:x}" == \
        renewed.json()["seal"]["certificate_serial"]


def test_the_api_upload_form_takes_rsa_and_refuses_unknown_algorithms(world: World) -> None:
    custodian = world.login(world.parties["A"].custodian)
    png = io.BytesIO()
    Image.new("RGBA", (200, 200), (220, 0, 0, 255)).save(png, "PNG")
    made = custodian.post(f"{API}/seals/upload", data={"type": "official", "name": "上传RSA章",
                                                       "algorithm": "rsa"},
                          files={"file": ("s.png", png.getvalue(), "image/png")})
    assert made.status_code == 201 and made.json()["algorithm"] == "rsa", made.text
    before = len(custodian.get(f"{API}/seals").json())
    refused = custodian.post(f"{API}/seals", json={"type": "contract", "name": "x",
                                                   "algorithm": "rsa-1024"},
                             headers={"Accept-Language": "en"})
    assert refused.status_code == 422 and refused.json()["code"] == "SEAL_ALGORITHM"
    assert "ecdsa, rsa, sm2" in refused.text
    assert len(custodian.get(f"{API}/seals").json()) == before


def test_an_rsa_pkcs12_is_imported_over_http_and_a_short_one_refused(world: World) -> None:
    name, uscc = world_org(world)
    custodian = world.login(world.parties["A"].custodian)
    ca = licensed_ca()
    done = custodian.post(f"{API}/seals/import", data={"password": "pw-1234", "type": "finance",
                                                       "name": "CA RSA财务章"},
                          files={"p12": ("seal.p12", ca_p12(ca, name, uscc, b"pw-1234",
                                                            rsa_key=True, rsa_bits=4096))})
    assert done.status_code == 201, done.text
    assert (done.json()["origin"], done.json()["algorithm"]) == ("imported", "rsa")
    seal_id = done.json()["id"]
    assert rsa_bits(api_chain(custodian, seal_id)[0]) == 4096
    party = world.parties["A"]
    granted = custodian.post(f"{API}/seals/{seal_id}/grants", json={
        "user_id": party.member_id, "level": "use", "reason": "测试 test"})
    assert granted.status_code == 201, granted.text
    sealed = world.login(party.member).post(
        f"{API}/documents/seal", data={"seal_id": seal_id},
        files={"file": ("c.pdf", producers.reportlab(), "application/pdf")})
    assert sealed.status_code == 200, sealed.text  # room for a 512-byte signature
    root = x509.Certificate.load(ca.root.public_bytes(Encoding.DER))
    with world.wiring.context() as c:
        ours = c.pki.trust_anchors()  # the timestamp's
    status = pyhanko_status(sealed.content, [root, *ours])
    assert status.bottom_line and status.pkcs7_signature_mechanism == "sha256_rsa"
    before = len(custodian.get(f"{API}/seals").json())
    short = custodian.post(f"{API}/seals/import", data={"password": "pw-1234"},
                           files={"p12": ("weak.p12", ca_p12(ca, name, uscc, b"pw-1234",
                                                             rsa_key=True, rsa_bits=1024))},
                           headers={"Accept-Language": "zh"})
    assert short.status_code == 422 and short.json()["code"] == "KEY_RSA_TOO_SMALL"
    assert "RSA 密钥过短（1024 位），至少需要 2048 位" in short.text
    assert len(custodian.get(f"{API}/seals").json()) == before


def world_org(world: World) -> tuple[str, str]:
    with world.wiring.context() as c:
        org = c.repos.get_organization(world.parties["A"].org_id)
        assert org is not None
        return org.name, org.uscc
