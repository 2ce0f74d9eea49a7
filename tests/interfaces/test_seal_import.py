"""`openseal seal import` (issue 9, item 4): seals made elsewhere, from the command line, as
real processes. The core checks are in tests/unit/seals/test_importing.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openseal.core.ofd.ses import read_seal
from tests.support import openssl_sm2
from tests.support.api import ORGS, World, make_world
from tests.support.imported_seals import (
    MAKER_NAME,
    MadeSeal,
    ca_p12,
    licensed_ca,
    licensed_seal,
    write,
)
from tests.support.pdfs import reportlab_pdf

ORG = "北京开源印章科技有限公司"
USCC = "91350100M000100Y43"
PASSWORD = b"correct horse \xe9\xa9\xac"
API = "/api/v1"


class Cli:
    def __init__(self, home: Path) -> None:
        self.home = home

    def run(self, *args: str | Path, lang: str = "en") -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "OPENSEAL_HOME": str(self.home), "OPENSEAL_LANG": lang}
        env.pop("OPENSEAL_DATABASE_URL", None)
        return subprocess.run([sys.executable, "-m", "openseal", *map(str, args)], env=env,
                              capture_output=True, text=True, timeout=120)

    def json(self, *args: str | Path, expect: int = 0, lang: str = "en") -> dict[str, Any]:
        result = self.run(*args, "--json", lang=lang)
        assert result.returncode == expect, result.stderr + result.stdout
        assert "Traceback" not in result.stderr
        return dict(json.loads(result.stdout))

    def seal_count(self) -> int:
        return len(self.json("seal", "list")["seals"])


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    cli = Cli(tmp_path_factory.mktemp("cli-import") / "home")
    cli.json("init")
    cli.json("org", "create", "--name", ORG, "--uscc", USCC)
    return cli


@pytest.fixture()
def made(tmp_path: Path) -> MadeSeal:
    return licensed_seal(ORG, USCC, es_id=f"3501009{abs(hash(tmp_path)) % 10**7:07d}")


def test_import_an_esl_list_show_and_export_it(cli: Cli, made: MadeSeal, tmp_path: Path) -> None:
    esl, key = write(tmp_path, "seal.esl", made.esl), write(tmp_path, "key.pem", made.pem_key())
    done = cli.json("seal", "import", "--org", USCC, "--esl", esl, "--key", key)
    assert (done["origin"], done["algorithm"], done["es_id"]) == ("imported", "sm2", made.es_id)
    assert MAKER_NAME in done["maker"] and done["name"] == "合同专用章"
    listed = {s["id"]: s for s in cli.json("seal", "list")["seals"]}
    assert listed[done["id"]]["origin"] == "imported"
    assert MAKER_NAME in listed[done["id"]]["maker"]
    shown = cli.json("seal", "show", done["id"])
    assert shown["es_id"] == made.es_id and shown["origin"] == "imported"
    out = tmp_path / "back.esl"
    cli.json("seal", "export-esl", done["id"], "--out", out)
    assert out.read_bytes() == made.esl
    table = cli.run("seal", "list")
    assert table.returncode == 0


def test_encrypted_key_with_a_password_file(cli: Cli, made: MadeSeal, tmp_path: Path) -> None:
    key = write(tmp_path, "key.pem", made.pem_key())
    pw = write(tmp_path, "pw.txt", PASSWORD + b"\n")
    write(tmp_path, "pw-raw", PASSWORD)
    openssl_sm2.run("pkcs8", "-topk8", "-in", key, "-passout", f"file:{tmp_path / 'pw-raw'}",
                    "-out", tmp_path / "enc.pem")
    esl = write(tmp_path, "seal.esl", made.esl)
    before = cli.seal_count()
    wrong = write(tmp_path, "wrong.txt", b"nope\n")
    error = cli.json("seal", "import", "--org", USCC, "--esl", esl, "--key", tmp_path / "enc.pem",
                     "--password-file", wrong, expect=2)
    assert error["error"] == "SM2_KEY_PASSWORD" and "wrong password" in error["message"]
    zh = cli.json("seal", "import", "--org", USCC, "--esl", esl, "--key", tmp_path / "enc.pem",
                  expect=2, lang="zh")
    assert zh["error"] == "SM2_KEY_PASSWORD" and "口令" in zh["message"]
    assert cli.seal_count() == before
    done = cli.json("seal", "import", "--org", USCC, "--esl", esl, "--key", tmp_path / "enc.pem",
                    "--password-file", pw)
    assert done["origin"] == "imported" and cli.seal_count() == before + 1
    # a password on the command line is not an option
    usage = cli.run("seal", "import", "--org", USCC, "--esl", esl, "--key", key,
                    "--password", "x")
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_refusals_store_nothing(cli: Cli, made: MadeSeal, tmp_path: Path) -> None:
    picture = read_seal(made.esl).picture.data
    at = made.esl.index(picture) + 10
    broken = write(tmp_path, "broken.esl",
                   made.esl[:at] + bytes([made.esl[at] ^ 0xFF]) + made.esl[at + 1:])
    key = write(tmp_path, "key.der", made.pkcs8)
    before = cli.seal_count()
    error = cli.json("seal", "import", "--org", USCC, "--esl", broken, "--key", key, expect=2)
    assert error["error"] == "SES_SEAL_SIGNATURE_INVALID"
    other = licensed_seal(ORG, USCC)
    error = cli.json("seal", "import", "--org", USCC, "--esl", write(tmp_path, "s.esl", made.esl),
                     "--key", write(tmp_path, "other.der", other.pkcs8), expect=2)
    assert error["error"] == "SES_KEY_NOT_IN_SEAL" and "key not in the seal" in error["message"]
    error = cli.json("seal", "import", "--org", USCC, "--esl", tmp_path / "s.esl", "--p12",
                     key, expect=2)
    assert error["error"] == "IMPORT_USAGE"
    error = cli.json("seal", "import", "--org", USCC, "--esl", tmp_path / "missing.esl",
                     "--key", key, expect=2)
    assert error["error"] == "FILE_UNREADABLE"
    assert cli.seal_count() == before
    events = cli.json("audit", "list", "--action", "seal.import")["events"]
    codes = {e["details"].get("error") for e in events if e["outcome"] == "refused"}
    assert {"SES_SEAL_SIGNATURE_INVALID", "SES_KEY_NOT_IN_SEAL"} <= codes, events


def test_import_a_pkcs12_sign_a_pdf_and_verify_with_the_ca_root(cli: Cli, tmp_path: Path) -> None:
    ca = licensed_ca()
    p12 = write(tmp_path, "seal.p12", ca_p12(ca, ORG, USCC, PASSWORD))
    pw = write(tmp_path, "pw", PASSWORD)
    done = cli.json("seal", "import", "--org", USCC, "--p12", p12, "--password-file", pw,
                    "--type", "contract", "--name", "CA合同章")
    assert (done["origin"], done["algorithm"], done["name"]) == ("imported", "ecdsa", "CA合同章")
    assert "Licensed Test CA Root" in done["maker"]
    pdf = write(tmp_path, "in.pdf", reportlab_pdf())
    cli.json("sign", pdf, "--seal", done["id"], "-o", tmp_path / "out.pdf")
    root = write(tmp_path, "ca-root.pem", ca.root_pem)
    report = cli.run("verify", tmp_path / "out.pdf", "--json", "--trust", root)
    facts = json.loads(report.stdout)
    assert facts["verdict"] == "VALID", facts
    rsa = write(tmp_path, "rsa.p12", ca_p12(ca, ORG, USCC, PASSWORD, rsa_key=True,
                                            rsa_bits=1024))
    error = cli.json("seal", "import", "--org", USCC, "--p12", rsa, "--password-file", pw,
                     expect=2)
    assert error["error"] == "KEY_RSA_TOO_SMALL" and "1024 bits" in error["message"]


# ------------------------------------------------------------------ over HTTP


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    world = make_world(tmp_path_factory.mktemp("api-import") / "home")
    yield world
    world.wiring.engine.dispose()


def test_import_over_http_needs_seals_manage(world: World) -> None:
    name, uscc = ORGS["A"]
    made = licensed_seal(name, uscc, es_id="35010098000001")
    files = {"esl": ("seal.esl", made.esl), "key": ("key.der", made.pkcs8)}
    member = world.login(world.parties["A"].member)
    assert member.post(f"{API}/seals/import", files=files).status_code == 403
    custodian = world.login(world.parties["A"].custodian)
    done = custodian.post(f"{API}/seals/import", files=files)
    assert done.status_code == 201, done.text
    seal = done.json()
    assert (seal["origin"], seal["algorithm"], seal["es_id"]) == ("imported", "sm2", made.es_id)
    assert MAKER_NAME in seal["maker"]
    assert custodian.get(seal["esl_url"]).content == made.esl
    again = custodian.post(f"{API}/seals/import", files=files)
    assert again.status_code == 409 and again.json()["code"] == "SEAL_ALREADY_IMPORTED"
    usage = custodian.post(f"{API}/seals/import", files={"esl": ("seal.esl", made.esl)})
    assert usage.status_code in (400, 422) and usage.json()["code"] == "IMPORT_USAGE"
    ca = licensed_ca()
    p12 = custodian.post(f"{API}/seals/import", data={"password": PASSWORD.decode(),
                                                      "type": "finance", "name": "CA财务章"},
                         files={"p12": ("seal.p12", ca_p12(ca, name, uscc, PASSWORD))})
    assert p12.status_code == 201, p12.text
    assert (p12.json()["origin"], p12.json()["algorithm"]) == ("imported", "ecdsa")
    other = licensed_seal(*ORGS["B"], es_id="35010098000002")
    refused = custodian.post(f"{API}/seals/import", files={
        "esl": ("seal.esl", other.esl), "key": ("key.der", other.pkcs8)})
    assert refused.status_code in (400, 422) and refused.json()["code"] == "SEAL_CERT_OTHER_ORG"


def test_junk_over_http_is_refused_never_a_500(world: World) -> None:
    custodian = world.login(world.parties["A"].custodian)
    junk = [b"", b"\x00", b"0\x80", b"0\x03\x02\x01\x03", os.urandom(300),
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"]
    for data in junk:
        for files in ({"esl": ("a", data), "key": ("b", data)}, {"p12": ("c", data)},
                      {"esl": ("a", data), "key": ("b", data), "cert": ("d", data)}):
            answer = custodian.post(f"{API}/seals/import", files=files,
                                    data={"password": "x"})
            assert 400 <= answer.status_code < 500, (files, answer.text)
            assert answer.json()["code"], answer.text
