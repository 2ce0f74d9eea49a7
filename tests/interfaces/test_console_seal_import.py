"""The console's seal import (导入外部印章, issue 9 item 4): a seal-making unit's .esl with its
SM2 key, or a licensed CA's PKCS#12, through /seals/import over real HTTP. Every refusal is
shown beside its field in the page's language and imports nothing; passwords never come
back. The core's checks themselves are tested in tests/unit/seals/test_importing.py."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.support import openssl_sm2
from tests.support.api import ORGS, World, make_world
from tests.support.console import console_client, csrf_of
from tests.support.imported_seals import (
    MAKER_NAME,
    MadeSeal,
    ca_p12,
    licensed_ca,
    licensed_seal,
    seal_png,
    write,
)

PASSWORD = "correct horse 马"
NAME, USCC = ORGS["A"]
_ES_IDS = iter(range(1, 1000))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    world = make_world(tmp_path_factory.mktemp("console-import") / "home")
    yield world
    world.wiring.engine.dispose()


def made(**options: Any) -> MadeSeal:
    """A seal of party A's organisation from a licensed maker, with a fresh esID."""
    return licensed_seal(NAME, USCC, es_id=f"350100970{next(_ES_IDS):05d}", **options)


def seal_count(world: World) -> int:
    with world.wiring.context() as c:
        return len(c.repos.list_seals(world.parties["A"].org_id))


def custodian(world: World, lang: str = "en") -> TestClient:
    return console_client(world, world.parties["A"].custodian, lang)


def send(http: TestClient, files: dict[str, tuple[str, bytes]], token: str | None = None,
         **data: str) -> httpx.Response:
    if token is None:
        token = csrf_of(http.get("/seals/import").text)
    return http.post("/seals/import", data={"csrf_token": token, "source": "esl", **data},
                     files=files, follow_redirects=False)


def esl_files(seal: MadeSeal) -> dict[str, tuple[str, bytes]]:
    return {"esl": ("seal.esl", seal.esl), "key": ("key.pem", seal.pem_key())}


def assert_beside(page: httpx.Response, form: str, field: str, code: str, words: str) -> None:
    """The error ``code`` is shown beside ``field`` of ``form``, in ``words``."""
    assert page.status_code in (409, 422), page.text[:500]
    found = re.search(rf'<small class="field-error" id="e-{form}-{field}" '
                      rf'data-code="{code}">([^<]+)</small>', page.text)
    assert found, (code, re.findall(r'data-code="(\w+)"', page.text))
    assert words in html.unescape(found.group(1)), found.group(1)
    assert re.search(rf'class="field invalid">\s*<label (class="check" )?for="f-{form}-{field}"',
                     page.text)
    assert "Traceback" not in page.text


def test_an_esl_and_its_key_import_and_show_origin_and_maker(world: World) -> None:
    http = custodian(world)
    gallery = http.get("/seals")
    assert 'href="/seals/import"' in gallery.text
    seal, before = made(), seal_count(world)
    no_cert = ("", b"")  # what a browser sends for the optional file left empty
    done = send(http, {**esl_files(seal), "cert": no_cert})
    assert done.status_code == 303, done.text[:800]
    location = done.headers["location"]
    assert location.startswith("/seals/") and seal_count(world) == before + 1
    page = http.get(location)
    assert 'data-origin="imported"' in page.text and MAKER_NAME in page.text
    assert 'data-algorithm="sm2"' in page.text and seal.es_id in page.text
    assert 'data-action="seal.import"' in page.text and "Seal imported" in page.text
    seal_id = location.split("?")[0].rsplit("/", 1)[1]
    assert http.get(f"/seals/{seal_id}/seal.esl").content == seal.esl  # byte for byte
    assert 'id="seal-done"' in page.text and 'id="imported-lifecycle"' in page.text
    assert 'id="action-suspend"' in page.text and 'id="action-renew"' not in page.text
    again = send(http, esl_files(seal))
    assert_beside(again, "esl", "cert", "SEAL_ALREADY_IMPORTED", "imported already")
    assert seal_count(world) == before + 1


