"""Imported trust anchors (`openseal ca trust add|list|remove`, GET /api/v1/pki/anchors): a
third party's signature is untrusted until its root is imported, trusted after, untrusted
again once removed; only a self-signed CA certificate valid now is accepted."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from tests.support.api import World, make_world
from tests.support.cli import WorldCli
from tests.support.pdfs import reportlab_pdf

NOW = datetime.now(UTC)


Issuer = tuple[str, ec.EllipticCurvePrivateKey]


def _cert(name: str, key: ec.EllipticCurvePrivateKey, issuer: Issuer | None,
          ca: bool, start: datetime = NOW - timedelta(days=1),
          end: datetime = NOW + timedelta(days=365)) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    issuer_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer[0])]) \
        if issuer else subject
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=not ca, content_commitment=not ca, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                encipher_only=False, decipher_only=False), critical=True)
            .sign(issuer[1] if issuer else key, hashes.SHA256()))


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("anchors") / "home")


@pytest.fixture(scope="module")
def third_party() -> tuple[x509.Certificate, bytes]:
    """A foreign CA's root and a PDF signed by a certificate it issued."""
    root_key, signer_key = ec.generate_private_key(ec.SECP256R1()), \
        ec.generate_private_key(ec.SECP256R1())
    root = _cert("Licensed Test CA Root", root_key, None, ca=True)
    leaf = _cert("张三", signer_key, ("Licensed Test CA Root", root_key), ca=False)
    der_key = signer_key.private_bytes(serialization.Encoding.DER,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption())
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(leaf.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=SimpleCertificateStore.from_certs([asn1_x509.Certificate.load(
            root.public_bytes(serialization.Encoding.DER))]))
    out = io.BytesIO()
    signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(reportlab_pdf(title="third party"))),
                     signers.PdfSignatureMetadata(field_name="Sig1"), signer=signer, output=out)
    return root, out.getvalue()


def _untrusted(world: World, pdf: bytes) -> bool:
    report = world.client().post("/api/v1/verify", files={
        "file": ("t.pdf", pdf, "application/pdf")}).json()
    signature = report["signatures"][0]
    untrusted = "UNTRUSTED_SIGNER" in signature["reasons"]
    assert signature["anchor"] == (None if untrusted else "Licensed Test CA Root")
    return untrusted


def test_import_trust_and_remove(world: World, third_party: tuple[x509.Certificate, bytes],
                                 tmp_path: Path) -> None:
    root, pdf = third_party
    assert _untrusted(world, pdf)
    path = tmp_path / "root.pem"
    path.write_bytes(_pem(root))
    cli = WorldCli(world, "ca", "trust")
    added = cli.json("add", str(path), "--name", "某认证机构根证书")
    assert added["name"] == "某认证机构根证书"
    assert not _untrusted(world, pdf)
    listed = world.client().get("/api/v1/pki/anchors").json()["imported"]
    assert [a["sha256"] for a in listed] == [added["sha256"]]
    again = cli.json("add", str(path), expect=2)
    assert again["error"] == "ANCHOR_EXISTS"
    assert cli.json("remove", added["id"])["removed"] is True
    assert _untrusted(world, pdf)
    assert [e["action"] for e in world.audit() if e["action"].startswith("trust.")] == [
        "trust.add", "trust.remove"]


@pytest.mark.parametrize("case, code", [
    ("leaf", "ANCHOR_NOT_CA"), ("intermediate", "ANCHOR_NOT_SELF_SIGNED"),
    ("expired", "ANCHOR_EXPIRED"), ("garbage", "CERT_FILE")])
def test_only_a_valid_self_signed_ca_is_accepted(world: World, tmp_path: Path, case: str,
                                                 code: str) -> None:
    key, other = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(
        ec.SECP256R1())
    made = {
        "leaf": lambda: _pem(_cert("leaf", key, None, ca=False)),
        "intermediate": lambda: _pem(_cert("sub CA", key, ("other root", other), ca=True)),
        "expired": lambda: _pem(_cert("old root", key, None, ca=True,
                                      start=NOW - timedelta(days=30),
                                      end=NOW - timedelta(days=1))),
        "garbage": lambda: b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    }[case]()
    path = tmp_path / f"{case}.pem"
    path.write_bytes(made)
    refused = WorldCli(world, "ca", "trust").json("add", str(path), expect=2)
    assert refused["error"] == code, refused
    assert world.client().get("/api/v1/pki/anchors").json()["imported"] == []


def test_own_root_is_already_trusted(world: World, tmp_path: Path) -> None:
    path = tmp_path / "own.pem"
    path.write_bytes(world.client().get("/api/v1/pki/roots.pem").content)
    assert WorldCli(world, "ca", "trust").json("add", str(path), expect=2)["error"] == \
        "ANCHOR_EXISTS"
