"""OFD verification everywhere PDF verification is: ``verify_document``, ``openseal verify``,
``POST /api/v1/verify`` and the public page ``/verify``, on the real signed OFD files of
../shared/testdata/ofd/ (see its README) and tampered copies, in the one report schema
(docs/verify-json.md, "OFD")."""

from __future__ import annotations

import io
import json
import os
import random
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import cms, pem, tsp
from fastapi.testclient import TestClient

from openseal.core.ofd import ses
from openseal.core.ofd.verify import verify_ofd
from openseal.core.verification import reasons as R
from openseal.core.verification import verify_document
from openseal.core.verification.ofd_report import gen_time, signature_report
from openseal.interfaces.api import verifying
from openseal.interfaces.api.app import create_app
from tests.support.instance import TestInstance, make_instance

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "ofd"
PAGE = "Doc_0/Pages/Page_0/Content.xml"

# sample -> (verdict with its own signer and maker certificates as SM2 anchors, codes then)
SAMPLES: dict[str, tuple[str, set[str]]] = {
    "v4signed": ("VALID", {"NO_TIMESTAMP"}),
    "signedFile": ("VALID", {"NO_TIMESTAMP"}),
    "999": ("VALID", {"OFD_FILE_NOT_PROTECTED", "NO_TIMESTAMP"}),
    "SignScaleError": ("VALID", {"NO_TIMESTAMP"}),
    "V4RideRight": ("VALID", {"NO_TIMESTAMP"}),
    "DigitalSign": ("VALID", {"NO_TIMESTAMP"}),
    # signed 2026-08-04 (timeInfo) with a seal and certificate that expired in 2022
    "SESV4SignDoc": ("INDETERMINATE", {"CERT_NOT_VALID_AT_SIGNING", "SEAL_NOT_VALID_AT_SIGNING",
                                       "SM2_NOT_VALID_AT_TIME", "NO_TIMESTAMP"}),
}
EXIT = {"VALID": 0, "INVALID": 1, "INDETERMINATE": 2}


def sample(slug: str) -> bytes:
    path = DATA / f"{slug}.ofd"
    if not path.exists():
        pytest.skip(f"sample {path} is not available")
    return path.read_bytes()


def own_certificates(slug: str) -> list[bytes]:
    """The sample's signer and seal maker certificates (DigitalSign carries none: the
    signer certificates of UserV4.esl, as its README says)."""
    if slug == "DigitalSign":
        return list(ses.read_seal((DATA / "UserV4.esl").read_bytes()).signer_certs)
    [check] = verify_ofd(sample(slug)).signatures
    assert check.signer_cert is not None
    return [check.signer_cert, *check.seal_certs]