def test_a_pkcs12_with_its_password_imports_as_a_pdf_seal(world: World) -> None:
    http = custodian(world, "zh")
    ca, before = licensed_ca(), seal_count(world)
    p12 = ca_p12(ca, NAME, USCC, PASSWORD.encode())
    done = send(http, {"p12": ("seal.p12", p12)}, source="p12", password=PASSWORD,
                type="finance", name="CA财务章")
    assert done.status_code == 303, done.text[:800]
    assert seal_count(world) == before + 1
    page = http.get(done.headers["location"])
    assert "CA财务章" in page.text and "Licensed Test CA Root" in page.text
    assert 'data-origin="imported"' in page.text and 'data-algorithm="ecdsa"' in page.text
    assert "外部导入" in page.text and "财务专用章" in page.text
    assert 'id="download-esl"' not in page.text
    assert PASSWORD not in str(world.audit("seal.import"))


def test_a_pkcs12_takes_an_uploaded_image_and_refuses_a_bad_one(world: World) -> None:
    http, before = custodian(world, "en"), seal_count(world)
    p12 = ca_p12(licensed_ca(), NAME, USCC, PASSWORD.encode(), common_name="图片合同章")
    bad = send(http, {"p12": ("seal.p12", p12), "image": ("seal.png", b"not an image")},
               source="p12", password=PASSWORD)
    assert_beside(bad, "p12", "image", "IMAGE_FORMAT", "PNG or JPEG")
    assert seal_count(world) == before
    done = send(http, {"p12": ("seal.p12", p12), "image": ("seal.png", seal_png())},
                source="p12", password=PASSWORD)
    assert done.status_code == 303, done.text[:800]
    seal_id = done.headers["location"].split("?")[0].rsplit("/", 1)[1]
    with world.wiring.context() as c:
        record = c.repos.get_seal(seal_id)
        assert record is not None
    assert record.name == "图片合同章" and record.artwork.svg is None  # uploaded, not drawn


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_wrong_password_is_the_password_fields_error_never_echoed(world: World,
                                                                   lang: str) -> None:
    http = custodian(world, lang)
    before = seal_count(world)
    p12 = ca_p12(licensed_ca(), NAME, USCC, PASSWORD.encode())
    wrong = send(http, {"p12": ("seal.p12", p12)}, source="p12", password="not-the-secret-42",
                 name="保留的名称")
    assert_beside(wrong, "p12", "password", "P12_PASSWORD",
                  "口令不对" if lang == "zh" else "wrong password")
    assert "not-the-secret-42" not in wrong.text
    assert re.search(r'id="f-p12-password"[^>]*value=""', wrong.text)
    assert 'value="保留的名称"' in wrong.text  # the rest of the form is kept
    assert seal_count(world) == before
    assert "not-the-secret-42" not in str(world.audit("seal.import"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_encrypted_key_needs_its_password(world: World, lang: str, tmp_path: Path) -> None:
    seal = made()
    key = write(tmp_path, "key.pem", seal.pem_key())
    write(tmp_path, "pw", PASSWORD.encode())
    openssl_sm2.run("pkcs8", "-topk8", "-in", key, "-passout", f"file:{tmp_path / 'pw'}",
                    "-out", tmp_path / "enc.pem")
    files = {"esl": ("seal.esl", seal.esl), "key": ("enc.pem", (tmp_path / "enc.pem").read_bytes())}
    http, before = custodian(world, lang), seal_count(world)
    wrong = send(http, files, password="wrong-password-7")
    assert_beside(wrong, "esl", "password", "SM2_KEY_PASSWORD",
                  "口令不对" if lang == "zh" else "wrong password")
    assert "wrong-password-7" not in wrong.text and seal_count(world) == before
    assert send(http, files, password=PASSWORD).status_code == 303
    assert seal_count(world) == before + 1


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_tampered_esl_is_refused_beside_the_file(world: World, lang: str) -> None:
    from openseal.core.ofd.ses import read_seal

    seal = made()
    at = seal.esl.index(read_seal(seal.esl).picture.data) + 10
    broken = seal.esl[:at] + bytes([seal.esl[at] ^ 0xFF]) + seal.esl[at + 1:]
    http, before = custodian(world, lang), seal_count(world)
    answer = send(http, {"esl": ("seal.esl", broken), "key": ("key.pem", seal.pem_key())})
    assert_beside(answer, "esl", "esl", "SES_SEAL_SIGNATURE_INVALID",
                  "制章者签名无效" if lang == "zh" else "maker's signature does not verify")
    assert seal_count(world) == before


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_expired_seal_is_refused(world: World, lang: str) -> None:
    seal = made(valid_days=(-400, -10))
    http, before = custodian(world, lang), seal_count(world)
    answer = send(http, esl_files(seal))
    assert_beside(answer, "esl", "esl", "SES_SEAL_EXPIRED",
                  "已过有效期" if lang == "zh" else "has expired")
    assert seal_count(world) == before


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_key_not_in_the_seal_is_refused(world: World, lang: str) -> None:
    seal, other = made(), made()
    http, before = custodian(world, lang), seal_count(world)
    answer = send(http, {"esl": ("seal.esl", seal.esl), "key": ("key.pem", other.pem_key())})
    assert_beside(answer, "esl", "key", "SES_KEY_NOT_IN_SEAL",
                  "密钥不在印章中" if lang == "zh" else "key not in the seal")
    assert seal_count(world) == before


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_another_organisations_name_needs_the_checkbox(world: World, lang: str) -> None:
    seal = made(cert_org=ORGS["B"][0], cert_uscc=ORGS["B"][1])
    http, before = custodian(world, lang), seal_count(world)
    refused = send(http, esl_files(seal))
    assert_beside(refused, "esl", "allow_name_mismatch", "SEAL_CERT_OTHER_ORG",
                  "未载明本单位" if lang == "zh" else "names neither the organisation")
    assert seal_count(world) == before
    if lang == "en":
        done = send(http, esl_files(seal), allow_name_mismatch="yes")
        assert done.status_code == 303 and seal_count(world) == before + 1
        entry = world.audit("seal.import")[-1]
        assert entry["outcome"] == "success"
        assert entry["details"]["name_mismatch"] is True  # type: ignore[index]


def test_an_oversized_or_missing_file_is_refused(world: World) -> None:
    seal = made()
    http, before = custodian(world, "zh"), seal_count(world)
    big = send(http, {"esl": ("seal.esl", seal.esl), "key": ("key.pem", b"0" * (5 << 20))})
    assert_beside(big, "esl", "key", "IMPORT_FILE_TOO_LARGE", "文件过大")
    missing = send(http, {"esl": ("seal.esl", seal.esl)})
    assert_beside(missing, "esl", "key", "IMPORT_FILE_MISSING", "请选择")
    assert seal_count(world) == before
    refused = [e for e in world.audit("seal.import") if e["outcome"] == "refused"]
    assert {"IMPORT_FILE_TOO_LARGE", "IMPORT_FILE_MISSING"} <= {
        e["details"].get("error") for e in refused}  # type: ignore[union-attr]


def test_without_a_valid_csrf_token_nothing_is_imported(world: World) -> None:
    http, before = custodian(world), seal_count(world)
    seal = made()
    missing = http.post("/seals/import", data={"source": "esl"}, files=esl_files(seal))
    assert missing.status_code == 403 and "CSRF_FAILED" in missing.text
    wrong = send(http, esl_files(seal), token="not-the-token")
    assert wrong.status_code == 403 and "CSRF_FAILED" in wrong.text
    assert seal_count(world) == before


def test_who_may_not_manage_seals_may_not_import(world: World) -> None:
    seal, before = made(), seal_count(world)
    for who in ("member", "approver"):
        http = console_client(world, getattr(world.parties["A"], who), "en")
        assert 'href="/seals/import"' not in http.get("/seals").text
        assert http.get("/seals/import").status_code == 403
        token = csrf_of(http.get("/seals").text)
        answer = send(http, esl_files(seal), token=token)
        assert answer.status_code == 403 and "Traceback" not in answer.text
    assert seal_count(world) == before


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_page_is_translated_labelled_and_links_to_its_manual_section(world: World,
                                                                        lang: str) -> None:
    from openseal.interfaces.web import i18n

    i18n.MISSING.clear()
    page = custodian(world, lang).get("/seals/import")
    assert page.status_code == 200
    assert not re.search(r"<script>|\sstyle=|\son[a-z]+=", page.text)
    for control in re.findall(r'<(?:input|select|textarea)[^>]*\sid="([^"]+)"', page.text):
        assert f'for="{control}"' in page.text, control
    assert page.text.count('type="password"') == 2 and 'enctype="multipart/form-data"' \
        in page.text
    assert ("导入外部印章" if lang == "zh" else "Import a seal") in page.text
    link = re.search(r'href="([^"]+)" id="help"', page.text)
    assert link is not None
    assert unquote(link.group(1)) == "/help?page=seals#导入外部印章制章单位制作的印章-import"
    assert i18n.MISSING == set()
