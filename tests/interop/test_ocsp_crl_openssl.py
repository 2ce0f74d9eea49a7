"""OpenSSL against a real `openseal serve`: `openssl ocsp` says good, then revoked after
`openseal seal revoke`; `openssl crl` parses the CRL, checks its signature and lists the serial."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.instance import ORG_NAME, ORG_USCC
from tests.support.server import Server
from tests.support.tools import require_tool

pytestmark = pytest.mark.tools
PEM = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\n?", re.S)


@dataclass
class Served:
    server: Server
    folder: Path
    seal_id: str
    org_id: str

    def path(self, name: str) -> str:
        return str(self.folder / name)


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[Served]:
    server = Server(tmp_path / "home", None)
    server.env["OPENSEAL_BASE_URL"] = server.url  # what new certificates point at
    server.env["OPENSEAL_PUBLIC_URL"] = server.url
    server.cli("init", "--name", "OpenSeal OCSP Test")
    org = json.loads(server.cli("org", "create", "--name", ORG_NAME, "--uscc", ORG_USCC,
                                "--json"))
    seal = json.loads(server.cli("seal", "create", "--org", org["id"], "--type", "contract",
                                 "--name", "合同专用章", "--json"))
    server.cli("seal", "cert", seal["id"], "--out", str(tmp_path / "chain.pem"))
    server.cli("ca", "export", "--out", str(tmp_path / "roots.pem"))
    seal_pem, org_ca_pem, *_ = PEM.findall((tmp_path / "chain.pem").read_text())
    (tmp_path / "seal.pem").write_text(seal_pem)
    (tmp_path / "org_ca.pem").write_text(org_ca_pem)
    process = server.start()
    try:
        yield Served(server, tmp_path, seal["id"], org["id"])
    finally:
        process.terminate()
        process.wait(timeout=30)


def openssl_ocsp(s: Served) -> str:
    done = subprocess.run(
        [require_tool("openssl"), "ocsp", "-issuer", s.path("org_ca.pem"), "-cert",
         s.path("seal.pem"), "-url", f"{s.server.url}/api/v1/pki/ocsp", "-CAfile",
         s.path("roots.pem")], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Response verify OK" in done.stderr + done.stdout, done.stdout + done.stderr
    return done.stdout


def openssl_crl(s: Served) -> str:
    crl = httpx.get(f"{s.server.url}/api/v1/pki/crl/{s.org_id}.crl")
    assert crl.headers["content-type"] == "application/pkix-crl"
    Path(s.path("org.crl")).write_bytes(crl.content)
    done = subprocess.run(
        [require_tool("openssl"), "crl", "-inform", "DER", "-in", s.path("org.crl"), "-text",
         "-noout", "-CAfile", s.path("org_ca.pem")],
        capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and "verify OK" in done.stderr + done.stdout, done.stderr
    return done.stdout


def seal_serial(s: Served) -> str:
    done = subprocess.run([require_tool("openssl"), "x509", "-in", s.path("seal.pem"),
                           "-noout", "-serial"], capture_output=True, text=True, check=True)
    return done.stdout.strip().split("=", 1)[1].upper()


def test_openssl_ocsp_good_then_revoked_and_crl_lists_the_serial(served: Served) -> None:
    assert f"{served.path('seal.pem')}: good" in openssl_ocsp(served)
    before = openssl_crl(served)
    assert "No Revoked Certificates" in before and "CRL Number" in before
    out = served.server.cli("seal", "revoke", served.seal_id, "--reason", "钥匙泄露",
                            "--code", "key-compromise", "--json")
    assert json.loads(out)["status"] == "revoked"
    answer = openssl_ocsp(served)
    assert f"{served.path('seal.pem')}: revoked" in answer and "keyCompromise" in answer
    after = openssl_crl(served)
    assert f"Serial Number: {seal_serial(served)}" in after
    assert "Key Compromise" in after


def test_suspension_shows_as_hold_until_resumed(served: Served) -> None:
    served.server.cli("seal", "suspend", served.seal_id, "--reason", "印章遗失")
    answer = openssl_ocsp(served)
    assert "revoked" in answer and "certificateHold" in answer
    assert "Certificate Hold" in openssl_crl(served)
    served.server.cli("seal", "resume", served.seal_id, "--reason", "已找回")
    assert f"{served.path('seal.pem')}: good" in openssl_ocsp(served)
    assert "No Revoked Certificates" in openssl_crl(served)