def rezip(data: bytes, change: Callable[[dict[str, bytes]], None]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {i.filename: archive.read(i) for i in archive.infolist()}
    change(files)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def changed_page(files: dict[str, bytes]) -> None:
    files[PAGE] = files[PAGE].replace(b">", b" >", 1)


def added_file(files: dict[str, bytes]) -> None:
    files["Doc_0/Res/added.png"] = b"\x89PNG not really"


def moved_stamp(files: dict[str, bytes]) -> None:
    name = "Doc_0/Signs/Sign_0/Signature.xml"
    files[name] = files[name].replace(b'Boundary="90.00', b'Boundary="91.00')


# ---------------------------------------------------------------- the report (in process)


@pytest.mark.parametrize("slug", list(SAMPLES))
def test_OFD_sample_without_anchors_is_indeterminate(slug: str) -> None:
    report = verify_document(sample(slug), [], filename=f"{slug}.ofd")
    assert report.format == "OFD" and report.verdict == "INDETERMINATE"
    assert "SM2_NO_TRUST_ANCHOR" in report.reasons
    [sig] = report.signatures
    assert sig.trusted is False and sig.intact is True
    assert sig.valid is (None if slug == "DigitalSign" else True)  # no certificate to check
    assert (sig.coverage, sig.modification, sig.pades_level) == ("REFERENCED_FILES", "NONE",
                                                                 None)
    data = report.to_dict()
    assert data["format"] == "OFD" and data["signatures"][0]["field"] == sig.field


@pytest.mark.parametrize("slug", list(SAMPLES))
def test_OFD_sample_with_its_own_certificates_as_anchors(slug: str) -> None:
    verdict, codes = SAMPLES[slug]
    report = verify_document(sample(slug), [], sm2_anchors=own_certificates(slug))
    [sig] = report.signatures
    assert (report.verdict, set(report.reasons)) == (verdict, codes), report.reasons
    assert sig.intact is True and sig.valid is True
    assert sig.trusted is (verdict == "VALID")
    if verdict == "VALID":
        assert sig.anchor


def test_OFD_v4signed_maps_every_field() -> None:
    report = verify_document(sample("v4signed"), [], filename="v4signed.ofd",
                             sm2_anchors=own_certificates("v4signed"))
    sig = report.to_dict()["signatures"][0]
    assert sig["field"] == "1"
    assert sig["seal_name"] == "测试全国统一发票监制章国家税务总局重庆市税务局"
    assert sig["organization"] == "融易算电子发票服务平台"
    assert sig["signer"] == "全国统一发票监制章国家税务总局重庆市税务局"
    assert sig["signing_time"] == "2020-10-10T07:11:20Z" and sig["timestamp_time"] is None
    assert sig["signature_type"] == "Seal" and sig["provider"] == "gomain_eseal"
    assert sig["seal"] == {"name": sig["seal_name"], "es_id": "50011200000399",
                           "vendor": "GOMAIN", "version": 4, "picture_kind": "ofd",
                           "width_mm": 30, "height_mm": 20, "maker": sig["seal"]["maker"]}
    assert "国家税务总局" in sig["seal"]["maker"]
    assert sig["stamps"] == [{"page": 1, "boundary_mm": [90.0, 8.0, 30.0, 20.0], "clip": None}]
    assert sig["references"] == [] and sig["files_added"] == [] and sig["details"] == []
    json.dumps(report.to_dict())  # JSON all the way down


def test_OFD_riding_seal_lists_every_page() -> None:
    [sig] = verify_document(sample("V4RideRight"), []).to_dict()["signatures"]
    assert [s["page"] for s in sig["stamps"]] == [1, 2, 3, 4, 5]
    assert all(s["clip"] for s in sig["stamps"])
    assert sig["seal"]["picture_kind"] == "PNG"


def test_OFD_changed_page_is_invalid_and_named() -> None:
    data = rezip(sample("v4signed"), changed_page)
    report = verify_document(data, [], sm2_anchors=own_certificates("v4signed"))
    [sig] = report.signatures
    assert report.verdict == sig.verdict == "INVALID" and sig.intact is False
    assert "OFD_REFERENCE_CHANGED" in report.reasons
    assert report.to_dict()["signatures"][0]["references"] == [
        {"file": "/" + PAGE, "status": "changed"}]
    assert {"code": "OFD_REFERENCE_CHANGED", "file": "/" + PAGE, "detail": None} in \
        report.to_dict()["signatures"][0]["details"]
    assert PAGE in report.summary("en")
    assert R.family_of(report.reasons) == R.BROKEN


def test_OFD_changed_signature_xml_breaks_the_data_hash() -> None:
    report = verify_document(rezip(sample("v4signed"), moved_stamp), [])
    [sig] = report.signatures
    assert report.verdict == "INVALID" and sig.intact is False and sig.valid is True
    assert "OFD_DATA_HASH_MISMATCH" in sig.reasons


def test_OFD_added_file_is_files_added() -> None:
    report = verify_document(rezip(sample("v4signed"), added_file), [],
                             sm2_anchors=own_certificates("v4signed"))
    [sig] = report.signatures
    assert report.verdict == "INDETERMINATE" and sig.modification == "FILES_ADDED"
    assert sig.intact is True and sig.trusted is True
    assert "OFD_FILE_ADDED" in sig.reasons
    assert report.to_dict()["signatures"][0]["files_added"] == ["Doc_0/Res/added.png"]
    assert R.family_of(report.reasons) == R.CHANGED


def test_OFD_every_verifier_code_is_registered() -> None:
    from openseal.core.ofd.reasons import REASONS as OFD_REASONS

    for code in [*OFD_REASONS, *R.SM2_CHAIN_REASONS, R.MALFORMED_OFD,
                 R.SES_TIMESTAMP_UNVERIFIED, R.SES_TIMESTAMP_INVALID, R.SES_TIMESTAMP_UNTRUSTED,
                 R.SES_TIMESTAMP_UNSUPPORTED, R.REVOCATION_NOT_CHECKED]:
        level, zh, en = R.REASONS[code]
        assert zh and en and code in R.FAMILY, code
    # validity at the claimed signing time: INDETERMINATE in the report, never VALID
    assert R.severity("CERT_NOT_VALID_AT_SIGNING") == R.INDETERMINATE


def test_OFD_unsigned_timestamp_token_is_invalid_and_its_time_unused() -> None:
    """A TSTInfo nobody signed: its genTime is readable (``gen_time``) but never reported
    as the signature's timestamp time."""
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    info = tsp.TSTInfo({"version": 1, "policy": "1.2.3", "serial_number": 7, "gen_time": when,
                        "message_imprint": {"hash_algorithm": {"algorithm": "sha256"},
                                            "hashed_message": b"\0" * 32}})
    token = cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData({
        "version": "v3", "digest_algorithms": [], "signer_infos": [],
        "encap_content_info": {"content_type": "tst_info", "content": info}})}).dump()
    assert gen_time(token) == when and gen_time(b"junk") is None
    [check] = verify_ofd(sample("v4signed")).signatures
    stamped = signature_report(replace(check, timestamp=token))
    assert stamped.timestamp_time is None and stamped.verdict == "INVALID"
    assert "SES_TIMESTAMP_INVALID" in stamped.reasons and "NO_TIMESTAMP" not in stamped.reasons
    assert "SES_TIMESTAMP_UNVERIFIED" not in stamped.reasons


