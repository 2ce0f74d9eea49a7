"""RSA seals (issue 9 item 3): `openseal seal create --algorithm rsa` as a real process, PDFs
from several producers sealed with it and checked by independent validators (pdfsig/NSS,
pyHanko, `openssl cms`, `openssl pkeyutl`), batch sealing, renewal keeping RSA, an RSA
PKCS#12 imported, OFD refused. Over HTTP: test_api_rsa_seals.py."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import pem, x509
from cryptography.hazmat.primitives.serialization import Encoding

from openseal.core.pki.pem import load_pem_certificates
from tests.support import producers
from tests.support.imported_seals import ca_p12, licensed_ca
from tests.support.ofd import make_ofd
from tests.support.server import Server
from tests.support.signature_checks import pyhanko_status, rsa_bits, signer_info
from tests.support.tools import require_tool

USCC = "91350100M000100Y43"
ORG = "北京开源印章科技有限公司"
PRODUCERS: dict[str, Callable[[], bytes]] = {
    "reportlab": producers.reportlab,
    "ghostscript": producers.ghostscript,
    "qpdf-object-streams": producers.qpdf_object_streams,
    "third-party-signed": producers.third_party_signed,
}


class Cli:
    """``openseal`` as a real process on the server's OPENSEAL_HOME (SQLite); certificates
    name the server's URL for OCSP, so pdfsig (NSS) can ask it once it runs."""

    def __init__(self, server: Server) -> None:
        self.server = server

    def run(self, *args: str, lang: str = "en") -> subprocess.CompletedProcess[str]:
        env = {**self.server.env, "OPENSEAL_LANG": lang}
        return subprocess.run([sys.executable, "-m", "openseal", *args], env=env,
                              capture_output=True, text=True, timeout=120)

    def json(self, *args: str, expect: int = 0, lang: str = "en") -> dict[str, Any]:
        done = self.run(*args, "--json", lang=lang)
        assert done.returncode == expect, done.stderr + done.stdout
        assert "Traceback" not in done.stderr
        return dict(json.loads(done.stdout))


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    server = Server(tmp_path_factory.mktemp("cli-rsa") / "home", None)
    server.env["OPENSEAL_BASE_URL"] = server.url  # the OCSP URL new certificates carry
    cli = Cli(server)
    cli.json("init")
    cli.json("org", "create", "--name", ORG, "--uscc", USCC)
    return cli


@pytest.fixture(scope="module")
def rsa_seal(cli: Cli) -> dict[str, Any]:
    return cli.json("seal", "create", "--org", USCC, "--type", "contract", "--name",
                    "RSA合同专用章", "--algorithm", "rsa")


