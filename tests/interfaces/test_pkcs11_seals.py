"""Seals whose keys live in a PKCS#11 token (SoftHSM2), through the real `openseal` command
and the API: create in the token, seal a PDF that pdfsig and pyHanko accept, import a CA's
certificate for a key already in the token; refusals that are clear and change nothing; the
PIN never shown or written anywhere."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi.testclient import TestClient
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from openseal.bootstrap import Wiring
from openseal.config import Settings
from openseal.core.accounts.principal import Principal
from openseal.core.pki.pem import load_pem_certificates
from openseal.core.seals.token_import import import_token_seal
from openseal.core.signing.pdf import SealRequest
from openseal.core.signing.placement import Placement
from openseal.core.signing.service import SealerCache, seal_document
from openseal.errors import PermissionDenied
from openseal.interfaces.api.app import create_app
from openseal.interfaces.cli.operator import operator
from tests.support.api import make_world
from tests.support.imported_seals import licensed_ca, write
from tests.support.pdfs import reportlab_pdf
from tests.support.softhsm import PIN, SoftHsm, certificate_for, make_token
from tests.support.tools import require_tool

ORG = "北京开源印章科技有限公司"
USCC = "91350100M000100Y43"
WRONG_PIN = "wrong-pin-90210"

pytestmark = pytest.mark.tools  # SoftHSM2 (and pdfsig)


class Cli:
    """`openseal` on one home, with the token configured unless ``token=False``."""

    def __init__(self, home: Path, hsm: SoftHsm) -> None:
        self.home, self.hsm = home, hsm

    def run(self, *args: str | Path, lang: str = "en", token: bool = True,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        base = {k: v for k, v in os.environ.items()
                if not k.startswith(("OPENSEAL_", "SOFTHSM2_"))}
        full = {**base, "OPENSEAL_HOME": str(self.home), "OPENSEAL_LANG": lang,
                **(self.hsm.env() if token else {}), **(env or {})}
        return subprocess.run([sys.executable, "-m", "openseal", *map(str, args)], env=full,
                              capture_output=True, text=True, timeout=120)

    def json(self, *args: str | Path, expect: int = 0, **kw: Any) -> dict[str, Any]:
        done = self.run(*args, "--json", **kw)
        assert done.returncode == expect, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        return dict(json.loads(done.stdout))

    def seal_count(self) -> int:
        return len(self.json("seal", "list")["seals"])


@pytest.fixture(scope="module")
def hsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsm]:
    token = make_token(tmp_path_factory.mktemp("hsm"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOFTHSM2_CONF", str(token.conf))
        token.activate()
        yield token


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory, hsm: SoftHsm) -> Cli:
    cli = Cli(tmp_path_factory.mktemp("pkcs11-cli") / "home", hsm)
    cli.json("init")
    cli.json("org", "create", "--name", ORG, "--uscc", USCC)
    return cli


def token_labels(hsm: SoftHsm) -> set[str]:
    from pkcs11 import Attribute, ObjectClass

    hsm.activate()  # see what the openseal processes wrote since
    with hsm.session() as session:
        return {o[Attribute.LABEL] for o in session.get_objects(
            {Attribute.CLASS: ObjectClass.PRIVATE_KEY})}


def assert_valid_pdf(cli: Cli, pdf: Path, tmp_path: Path) -> None:
    """pdfsig (NSS, no certificate check) and pyHanko (trusting our root) accept it."""
    proc = subprocess.run([require_tool("pdfsig"), "-nocert", str(pdf)], capture_output=True,
                          text=True, timeout=60, check=False)
    assert "Signature is Valid." in proc.stdout, proc.stdout + proc.stderr
    assert "Total document signed" in proc.stdout, proc.stdout
    cli.json("ca", "export", "--out", tmp_path / "roots.pem")
    roots = load_pem_certificates((tmp_path / "roots.pem").read_bytes())
    ours = PdfFileReader(io.BytesIO(pdf.read_bytes())).embedded_signatures[-1]
    status = validate_pdf_signature(ours, ValidationContext(trust_roots=roots,
                                                            allow_fetching=False))
    assert status.intact and status.valid, status.pretty_print_details()


def test_a_seal_made_in_the_token_seals_a_pdf_that_validators_accept(
        cli: Cli, hsm: SoftHsm, tmp_path: Path) -> None:
    before = token_labels(hsm)
    seal = cli.json("seal", "create", "--org", USCC, "--type", "contract", "--name", "令牌章",
                    "--key-store", "pkcs11")
    assert seal["key_store"] == "pkcs11"
    assert cli.json("seal", "show", seal["id"])["key_store"] == "pkcs11"
    made = token_labels(hsm) - before
    assert len(made) == 1 and next(iter(made)).startswith("seal-")
    assert not any(next(iter(made)) in p.name for p in (cli.home / "keys").iterdir())
    pdf, out = write(tmp_path, "in.pdf", reportlab_pdf()), tmp_path / "out.pdf"
    cli.json("sign", pdf, "--seal", seal["id"], "-o", out)
    assert_valid_pdf(cli, out, tmp_path)
    assert cli.json("verify", out)["verdict"] == "VALID"


def test_batch_workers_each_sign_through_the_token(cli: Cli, tmp_path: Path) -> None:
    seal = cli.json("seal", "create", "--org", USCC, "--type", "custom", "--name", "批量章",
                    "--key-store", "pkcs11")
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    for n in range(4):
        write(in_dir, f"doc-{n}.pdf", reportlab_pdf(title=f"合同 {n}"))
    done = cli.json("batch", in_dir, "-o", out_dir, "--seal", seal["id"], "--workers", "2")
    assert (done["total"], done["sealed"], done["failed"]) == (4, 4, 0), done
    for n in range(4):
        proc = subprocess.run([require_tool("pdfsig"), "-nocert", str(out_dir / f"doc-{n}.pdf")],
                              capture_output=True, text=True, timeout=60, check=False)
        assert "Signature is Valid." in proc.stdout, proc.stdout + proc.stderr


def test_defaults_per_organisation_and_instance_the_request_wins(cli: Cli) -> None:
    base = ["seal", "create", "--org", USCC, "--type", "custom", "--name", "默认章"]
    by_org = {"OPENSEAL_PKCS11_ORGS": f"some-other-org, {USCC}"}
    assert cli.json(*base, env=by_org)["key_store"] == "pkcs11"
    assert cli.json(*base, "--key-store", "software", env=by_org)["key_store"] == "software"
    assert cli.json(*base, env={"OPENSEAL_PKCS11_ORGS": "some-other-org"})["key_store"] == \
        "software"
    assert cli.json(*base, env={"OPENSEAL_KEY_STORE": "pkcs11"})["key_store"] == "pkcs11"


def test_the_pin_may_come_from_a_file(cli: Cli, tmp_path: Path) -> None:
    seal = cli.json("seal", "create", "--org", USCC, "--type", "finance", "--name", "财务章",
                    "--key-store", "pkcs11")
    pin_file = write(tmp_path, "pin", f"{PIN}\n".encode())
    pin_file.chmod(0o600)
    pdf, out = write(tmp_path, "in.pdf", reportlab_pdf()), tmp_path / "out.pdf"
    cli.json("sign", pdf, "--seal", seal["id"], "-o", out,
             env={"OPENSEAL_PKCS11_PIN": "", "OPENSEAL_PKCS11_PIN_FILE": str(pin_file)})
    assert out.is_file()


def test_wrong_pin_seals_nothing_and_the_pin_is_never_shown(cli: Cli, tmp_path: Path) -> None:
    seal = cli.json("seal", "create", "--org", USCC, "--type", "official", "--name", "公章",
                    "--key-store", "pkcs11")
    pdf, out = write(tmp_path, "in.pdf", reportlab_pdf()), tmp_path / "out.pdf"
    outputs = []
    for lang in ("en", "zh"):
        done = cli.run("sign", pdf, "--seal", seal["id"], "-o", out, lang=lang,
                       env={"OPENSEAL_PKCS11_PIN": WRONG_PIN})
        assert done.returncode != 0 and "Traceback" not in done.stderr
        outputs.append(done.stdout + done.stderr)
    assert "Wrong PIN" in outputs[0] and "PIN 不正确" in outputs[1]
    refused = cli.json("sign", pdf, "--seal", seal["id"], "-o", out, expect=5,
                       env={"OPENSEAL_PKCS11_PIN": WRONG_PIN})
    assert refused["error"] == "PKCS11_PIN_INCORRECT"
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["in.pdf"]
    for text in outputs:
        assert WRONG_PIN not in text and PIN not in text
    written = [p for p in cli.home.rglob("*") if p.is_file()]
    assert written
    for path in written:  # database, logs, witness files, key files
        data = path.read_bytes()
        assert PIN.encode() not in data and WRONG_PIN.encode() not in data, path


def test_refusals_are_clear_and_create_nothing(cli: Cli, hsm: SoftHsm) -> None:
    count, labels = cli.seal_count(), token_labels(hsm)
    base = ["seal", "create", "--org", USCC, "--type", "contract", "--name", "拒绝章"]
    sm2 = cli.json(*base, "--algorithm", "sm2", "--key-store", "pkcs11", expect=2)
    assert sm2["error"] == "PKCS11_SM2"
    zh = cli.run(*base, "--algorithm", "sm2", "--key-store", "pkcs11", lang="zh")
    assert "该硬件令牌不支持 SM2" in zh.stderr
    unknown = cli.json(*base, "--key-store", "usb-stick", expect=2)
    assert unknown["error"] == "KEY_STORE"
    missing = cli.json(*base, "--key-store", "pkcs11", token=False, expect=5)
    assert missing["error"] == "PKCS11_NOT_CONFIGURED"
    assert "OPENSEAL_PKCS11_LIBRARY" in missing["message"]
    wrong = cli.json(*base, "--key-store", "pkcs11", env={"OPENSEAL_PKCS11_PIN": WRONG_PIN},
                     expect=5)
    assert wrong["error"] == "PKCS11_PIN_INCORRECT"
    assert cli.seal_count() == count and token_labels(hsm) == labels
    soft = cli.json(*base, token=False)  # software seals need no token
    assert soft["key_store"] == "software"


def test_renewal_keeps_the_key_in_the_token_and_destroy_removes_it(
        cli: Cli, hsm: SoftHsm, tmp_path: Path) -> None:
    before = token_labels(hsm)
    seal = cli.json("seal", "create", "--org", USCC, "--type", "invoice", "--name", "发票章",
                    "--key-store", "pkcs11")["id"]
    first = token_labels(hsm) - before
    cli.json("seal", "renew", seal, "--reason", "到期换证")
    renewed = token_labels(hsm) - before - first
    assert len(first) == len(renewed) == 1
    assert cli.json("seal", "show", seal)["key_store"] == "pkcs11"
    pdf, out = write(tmp_path, "in.pdf", reportlab_pdf()), tmp_path / "out.pdf"
    cli.json("sign", pdf, "--seal", seal, "-o", out)
    assert_valid_pdf(cli, out, tmp_path)
    (old,) = first  # the superseded key cannot be claimed by an import
    spki = bytes(hsm.store().public_key(old).dump())
    cert = write(tmp_path, "old.pem", certificate_for(licensed_ca(), spki, ORG, USCC))
    claimed = cli.json("seal", "import", "--org", USCC, "--p12-cert", cert,
                       "--pkcs11-key", old, expect=2)
    assert claimed["error"] == "SEAL_KEY_IN_USE"
    cli.json("seal", "revoke", seal, "--reason", "注销")
    cli.json("seal", "destroy", seal, "--reason", "销毁")
    assert (first | renewed).isdisjoint(token_labels(hsm))


# ------------------------------------------------------------------- import by label


def _token_key(hsm: SoftHsm, label: str) -> bytes:
    hsm.activate()
    return bytes(hsm.store().generate_key(label).dump())


def test_import_a_ca_certificate_for_a_key_in_the_token(cli: Cli, hsm: SoftHsm,
                                                       tmp_path: Path) -> None:
    spki = _token_key(hsm, "ca-issued-1")
    cert = write(tmp_path, "cert.pem", certificate_for(licensed_ca(), spki, ORG, USCC))
    done = cli.json("seal", "import", "--org", USCC, "--p12-cert", cert,
                    "--pkcs11-key", "ca-issued-1")
    assert (done["origin"], done["key_store"], done["algorithm"]) == \
        ("imported", "pkcs11", "ecdsa")
    assert "Licensed Test CA Root" in done["maker"]
    pdf, out = write(tmp_path, "in.pdf", reportlab_pdf()), tmp_path / "out.pdf"
    cli.json("sign", pdf, "--seal", done["id"], "-o", out)
    proc = subprocess.run([require_tool("pdfsig"), "-nocert", str(out)], capture_output=True,
                          text=True, timeout=60, check=False)
    assert "Signature is Valid." in proc.stdout, proc.stdout + proc.stderr
    again = write(tmp_path, "again.pem", certificate_for(licensed_ca(), spki, ORG, USCC))
    twice = cli.json("seal", "import", "--org", USCC, "--p12-cert", again,
                     "--pkcs11-key", "ca-issued-1", expect=2)
    assert twice["error"] == "SEAL_KEY_IN_USE"


def test_import_refuses_a_certificate_of_another_key(cli: Cli, hsm: SoftHsm,
                                                    tmp_path: Path) -> None:
    _token_key(hsm, "ca-issued-2")
    other = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    cert = write(tmp_path, "cert.pem", certificate_for(licensed_ca(), other, ORG, USCC))
    count = cli.seal_count()
    refused = cli.json("seal", "import", "--org", USCC, "--p12-cert", cert,
                       "--pkcs11-key", "ca-issued-2", expect=2)
    assert refused["error"] == "PKCS11_KEY_MISMATCH" and "ca-issued-2" in refused["message"]
    zh = cli.run("seal", "import", "--org", USCC, "--p12-cert", cert, "--pkcs11-key",
                 "ca-issued-2", lang="zh")
    assert "不匹配" in zh.stderr
    absent = cli.json("seal", "import", "--org", USCC, "--p12-cert", cert,
                      "--pkcs11-key", "no-such-label", expect=2)
    assert absent["error"] == "KEY_NOT_FOUND"
    usage = cli.json("seal", "import", "--org", USCC, "--pkcs11-key", "ca-issued-2", expect=2)
    assert usage["error"] == "IMPORT_USAGE"
    assert cli.seal_count() == count


# ------------------------------------------------------------------- the API


def test_api_creates_and_shows_a_token_seal(hsm: SoftHsm, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in hsm.env().items():
        monkeypatch.setenv(name, value)
    world = make_world(tmp_path / "home")
    custodian = world.login(world.parties["A"].custodian)
    made = custodian.post("/api/v1/seals", json={"type": "contract", "name": "API 令牌章",
                                                 "key_store": "pkcs11"})
    assert made.status_code == 201, made.text
    assert made.json()["key_store"] == "pkcs11"
    shown = custodian.get(f"/api/v1/seals/{made.json()['id']}")
    assert shown.json()["key_store"] == "pkcs11"
    sm2 = custodian.post("/api/v1/seals", json={"type": "contract", "name": "SM2 令牌章",
                                                "algorithm": "sm2", "key_store": "pkcs11"})
    assert sm2.status_code == 422 and sm2.json()["code"] == "PKCS11_SM2", sm2.text
    plain = custodian.post("/api/v1/seals", json={"type": "contract", "name": "软件章"})
    assert plain.json()["key_store"] == "software"
    assert world.client().get("/readyz").json()["checks"]["pkcs11_token"] == "ok"
    hsm.activate()  # log this process out of the token, then try a wrong PIN
    monkeypatch.setenv("OPENSEAL_PKCS11_PIN", WRONG_PIN)
    wrong = TestClient(create_app(Wiring(Settings(home=tmp_path / "home"))))
    not_ready = wrong.get("/readyz")
    assert not_ready.status_code == 503
    assert not_ready.json()["checks"]["pkcs11_token"] == "PKCS11_PIN_INCORRECT"
    assert WRONG_PIN not in not_ready.text and PIN not in not_ready.text


@pytest.mark.postgres
def test_a_token_seal_on_postgresql(hsm: SoftHsm, tmp_path: Path, postgres_url: str,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in hsm.env().items():
        monkeypatch.setenv(name, value)
    hsm.activate()
    world = make_world(tmp_path / "home", postgres_url)
    custodian = world.login(world.parties["A"].custodian)
    made = custodian.post("/api/v1/seals", json={"type": "contract", "name": "PG 令牌章",
                                                 "key_store": "pkcs11"}).json()
    assert made["key_store"] == "pkcs11"
    request = SealRequest(Placement(1, None, None, None), None, None)
    with world.wiring.context() as c:
        done = seal_document(c.repos, c.pki, c.keystore, c.clock, SealerCache(), made["id"],
                             reportlab_pdf(), request, audit=c.audit,
                             principal=operator(world.parties["A"].org_id))
        roots = c.pki.trust_anchors()
    ours = PdfFileReader(io.BytesIO(done.pdf)).embedded_signatures[-1]
    status = validate_pdf_signature(ours, ValidationContext(trust_roots=roots,
                                                            allow_fetching=False))
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()


def test_only_the_operator_imports_a_token_key_by_label(tmp_path: Path) -> None:
    """The token is shared by every organisation: an organisation's user cannot claim a key
    in it by presenting a certificate over its public key."""
    world = make_world(tmp_path / "home")
    party = world.parties["A"]
    user = Principal("user", "u-1", party.custodian, party.org_id, "custodian",
                     frozenset({"seals:manage", "seals:view"}))
    with pytest.raises(PermissionDenied) as refused, world.wiring.context() as c:
        import_token_seal(c.repos, c.keystore, c.clock, party.org_id, b"-", "any-label",
                          seal_type="contract", name=None, audit=c.audit, principal=user)
    assert refused.value.code == "PKCS11_IMPORT_OPERATOR"