def bad_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("OFD.xml", b"<OFD/>")
        archive.writestr("../evil.xml", b"x")
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", b"hi")
    return out.getvalue()


@pytest.mark.parametrize(("data", "code", "kind"), [
    (b"neither a pdf nor an ofd", "MALFORMED_PDF", None),
    (plain_zip(), "MALFORMED_PDF", None),
    (b"PK\x05\x06" + b"\0" * 18, "MALFORMED_PDF", None),
    (bad_zip(), "MALFORMED_OFD", "OFD"),
], ids=["junk", "plain-zip", "empty-zip", "unsafe-ofd"])
def test_OFD_junk_is_neither_pdf_nor_ofd(data: bytes, code: str, kind: str | None) -> None:
    report = verify_document(data, [])
    assert (report.verdict, report.reasons, report.format) == ("INDETERMINATE", (code,), kind)
    assert "OFD" in R.describe(code, "en")


def test_OFD_damaged_bytes_are_a_report_never_an_exception() -> None:
    data = sample("signedFile")
    anchors = own_certificates("signedFile")
    rng = random.Random(33190)
    for _ in range(40):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        report = verify_document(bytes(damaged), [], sm2_anchors=anchors)
        assert report.verdict in ("VALID", "INVALID", "INDETERMINATE")
        json.dumps(report.to_dict())
        for sig in report.signatures:
            assert sig.verdict != "VALID" or (sig.intact and sig.valid and sig.trusted)


# ---------------------------------------------------------------- openseal verify


def cli(*args: str, home: Path, lang: str = "en") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPENSEAL_HOME": str(home), "OPENSEAL_LANG": lang}
    env.pop("OPENSEAL_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "openseal", "verify", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def pem_file(path: Path, certs: list[bytes]) -> Path:
    path.write_bytes(b"".join(pem.armor("CERTIFICATE", c) for c in certs))
    return path


@pytest.mark.parametrize("slug", ["v4signed", "DigitalSign", "SESV4SignDoc"])
def test_OFD_cli_json_and_exit_codes(slug: str, tmp_path: Path) -> None:
    (tmp_path / f"{slug}.ofd").write_bytes(sample(slug))
    plain = cli(str(tmp_path / f"{slug}.ofd"), "--json", home=tmp_path / "home")
    assert plain.returncode == 2, plain.stderr
    report = json.loads(plain.stdout)
    assert report["format"] == "OFD" and "SM2_NO_TRUST_ANCHOR" in report["reasons"]
    roots = pem_file(tmp_path / "roots.pem", own_certificates(slug))
    anchored = cli(str(tmp_path / f"{slug}.ofd"), "--json", "--trust", str(roots),
                   home=tmp_path / "home")
    verdict, codes = SAMPLES[slug]
    assert anchored.returncode == EXIT[verdict], anchored.stdout + anchored.stderr
    assert set(json.loads(anchored.stdout)["reasons"]) == codes


def test_OFD_cli_summary_names_the_changed_file(tmp_path: Path) -> None:
    path = tmp_path / "changed.ofd"
    path.write_bytes(rezip(sample("v4signed"), changed_page))
    done = cli(str(path), home=tmp_path / "home", lang="zh")
    assert done.returncode == 1 and done.stderr == ""
    assert "验证结论: 无效" in done.stdout and "格式: OFD" in done.stdout
    assert f"OFD_REFERENCE_CHANGED]: /{PAGE}" in done.stdout
    junk = tmp_path / "junk.ofd"
    junk.write_bytes(b"not an ofd")
    refused = cli(str(junk), "--json", home=tmp_path / "home")
    assert refused.returncode == 2 and json.loads(refused.stdout)["reasons"] == ["MALFORMED_PDF"]


def test_OFD_cli_several_files_one_report_each(tmp_path: Path) -> None:
    """``openseal verify samples/*.ofd --json``: one JSON object per line, the worst exit."""
    names = []
    for slug in ("v4signed", "999"):
        (tmp_path / f"{slug}.ofd").write_bytes(sample(slug))
        names.append(str(tmp_path / f"{slug}.ofd"))
    (tmp_path / "changed.ofd").write_bytes(rezip(sample("v4signed"), changed_page))
    done = cli(*names, str(tmp_path / "changed.ofd"), "--json", home=tmp_path / "home")
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["verdict"] for r in lines] == ["INDETERMINATE", "INDETERMINATE", "INVALID"]
    assert done.returncode == 1 and [r["file"] for r in lines][:2] == names
    refused = cli(*names, "--report-pdf", str(tmp_path / "r.pdf"), "--json",
                  home=tmp_path / "home")
    assert refused.returncode == 2 and json.loads(refused.stdout)["error"] == \
        "REPORT_PDF_ONE_FILE"