@pytest.fixture(scope="module")
def roots(cli: Cli, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rsa-roots") / "roots.pem"
    assert cli.json("ca", "export", "--out", str(path))["count"] == 1
    return path


def seal_chain(cli: Cli, seal_id: str, folder: Path) -> list[x509.Certificate]:
    path = folder / f"{seal_id}.pem"
    cli.json("seal", "cert", seal_id, "--out", str(path))
    return list(load_pem_certificates(path.read_bytes()))


def nss_db(roots: Path, folder: Path) -> str:
    """An NSS database trusting ``roots`` (one PEM certificate), as pdfsig reads it."""
    certutil = require_tool("certutil")
    db = f"sql:{folder}"
    subprocess.run([certutil, "-N", "-d", db, "--empty-password"], check=True,
                   capture_output=True)
    subprocess.run([certutil, "-A", "-d", db, "-n", "openseal-root", "-t", "CT,C,C", "-i",
                    str(roots)], check=True, capture_output=True)
    return db


def last_pdfsig_block(db: str, path: Path) -> str:
    done = subprocess.run([require_tool("pdfsig"), "-nssdir", db, str(path)],
                          capture_output=True, text=True, timeout=60, check=False)
    blocks = re.split(r"^Signature #\d+:\s*$", done.stdout, flags=re.M)[1:]
    assert blocks, done.stdout + done.stderr
    return blocks[-1]


# ------------------------------------------------------------------ the CLI


def test_the_rsa_seal_is_made_shown_and_certified_for_signing(
        cli: Cli, rsa_seal: dict[str, Any], tmp_path: Path) -> None:
    assert rsa_seal["algorithm"] == "rsa"
    shown = cli.json("seal", "show", rsa_seal["id"])
    assert shown["algorithm"] == "rsa" and shown["es_id"] is None
    listed = {s["id"]: s["algorithm"] for s in cli.json("seal", "list")["seals"]}
    assert listed[rsa_seal["id"]] == "rsa"
    leaf, *_ = seal_chain(cli, rsa_seal["id"], tmp_path)
    assert rsa_bits(leaf) == 3072
    text = subprocess.run([require_tool("openssl"), "x509", "-noout", "-text", "-in",
                           str(tmp_path / f"{rsa_seal['id']}.pem")],
                          capture_output=True, text=True, check=True).stdout
    assert "Public Key Algorithm: rsaEncryption" in text and "(3072 bit)" in text
    assert "Exponent: 65537" in text and "Digital Signature, Non Repudiation" in text
    assert "Signature Algorithm: ecdsa-with-SHA256" in text  # issued by the EC org CA
    refused = cli.json("seal", "export-esl", rsa_seal["id"], "--out",
                       str(tmp_path / "none.esl"), expect=2)
    assert refused["error"] == "SEAL_NOT_SM2"


@pytest.mark.parametrize("producer", list(PRODUCERS))
def test_pdfs_sealed_with_rsa_pass_independent_validators(
        cli: Cli, rsa_seal: dict[str, Any], roots: Path, tmp_path: Path,
        producer: str) -> None:
    (tmp_path / "in.pdf").write_bytes(PRODUCERS[producer]())
    out = tmp_path / "out.pdf"
    cli.json("sign", str(tmp_path / "in.pdf"), "--seal", rsa_seal["id"], "-o", str(out))
    report = cli.json("verify", str(out), expect=2 if producer == "third-party-signed" else 0)
    assert report["signatures"][-1]["verdict"] == "VALID", report
    sealed = out.read_bytes()
    status = pyhanko_status(sealed, list(load_pem_certificates(roots.read_bytes())))
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert (status.pkcs7_signature_mechanism, status.md_algorithm) == ("sha256_rsa", "sha256")
    block = last_pdfsig_block(nss_db(roots, tmp_path), out)
    assert "Signature Validation: Signature is Valid." in block, block
    assert "Signing Hash Algorithm: SHA-256" in block and "RSA合同专用章" in block
    blob, signed, info = signer_info(sealed)
    assert info["signature_algorithm"]["algorithm"].native == "sha256_rsa"
    assert len(info["signature"].native) == 3072 // 8
    (tmp_path / "sig.der").write_bytes(blob)
    (tmp_path / "signed.bin").write_bytes(signed)
    checked = subprocess.run(
        [require_tool("openssl"), "cms", "-verify", "-binary", "-inform", "DER", "-in",
         str(tmp_path / "sig.der"), "-content", str(tmp_path / "signed.bin"), "-CAfile",
         str(roots), "-purpose", "any", "-out", "/dev/null"],
        capture_output=True, text=True, check=False)
    assert "Verification successful" in checked.stderr, checked.stderr
    (tmp_path / "signed.bin").write_bytes(signed[:-1] + bytes([signed[-1] ^ 1]))
    tampered = subprocess.run(
        [require_tool("openssl"), "cms", "-verify", "-binary", "-inform", "DER", "-in",
         str(tmp_path / "sig.der"), "-content", str(tmp_path / "signed.bin"), "-CAfile",
         str(roots), "-purpose", "any", "-out", "/dev/null"],
        capture_output=True, text=True, check=False)
    assert tampered.returncode != 0 and "Verification successful" not in tampered.stderr


def test_pdfsig_trusts_the_rsa_certificate_then_sees_it_revoked(
        cli: Cli, roots: Path, tmp_path: Path) -> None:
    """NSS asks the seal certificate's OCSP responder (a real `openseal serve`): trusted,
    and revoked after `openseal seal revoke`."""
    seal = cli.json("seal", "create", "--org", USCC, "--type", "contract", "--name",
                    "RSA吊销章", "--algorithm", "rsa")
    (tmp_path / "in.pdf").write_bytes(producers.reportlab())
    out = tmp_path / "out.pdf"
    cli.json("sign", str(tmp_path / "in.pdf"), "--seal", seal["id"], "-o", str(out))
    (tmp_path / "nss").mkdir()
    db = nss_db(roots, tmp_path / "nss")
    process = cli.server.start()
    try:
        block = last_pdfsig_block(db, out)
        assert "Certificate Validation: Certificate is Trusted." in block, block
        cli.json("seal", "revoke", seal["id"], "--reason", "retired")
        block = last_pdfsig_block(db, out)
        assert "Certificate Validation: Certificate has been Revoked." in block, block
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_openssl_pkeyutl_checks_the_raw_pkcs1_signature(
        cli: Cli, rsa_seal: dict[str, Any], tmp_path: Path) -> None:
    """The signature over the signed attributes, checked with the bare public key."""
    (tmp_path / "in.pdf").write_bytes(producers.reportlab())
    cli.json("sign", str(tmp_path / "in.pdf"), "--seal", rsa_seal["id"], "-o",
             str(tmp_path / "out.pdf"))
    _, signed, info = signer_info((tmp_path / "out.pdf").read_bytes())
    attrs = info["signed_attrs"]
    digest = next(a["values"][0].native for a in attrs if a["type"].native == "message_digest")
    assert digest == hashlib.sha256(signed).digest()
    leaf, *_ = seal_chain(cli, rsa_seal["id"], tmp_path)
    (tmp_path / "pub.pem").write_bytes(pem.armor("PUBLIC KEY", leaf.public_key.dump()))
    der_set = b"\x31" + attrs.dump()[1:]  # signed over as SET OF, not [0] IMPLICIT
    (tmp_path / "hash.bin").write_bytes(hashlib.sha256(der_set).digest())
    (tmp_path / "sig.bin").write_bytes(info["signature"].native)
    done = subprocess.run(
        [require_tool("openssl"), "pkeyutl", "-verify", "-pubin", "-inkey",
         str(tmp_path / "pub.pem"), "-in", str(tmp_path / "hash.bin"), "-sigfile",
         str(tmp_path / "sig.bin"), "-pkeyopt", "digest:sha256",
         "-pkeyopt", "rsa_padding_mode:pkcs1"], capture_output=True, text=True, check=False)
    assert "Signature Verified Successfully" in done.stdout, done.stdout + done.stderr


def test_rsa_and_ecdsa_seals_on_one_document_at_b_lt(cli: Cli, rsa_seal: dict[str, Any],
                                                     roots: Path, tmp_path: Path) -> None:
    ecdsa = cli.json("seal", "create", "--org", USCC, "--type", "official", "--name", "公章")
    (tmp_path / "in.pdf").write_bytes(producers.reportlab())
    out = tmp_path / "out.pdf"
    cli.json("sign", str(tmp_path / "in.pdf"), "--seal", rsa_seal["id"], "--seal",
             ecdsa["id"], "--at", "1:30:50", "--at", "1:120:50", "--level", "B-LT", "-o",
             str(out))
    report = cli.json("verify", str(out))
    assert report["verdict"] == "VALID", report
    assert [(s["seal_name"], s["pades_level"]) for s in report["signatures"]] == [
        ("RSA合同专用章", "B-LT"), ("公章", "B-LT")]
    anchors = list(load_pem_certificates(roots.read_bytes()))
    mechanisms = [pyhanko_status(out.read_bytes(), anchors, n).pkcs7_signature_mechanism
                  for n in (0, 1)]
    assert mechanisms == ["sha256_rsa", "sha256_ecdsa"]


def test_a_batch_is_sealed_with_the_rsa_seal(cli: Cli, rsa_seal: dict[str, Any],
                                             roots: Path, tmp_path: Path) -> None:
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    for n in range(2):
        (in_dir / f"doc-{n}.pdf").write_bytes(producers.reportlab())
    done = cli.json("batch", str(in_dir), "-o", str(out_dir), "--seal", rsa_seal["id"])
    assert (done["sealed"], done["failed"]) == (2, 0), done
    anchors = list(load_pem_certificates(roots.read_bytes()))
    for n in range(2):
        status = pyhanko_status((out_dir / f"doc-{n}.pdf").read_bytes(), anchors)
        assert status.bottom_line and status.pkcs7_signature_mechanism == "sha256_rsa"


def test_renewal_keeps_rsa_with_a_new_key(cli: Cli, roots: Path, tmp_path: Path) -> None:
    seal = cli.json("seal", "create", "--org", USCC, "--type", "finance", "--name",
                    "RSA财务专用章", "--algorithm", "rsa")
    old, *_ = seal_chain(cli, seal["id"], tmp_path)
    cli.json("seal", "renew", seal["id"], "--reason", "证书到期 expiring")
    assert cli.json("seal", "show", seal["id"])["algorithm"] == "rsa"
    (tmp_path / "new").mkdir()
    new, *_ = seal_chain(cli, seal["id"], tmp_path / "new")
    assert rsa_bits(new) == 3072 and new.serial_number != old.serial_number
    assert new.public_key.dump() != old.public_key.dump()
    (tmp_path / "in.pdf").write_bytes(producers.reportlab())
    cli.json("sign", str(tmp_path / "in.pdf"), "--seal", seal["id"], "-o",
             str(tmp_path / "out.pdf"))
    sealed = (tmp_path / "out.pdf").read_bytes()
    status = pyhanko_status(sealed, list(load_pem_certificates(roots.read_bytes())))
    assert status.bottom_line and status.signing_cert.dump() == new.dump()


def test_an_ofd_file_is_refused_with_the_rsa_seal_and_nothing_written(
        cli: Cli, rsa_seal: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "in.ofd").write_bytes(make_ofd(1))
    out = tmp_path / "out.ofd"
    refused = cli.json("sign", str(tmp_path / "in.ofd"), "--seal", rsa_seal["id"], "-o",
                       str(out), expect=2)
    assert refused["error"] == "SEAL_ALGORITHM_OFD"
    assert "not an SM2 seal" in refused["message"] and "OFD" in refused["message"]
    zh = cli.json("sign", str(tmp_path / "in.ofd"), "--seal", rsa_seal["id"], "-o", str(out),
                  expect=2, lang="zh")
    assert zh["error"] == "SEAL_ALGORITHM_OFD" and "不是 SM2 印章" in zh["message"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.ofd"]


def test_an_rsa_pkcs12_is_imported_and_seals_a_pdf(cli: Cli, tmp_path: Path) -> None:
    ca = licensed_ca()
    p12 = tmp_path / "rsa.p12"
    p12.write_bytes(ca_p12(ca, ORG, USCC, b"pw-1234", rsa_key=True, common_name="RSA导入章"))
    (tmp_path / "pw").write_bytes(b"pw-1234")
    done = cli.json("seal", "import", "--org", USCC, "--p12", str(p12), "--password-file",
                    str(tmp_path / "pw"), "--type", "contract")
    assert (done["origin"], done["algorithm"], done["name"]) == ("imported", "rsa", "RSA导入章")
    (tmp_path / "in.pdf").write_bytes(producers.reportlab())
    cli.json("sign", str(tmp_path / "in.pdf"), "--seal", done["id"], "-o",
             str(tmp_path / "out.pdf"))
    root = tmp_path / "ca-root.pem"
    root.write_bytes(pem.armor("CERTIFICATE", ca.root.public_bytes(Encoding.DER)))
    report = cli.json("verify", str(tmp_path / "out.pdf"), "--trust", str(root))
    assert report["verdict"] == "VALID", report
