"""SM2 seals from the command line (issue 9): `seal create --algorithm sm2`, `seal show`,
`seal export-esl`, `ca export --sm2`, and PDF sealing refused. Real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from openseal.bootstrap import Wiring
from openseal.config import Settings
from openseal.core.ofd.ses import maker_signature_valid, read_seal
from openseal.core.pki.pem import load_pem_certificates
from openseal.core.pki.sm2_chain import sm2_chain
from tests.support.pdfs import reportlab_pdf
from tests.support.tools import require_tool

USCC = "91350100M000100Y43"


class Cli:
    def __init__(self, home: Path) -> None:
        self.home = home

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "OPENSEAL_HOME": str(self.home), "OPENSEAL_LANG": "en"}
        env.pop("OPENSEAL_DATABASE_URL", None)
        return subprocess.run([sys.executable, "-m", "openseal", *args], env=env,
                              capture_output=True, text=True, timeout=120)

    def json(self, *args: str, expect: int = 0) -> dict[str, Any]:
        result = self.run(*args, "--json")
        assert result.returncode == expect, result.stderr + result.stdout
        assert "Traceback" not in result.stderr
        return dict(json.loads(result.stdout))

    def stored_esl(self, seal_id: str) -> bytes | None:
        wiring = Wiring(Settings(home=self.home))
        try:
            with wiring.context() as c:
                seal = c.repos.get_seal(seal_id)
                assert seal is not None
                return seal.esl
        finally:
            wiring.engine.dispose()


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    cli = Cli(tmp_path_factory.mktemp("cli-sm2") / "home")
    cli.json("init")
    cli.json("org", "create", "--name", "北京开源印章科技有限公司", "--uscc", USCC)
    return cli


@pytest.fixture(scope="module")
def sm2_seal(cli: Cli) -> dict[str, Any]:
    return cli.json("seal", "create", "--org", USCC, "--type", "contract", "--name",
                    "SM2合同专用章", "--algorithm", "sm2")


@pytest.fixture(scope="module")
def ecdsa_seal(cli: Cli) -> dict[str, Any]:
    return cli.json("seal", "create", "--org", USCC, "--type", "contract", "--name", "合同专用章")


def test_create_list_and_show_name_the_algorithm(cli: Cli, sm2_seal: dict[str, Any],
                                                 ecdsa_seal: dict[str, Any]) -> None:
    assert sm2_seal["algorithm"] == "sm2" and ecdsa_seal["algorithm"] == "ecdsa"
    listed = {s["id"]: s["algorithm"] for s in cli.json("seal", "list")["seals"]}
    assert listed[sm2_seal["id"]] == "sm2" and listed[ecdsa_seal["id"]] == "ecdsa"
    shown = cli.json("seal", "show", sm2_seal["id"])
    assert shown["algorithm"] == "sm2" and len(shown["es_id"]) == 14
    assert cli.json("seal", "show", ecdsa_seal["id"])["es_id"] is None
    table = cli.run("seal", "list")
    assert table.returncode == 0 and "sm2" in table.stdout


def test_export_esl_writes_the_stored_seal(cli: Cli, sm2_seal: dict[str, Any],
                                           tmp_path: Path) -> None:
    out = tmp_path / "seal.esl"
    done = cli.json("seal", "export-esl", sm2_seal["id"], "--out", str(out))
    data = out.read_bytes()
    assert done["size"] == len(data) and data == cli.stored_esl(sm2_seal["id"])
    assert not [p for p in tmp_path.iterdir() if p.name != "seal.esl"]  # no temporary left
    esl = read_seal(data)
    assert esl.es_id == done["es_id"] and maker_signature_valid(esl)
    chain_pem = tmp_path / "chain.pem"
    cli.json("seal", "cert", sm2_seal["id"], "--out", str(chain_pem))
    seal_cert, *issuers = [c.dump() for c in load_pem_certificates(chain_pem.read_bytes())]
    assert esl.signer_certs == (seal_cert,)
    roots = tmp_path / "sm2-roots.pem"
    assert cli.json("ca", "export", "--sm2", "--out", str(roots))["count"] == 1
    [root] = [c.dump() for c in load_pem_certificates(roots.read_bytes())]
    assert issuers[-1] == root
    now = datetime.now(UTC)
    assert sm2_chain(seal_cert, issuers, [root], now).ok
    assert sm2_chain(esl.maker_cert, [], [root], now).ok
    pdf_roots = tmp_path / "roots.pem"
    assert cli.json("ca", "export", "--out", str(pdf_roots))["count"] == 1
    assert root not in [c.dump() for c in load_pem_certificates(pdf_roots.read_bytes())]


def test_openssl_reads_the_exported_certificate_as_sm2(cli: Cli, sm2_seal: dict[str, Any],
                                                       tmp_path: Path) -> None:
    openssl = require_tool("openssl")
    chain_pem = tmp_path / "chain.pem"
    cli.json("seal", "cert", sm2_seal["id"], "--out", str(chain_pem))
    text = subprocess.run([openssl, "x509", "-in", str(chain_pem), "-noout", "-text"],
                          capture_output=True, text=True, check=True).stdout
    assert "SM2-with-SM3" in text and "ASN1 OID: SM2" in text
    assert "Digital Signature, Non Repudiation" in text


def test_export_esl_of_an_ecdsa_seal_is_refused(cli: Cli, ecdsa_seal: dict[str, Any],
                                                tmp_path: Path) -> None:
    out = tmp_path / "x.esl"
    refused = cli.json("seal", "export-esl", ecdsa_seal["id"], "--out", str(out), expect=2)
    assert refused["error"] == "SEAL_NOT_SM2" and "not an SM2 seal" in refused["message"]
    assert not out.exists()


def test_a_bad_algorithm_is_refused_and_makes_nothing(cli: Cli) -> None:
    before = len(cli.json("seal", "list")["seals"])
    for bad, words in (("dsa", "Unknown seal algorithm"), ("ed25519", "Unknown seal algorithm")):
        refused = cli.json("seal", "create", "--org", USCC, "--type", "contract", "--name",
                           f"{bad} seal", "--algorithm", bad, expect=2)
        assert refused["error"] == "SEAL_ALGORITHM" and words in refused["message"]
    assert len(cli.json("seal", "list")["seals"]) == before


def test_sealing_a_pdf_with_an_sm2_seal_is_refused(cli: Cli, sm2_seal: dict[str, Any],
                                                   tmp_path: Path) -> None:
    (tmp_path / "in.pdf").write_bytes(reportlab_pdf())
    out = tmp_path / "out.pdf"
    refused = cli.json("sign", str(tmp_path / "in.pdf"), "--seal", sm2_seal["id"], "-o",
                       str(out), expect=2)
    assert refused["error"] == "SEAL_ALGORITHM_PDF" and "OFD" in refused["message"]
    assert not out.exists()
    events = [e for e in cli.json("audit", "list", "--action", "seal.use")["events"]
              if e["target"] == f"seal:{sm2_seal['id']}"]
    # the refusal is audited as such (outcome "refused"), never as a use
    assert [(e["outcome"], e["details"]["error"]) for e in events] == [
        ("refused", "SEAL_ALGORITHM_PDF")]
    wiring = Wiring(Settings(home=cli.home))
    try:
        with wiring.context() as c:
            assert c.repos.count_sealed_documents(sm2_seal["id"]) == 0
    finally:
        wiring.engine.dispose()