# ---------------------------------------------------------------- API and public page


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> TestInstance:
    return make_instance(tmp_path_factory.mktemp("verify-ofd") / "home")


@pytest.fixture(scope="module")
def client(instance: TestInstance) -> TestClient:
    return TestClient(create_app(instance.wiring), raise_server_exceptions=False)


def api(client: TestClient, data: bytes, name: str = "doc.ofd") -> dict[str, Any]:
    answer = client.post("/api/v1/verify", files={"file": (name, data, "application/ofd")})
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


@pytest.mark.parametrize("slug", list(SAMPLES))
def test_OFD_api_same_report_as_the_cli(client: TestClient, slug: str) -> None:
    report = api(client, sample(slug), f"{slug}.ofd")
    assert report["format"] == "OFD" and report["file"] == f"{slug}.ofd"
    assert report["verdict"] == "INDETERMINATE" and "SM2_NO_TRUST_ANCHOR" in report["reasons"]
    assert report["registry"]["status"] == "unknown"
    direct = verify_document(sample(slug), [], filename=f"{slug}.ofd").to_dict()
    assert {k: v for k, v in report.items() if k != "registry"} == direct


def test_OFD_api_uses_the_instance_sm2_anchors(client: TestClient,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The seam: the instance's SM2 roots (``PkiService.sm2_anchors``) reach the verifier."""
    monkeypatch.setattr(verifying, "sm2_verification_anchors",
                        lambda pki, repos=None: own_certificates("v4signed"))
    assert api(client, sample("v4signed"))["verdict"] == "VALID"
    changed = api(client, rezip(sample("v4signed"), changed_page))
    assert changed["verdict"] == "INVALID"
    assert changed["signatures"][0]["references"] == [{"file": "/" + PAGE, "status": "changed"}]


def test_OFD_api_junk_is_a_report_not_an_error(client: TestClient) -> None:
    assert api(client, b"<html></html>", "x.ofd")["reasons"] == ["MALFORMED_PDF"]
    unsafe = api(client, bad_zip())
    assert (unsafe["format"], unsafe["reasons"]) == ("OFD", ["MALFORMED_OFD"])


def page(client: TestClient, data: bytes, lang: str, name: str = "发票.ofd") -> str:
    answer = client.post(f"/verify?lang={lang}", files={"file": (name, data, "application/ofd")})
    assert answer.status_code == 200 and "text/html" in answer.headers["content-type"]
    assert "img-src 'self' data:" in answer.headers["content-security-policy"]
    return answer.text


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_OFD_public_page_in_both_languages(client: TestClient) -> None:
    assert 'accept="application/pdf,.pdf,application/ofd,.ofd"' in client.get("/verify").text
    zh = page(client, sample("v4signed"), "zh")
    assert "测试全国统一发票监制章国家税务总局重庆市税务局" in zh
    assert "不是由本平台认可的印章盖章" in zh and "矢量印章（OFD 格式），此处不显示" in zh
    assert 'data-verdict="INDETERMINATE"' in zh and "<img" not in zh
    en = text_of(page(client, sample("SESV4SignDoc"), "en"))
    assert "OFD R&amp;W 测试用印章" in en and "Not sealed by a seal this platform knows" in en
    assert "The signer&#39;s certificate was not valid at the signing time" in en
    png = page(client, sample("SESV4SignDoc"), "en")
    assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="OFD R&amp;W', png)


def test_OFD_public_page_tampered_and_junk(client: TestClient) -> None:
    changed = page(client, rezip(sample("V4RideRight"), changed_page), "zh")
    assert "文件在盖章后被修改" in changed and 'data-verdict="INVALID"' in changed
    assert f"/{PAGE}" in changed and "已修改" in changed
    added = text_of(page(client, rezip(sample("v4signed"), added_file), "en"))
    assert "Files added after sealing" in added and "Doc_0/Res/added.png" in added
    junk = text_of(page(client, b"PK\x05\x06 junk", "en"))
    assert "neither a readable PDF nor an OFD file" in junk
