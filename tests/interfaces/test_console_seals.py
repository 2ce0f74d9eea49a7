"""The console's seals (印章): the gallery, the live preview, creating a seal, a seal's
detail (certificate, authorisations, history) and its lifecycle, each change confirmed with
a reason; permissions, other organisations' seals and CSRF."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from openseal.core.seals.service import ALGORITHMS
from tests.support.api import World, make_world
from tests.support.console import console_client, csrf_of


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("console-seals") / "home")


def console(world: World, username: str, lang: str = "zh") -> TestClient:
    return console_client(world, username, lang)


def seal_count(world: World, key: str = "A") -> int:
    with world.wiring.context() as c:
        return len(c.repos.list_seals(world.parties[key].org_id))


def status_of(world: World, seal_id: str) -> str:
    with world.wiring.context() as c:
        seal = c.repos.get_seal(seal_id)
        assert seal is not None
        return seal.status


def new_seal(world: World, http: TestClient, **values: str) -> str:
    token = csrf_of(http.get("/seals/new").text)
    made = http.post("/seals/new", data={"csrf_token": token, "type": "finance",
                                         "name": "财务章（测试）", **values},
                     follow_redirects=False)
    assert made.status_code == 303, made.text
    return str(made.headers["location"]).rsplit("/", 1)[1]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_gallery_shows_each_seal_with_image_type_status_and_expiry(world: World,
                                                                       lang: str) -> None:
    http = console(world, world.parties["A"].member, lang)
    seal_id = world.parties["A"].seal_id
    page = http.get("/seals")
    assert page.status_code == 200
    assert 'href="/seals"' in page.text  # the navigation entry
    assert f'src="/seals/{seal_id}/image.png"' in page.text and "合同专用章A" in page.text
    assert ("合同专用章" if lang == "zh" else "Contract seal") in page.text
    assert ("启用" if lang == "zh" else "Active") in page.text
    assert ("证书有效期至" if lang == "zh" else "Certificate valid until") in page.text
    assert world.parties["B"].seal_id not in page.text
    assert 'id="new-seal"' not in page.text  # a member does not create seals
    image = http.get(f"/seals/{seal_id}/image.png")
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    assert image.headers["content-type"] == "image/png"
    assert "no-store" in image.headers["cache-control"]


def test_the_preview_draws_without_saving_and_names_the_wrong_field(world: World) -> None:
    http = console(world, world.parties["A"].custodian, "en")
    before, audit = seal_count(world), len(world.audit("seal.create"))
    drawn = http.get("/seals/preview", params={"type": "contract", "name": "x",
                                               "purpose": "合同专用章", "code": "12345"})
    assert drawn.status_code == 200 and 'src="data:image/png;base64,' in drawn.text
    assert "<html" not in drawn.text  # a fragment for htmx
    wrong = http.get("/seals/preview", params={"type": "legal-rep", "name": ""})
    assert 'id="preview-error"' in wrong.text and "data:image/png" not in wrong.text
    assert 'data-field="name"' in wrong.text
    bad_type = http.get("/seals/preview", params={"type": "nonsense", "name": "x"})
    assert 'data-code="SEAL_TYPE"' in bad_type.text and "Choose a seal type" in bad_type.text
    bad_code = http.get("/seals/preview", params={"type": "contract", "code": "abc",
                                                  "purpose": "x" * 500})
    assert 'id="preview-error"' in bad_code.text and bad_code.status_code == 200
    assert seal_count(world) == before and len(world.audit("seal.create")) == audit
    page = http.get("/seals/new")
    assert page.status_code == 200 and 'hx-get="/seals/preview"' in page.text
    assert 'src="data:image/png;base64,' in page.text  # the first preview, without htmx


def test_a_member_may_not_preview_or_open_the_form(world: World) -> None:
    http = console(world, world.parties["A"].member, "en")
    assert http.get("/seals/new").status_code == 403
    assert http.get("/seals/preview", params={"type": "contract"}).status_code == 403


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_bad_name_shows_the_field_error_and_creates_nothing(world: World, lang: str) -> None:
    http = console(world, world.parties["A"].custodian, lang)
    token = csrf_of(http.get("/seals/new").text)
    before = seal_count(world)
    answer = http.post("/seals/new", data={"csrf_token": token, "type": "contract",
                                           "name": "   ", "purpose": "合同专用章"})
    assert answer.status_code == 422
    assert 'data-code="SEAL_NAME"' in answer.text
    assert re.search(r'class="field invalid">\s*<label for="f-name"', answer.text)
    assert ("印章名称应为" if lang == "zh" else "The seal name must have") in answer.text
    assert 'value="合同专用章"' in answer.text  # what was typed is kept
    wrong_code = http.post("/seals/new", data={"csrf_token": token, "type": "contract",
                                               "name": "合同章", "code": "abc"})
    assert wrong_code.status_code == 422 and 'data-code="SEAL_CODE_INVALID"' in wrong_code.text
    assert re.search(r'class="field invalid">\s*<label for="f-code"', wrong_code.text)
    assert seal_count(world) == before


def test_creating_a_seal_leads_to_its_detail(world: World) -> None:
    http = console(world, world.parties["A"].custodian, "en")
    seal_id = new_seal(world, http, code="3501000012345")
    page = http.get(f"/seals/{seal_id}")
    assert page.status_code == 200 and "财务章（测试）" in page.text
    assert "Finance seal" in page.text and 'data-status="active"' in page.text
    assert any(e["target"] == f"seal:{seal_id}" for e in world.audit("seal.create"))
    assert f'src="/seals/{seal_id}/image.png"' in http.get("/seals").text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_detail_shows_certificate_authorisations_and_history(world: World,
                                                                 lang: str) -> None:
    party = world.parties["A"]
    http = console(world, party.custodian, lang)
    page = http.get(f"/seals/{party.seal_id}")
    assert page.status_code == 200
    with world.wiring.context() as c:
        seal = c.repos.get_seal(party.seal_id)
        assert seal is not None
        cert = c.repos.get_certificate(seal.cert_id)
        assert cert is not None
    assert cert.serial_hex in page.text and cert.not_after.strftime("%Y-%m-%d") in page.text
    assert 'id="seal-grants"' in page.text and party.member in page.text
    assert 'data-action="seal.create"' in page.text
    assert 'id="action-suspend"' in page.text and 'id="action-revoke"' in page.text
    assert 'id="action-resume"' not in page.text
    assert ("挂失印章" if lang == "zh" else "Suspend the seal") in page.text


def test_a_change_with_a_reason_is_audited_and_without_one_refused(world: World) -> None:
    http = console(world, world.parties["A"].custodian, "en")
    seal_id = new_seal(world, http)
    form = http.get(f"/seals/{seal_id}/suspend")
    assert form.status_code == 200 and 'name="reason"' in form.text
    token = csrf_of(form.text)
    refused = http.post(f"/seals/{seal_id}/suspend", data={"csrf_token": token, "reason": " "})
    assert refused.status_code == 422 and 'data-code="REASON_REQUIRED"' in refused.text
    assert re.search(r'class="field invalid">\s*<label for="f-reason"', refused.text)
    assert status_of(world, seal_id) == "active"
    done = http.post(f"/seals/{seal_id}/suspend", data={"csrf_token": token,
                                                         "reason": "印章遗失 / lost"},
                     follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith(f"/seals/{seal_id}")
    assert status_of(world, seal_id) == "suspended"
    entry = [e for e in world.audit("seal.suspend") if e["target"] == f"seal:{seal_id}"][-1]
    assert entry["details"]["reason"] == "印章遗失 / lost"  # type: ignore[index]
    page = http.get(done.headers["location"])
    assert 'id="seal-done"' in page.text and "印章遗失 / lost" in page.text
    assert 'id="action-resume"' in page.text and 'id="action-suspend"' not in page.text
    again = http.post(f"/seals/{seal_id}/suspend", data={"csrf_token": token, "reason": "x"})
    assert again.status_code == 409 and 'data-code="SEAL_STATE"' in again.text
    http.post(f"/seals/{seal_id}/revoke", data={"csrf_token": token, "reason": "作废",
                                                "reason_code": "cessation_of_operation"})
    assert status_of(world, seal_id) == "revoked"
    assert 'id="action-destroy"' in http.get(f"/seals/{seal_id}").text


def test_renewing_gives_a_new_certificate(world: World) -> None:
    http = console(world, world.parties["A"].custodian, "zh")
    seal_id = new_seal(world, http)
    token = csrf_of(http.get(f"/seals/{seal_id}/renew").text)
    with world.wiring.context() as c:
        old = c.repos.get_seal(seal_id).cert_id  # type: ignore[union-attr]
    done = http.post(f"/seals/{seal_id}/renew", data={"csrf_token": token, "reason": "到期"},
                     follow_redirects=False)
    assert done.status_code == 303
    with world.wiring.context() as c:
        assert c.repos.get_seal(seal_id).cert_id != old  # type: ignore[union-attr]


def test_a_member_sees_no_actions_and_is_refused(world: World) -> None:
    party = world.parties["A"]
    http = console(world, party.member, "en")
    page = http.get(f"/seals/{party.seal_id}")
    assert page.status_code == 200 and 'id="seal-actions"' not in page.text
    assert 'id="seal-grants"' not in page.text
    assert http.get(f"/seals/{party.seal_id}/suspend").status_code == 403
    token = csrf_of(page.text)
    answer = http.post(f"/seals/{party.seal_id}/suspend",
                       data={"csrf_token": token, "reason": "try"})
    assert answer.status_code == 403 and "seal.suspend" not in answer.text
    assert status_of(world, party.seal_id) == "active"
    made = http.post("/seals/new", data={"csrf_token": token, "type": "contract", "name": "x"})
    assert made.status_code == 403


def test_another_organisations_seal_is_not_found(world: World) -> None:
    other = world.parties["B"].seal_id
    http = console(world, world.parties["A"].custodian, "en")
    token = csrf_of(http.get("/seals").text)
    for path in (f"/seals/{other}", f"/seals/{other}/image.png", f"/seals/{other}/suspend",
                 "/seals/no-such-seal", "/seals/no-such-seal/image.png"):
        answer = http.get(path)
        assert answer.status_code == 404, path
        assert "SEAL_NOT_FOUND" in answer.text and "Traceback" not in answer.text
    posted = http.post(f"/seals/{other}/suspend", data={"csrf_token": token, "reason": "x"})
    assert posted.status_code == 404 and status_of(world, other) == "active"
    assert http.get(f"/seals/{world.parties['A'].seal_id}/nonsense").status_code == 404


def test_forms_without_the_token_are_refused(world: World) -> None:
    party = world.parties["A"]
    http = console(world, party.custodian, "en")
    before = seal_count(world)
    made = http.post("/seals/new", data={"type": "contract", "name": "无令牌"})
    assert made.status_code == 403 and "CSRF_FAILED" in made.text
    changed = http.post(f"/seals/{party.seal_id}/suspend", data={"reason": "x",
                                                                  "csrf_token": "wrong"})
    assert changed.status_code == 403
    assert seal_count(world) == before and status_of(world, party.seal_id) == "active"


def test_signed_out_visitors_go_to_login(world: World) -> None:
    answer = world.client().get("/seals", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_every_seals_page_is_translated_labelled_and_without_inline_code(world: World) -> None:
    from openseal.interfaces.web import i18n

    party = world.parties["A"]
    i18n.MISSING.clear()
    for lang in ("zh", "en"):
        http = console(world, party.custodian, lang)
        for path in ("/seals", "/seals/new", f"/seals/{party.seal_id}",
                     f"/seals/{party.seal_id}/suspend", f"/seals/{party.seal_id}/revoke",
                     "/seals/preview?type=contract", "/seals/preview?type=x", "/seals/import"):
            page = http.get(path)
            assert page.status_code == 200, path
            assert not re.search(r"<script>|\sstyle=|\son[a-z]+=", page.text), path
            for control in re.findall(r'<(?:input|select|textarea)[^>]*\sid="([^"]+)"', page.text):
                assert f'for="{control}"' in page.text, (path, control)
            if lang == "zh":
                assert not re.search(r"\bSeals?\b", re.sub(r"<[^>]+>", " ", page.text)), path
    assert i18n.MISSING == set()


def test_help_links_land_on_the_manuals_sections(world: World) -> None:
    from urllib.parse import unquote

    party = world.parties["A"]
    http = console(world, party.custodian, "zh")
    manual = http.get("/help?page=seals")
    assert manual.status_code == 200
    for path in ("/seals", "/seals/new", f"/seals/{party.seal_id}",
                 f"/seals/{party.seal_id}/suspend", "/seals/import"):
        link = re.search(r'id="help" href="([^"]+)"|href="([^"]+)" id="help"',
                         http.get(path).text)
        assert link is not None, path
        href = unquote(link.group(1) or link.group(2))
        assert href.startswith("/help?page=seals#"), href
        assert f'id="{href.split("#", 1)[1]}"' in manual.text, href


# The key algorithm (issue 9 item 3) ---------------------------------------------------------
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_form_offers_the_cores_algorithms_each_explained(world: World, lang: str) -> None:
    http = console(world, world.parties["A"].custodian, lang)
    page = http.get("/seals/new")
    offered = re.findall(r'name="algorithm" value="([^"]+)"', page.text)
    assert offered == list(ALGORITHMS)
    assert re.search(r'value="ecdsa" checked', page.text)  # the default: PDF
    assert ("用于 OFD 文件" if lang == "zh" else "For OFD documents") in page.text
    assert ("密钥算法" if lang == "zh" else "Key algorithm") in page.text
    for value in ALGORITHMS:
        assert f'for="f-algorithm-{value}"' in page.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_refused_algorithm_is_the_fields_error_and_creates_nothing(world: World,
                                                                    lang: str) -> None:
    http = console(world, world.parties["A"].custodian, lang)
    token = csrf_of(http.get("/seals/new").text)
    before, audit = seal_count(world), len(world.audit("seal.create"))
    answer = http.post("/seals/new", data={"csrf_token": token, "type": "contract",
                                           "name": "算法错误章", "algorithm": "dsa"})
    assert answer.status_code == 422 and 'data-code="SEAL_ALGORITHM"' in answer.text
    assert 'id="e-algorithm"' in answer.text and 'class="field seal-algorithms invalid"' \
        in answer.text
    assert ("不支持的印章算法" if lang == "zh" else "Unknown seal algorithm") in answer.text
    assert 'value="算法错误章"' in answer.text  # what was typed is kept
    assert seal_count(world) == before
    refused = world.audit("seal.create")[audit:]
    assert [e["outcome"] for e in refused] == ["refused"]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_each_offered_algorithm_makes_a_seal_of_it(world: World, algorithm: str) -> None:
    http = console(world, world.parties["A"].custodian, "zh")
    seal_id = new_seal(world, http, algorithm=algorithm, name=f"{algorithm} 章")
    with world.wiring.context() as c:
        record = c.repos.get_seal(seal_id)
        assert record is not None and record.algorithm == algorithm
    page = http.get(f"/seals/{seal_id}")
    assert f'data-algorithm="{algorithm}"' in page.text and "本平台制作" in page.text
    assert ('id="download-esl"' in page.text) == (algorithm == "sm2")


def test_an_sm2_seal_made_in_the_console_gives_its_esl(world: World) -> None:
    from openseal.core.ofd.ses_read import maker_signature_valid, read_seal
    from tests.support.tools import require_tool

    http = console(world, world.parties["A"].custodian, "en")
    seal_id = new_seal(world, http, algorithm="sm2", name="国密合同章")
    page = http.get(f"/seals/{seal_id}")
    assert 'data-algorithm="sm2"' in page.text and "SM2 (Chinese commercial" in page.text
    assert 'data-origin="platform"' in page.text and "Made on this platform" in page.text
    assert f'href="/seals/{seal_id}/seal.esl"' in page.text
    answer = http.get(f"/seals/{seal_id}/seal.esl")
    assert answer.status_code == 200 and "attachment" in answer.headers["content-disposition"]
    assert "no-store" in answer.headers["cache-control"]
    with world.wiring.context() as c:
        record = c.repos.get_seal(seal_id)
        assert record is not None and record.esl is not None
    assert answer.content == record.esl
    assert f'filename="{record.es_id}.esl"' in answer.headers["content-disposition"]
    esl = read_seal(answer.content)
    assert (esl.version, esl.es_id, esl.name) == (4, record.es_id, "国密合同章")
    assert maker_signature_valid(esl)
    import subprocess  # openssl as an independent DER reader: a SEQUENCE, header "ES", v4

    parsed = subprocess.run([require_tool("openssl"), "asn1parse", "-inform", "DER"],
                            input=answer.content, capture_output=True, check=True,
                            timeout=60).stdout.decode()
    lines = parsed.splitlines()
    assert "SEQUENCE" in lines[0] and ":ES" in parsed and ":04" in parsed


def test_a_pdf_seal_has_no_esl_and_says_so(world: World) -> None:
    party = world.parties["A"]
    for lang, words in (("zh", "不是 SM2 印章"), ("en", "is not an SM2 seal")):
        http = console(world, party.custodian, lang)
        page = http.get(f"/seals/{party.seal_id}")
        assert 'id="download-esl"' not in page.text and 'data-algorithm="ecdsa"' in page.text
        answer = http.get(f"/seals/{party.seal_id}/seal.esl")
        assert answer.status_code == 422 and "SEAL_NOT_SM2" in answer.text
        assert words in answer.text and "Traceback" not in answer.text
    other = world.parties["B"].seal_id
    assert console(world, party.custodian).get(f"/seals/{other}/seal.esl").status_code == 404
