"""The console's seal authorisations (用印授权): the overview, a seal's authorisations and their
history, granting, changing, revoking and restoring (each with a reason, each audited), the
separation-of-duty report; permissions, other organisations' ids, CSRF, bad input, both
languages."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from openseal.core.records import GrantRecord
from openseal.core.seals.service import SealOrder, create_seal
from tests.support.api import World, make_world
from tests.support.console import console_client, csrf_of


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("console-authorisations") / "home")


def console(world: World, username: str, lang: str = "zh") -> TestClient:
    return console_client(world, username, lang)


def fresh_seal(world: World, name: str = "测试授权章") -> str:
    with world.wiring.context() as c:
        seal = create_seal(c.repos, c.pki, c.clock, SealOrder(world.parties["A"].org_id,
                                                              "contract", name),
                           c.settings.base_url, audit=c.audit)
    return seal.id


def grants_of(world: World, seal_id: str) -> list[GrantRecord]:
    with world.wiring.context() as c:
        seal = c.repos.get_seal(seal_id)
        assert seal is not None
        return c.repos.list_grants(seal.org_id, seal_id)


def grant_record(world: World, grant_id: str) -> GrantRecord:
    with world.wiring.context() as c:
        found = c.repos.get_grant(grant_id)
        assert found is not None
        return found


def successes(world: World, action: str) -> int:
    return sum(e["outcome"] == "success" for e in world.audit(action))


def grant_via_form(http: TestClient, seal_id: str, **values: str) -> TestClient:
    token = csrf_of(http.get(f"/seals/{seal_id}/grants/new").text)
    return http.post(f"/seals/{seal_id}/grants/new", data={"csrf_token": token, **values},
                     follow_redirects=False)


def test_the_overview_lists_the_organisations_seals(world: World) -> None:
    a, b = world.parties["A"], world.parties["B"]
    for lang, words in (("zh", "印章授权"), ("en", "Authorisations")):
        page = console(world, a.custodian, lang).get("/authorisations")
        assert page.status_code == 200 and words in page.text
        assert 'href="/authorisations"' in page.text  # the navigation entry
        assert f'href="/authorisations/{a.seal_id}"' in page.text
        assert f'href="/seals/{a.seal_id}/grants/new"' in page.text
        assert b.seal_id not in page.text
        assert 'href="/governance/conflicts"' in page.text
    admin = console(world, a.admin, "en").get("/authorisations")
    assert admin.status_code == 200 and "/grants/new" not in admin.text  # reads only
    member = console(world, a.member, "en")
    assert 'href="/authorisations"' not in member.get("/home").text
    refused = member.get("/authorisations")
    assert refused.status_code == 403 and 'data-code="FORBIDDEN"' in refused.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_seals_page_shows_its_grants_and_their_history(world: World, lang: str) -> None:
    a = world.parties["A"]
    page = console(world, a.custodian, lang).get(f"/authorisations/{a.seal_id}")
    assert page.status_code == 200
    row = re.search(rf'<tr id="grant-{a.grant_id}".*?</tr>', page.text, flags=re.S)
    assert row is not None and a.member in row.group(0)
    assert ("直接用印" if lang == "zh" else "Use it directly") in row.group(0)
    assert 'data-state="active"' in row.group(0) and f"user:{a.custodian}" in row.group(0)
    assert f'href="/grants/{a.grant_id}/change"' in row.group(0)
    assert f'href="/grants/{a.grant_id}/revoke"' in row.group(0)
    assert f'data-action="grant.create" data-grant="{a.grant_id}"' in page.text
    assert "合同专员 / contract clerk" in page.text  # the reason of the grant
    detail = console(world, a.custodian, lang).get(f"/seals/{a.seal_id}")
    assert f'href="/authorisations/{a.seal_id}" id="manage-grants"' in detail.text


def test_a_custodian_grants_a_seal_to_a_user(world: World) -> None:
    a = world.parties["A"]
    seal_id = fresh_seal(world, "授权测试章一")
    http = console(world, a.custodian, "en")
    form = http.get(f"/seals/{seal_id}/grants/new")
    assert form.status_code == 200
    assert f'<option value="user:{a.member_id}"' in form.text
    assert '<option value="role:seal_user"' in form.text
    assert f'<option value="client:{a.client_id}"' in form.text
    done = grant_via_form(http, seal_id, grantee=f"user:{a.member_id}", level="request",
                          approval_required="yes", categories="合同，协议",
                          valid_from="2026-01-01T08:00", valid_until="2026-12-31T18:00",
                          max_uses="5", reason="新项目 / new project")
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"/authorisations/{seal_id}?done=create"
    [made] = grants_of(world, seal_id)
    assert (made.grantee_kind, made.grantee, made.level) == ("user", a.member_id, "request")
    assert made.approval_required and made.categories == ("合同", "协议")
    assert made.max_uses == 5 and made.valid_until is not None
    assert made.valid_until.strftime("%Y-%m-%d %H:%M") == "2026-12-31 18:00"
    entry = [e for e in world.audit("grant.create") if e["target"] == f"grant:{made.id}"]
    assert len(entry) == 1 and entry[0]["details"]["reason"] == "新项目 / new project"  # type: ignore[index]
    page = http.get(done.headers["location"])
    assert 'id="grant-done"' in page.text and "Request its use" in page.text
    assert "新项目 / new project" in page.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_bad_grants_are_refused_with_the_reason_and_change_nothing(world: World,
                                                                   lang: str) -> None:
    a, b = world.parties["A"], world.parties["B"]
    seal_id = fresh_seal(world, f"授权测试章{lang}")
    http = console(world, a.custodian, lang)
    audit_before = successes(world, "grant.create")
    ok = {"grantee": f"user:{a.member_id}", "level": "use", "reason": "测试"}
    cases = [
        ({"grantee": "user:no-such-user"}, 404, "USER_NOT_FOUND", "找不到该用户",
         "User not found"),
        ({"grantee": f"user:{b.member_id}"}, 404, "USER_NOT_FOUND", "找不到该用户",
         "User not found"),  # another organisation's user
        ({"grantee": "nonsense"}, 422, "GRANTEE_UNKNOWN", "被授权方应为", "The grantee must"),
        ({"valid_until": "2026-13-45"}, 422, "GRANT_TIME_FORMAT", "时间格式", "Times are"),
        ({"valid_from": "2026-06-01T00:00", "valid_until": "2026-05-01T00:00"}, 422,
         "GRANT_WINDOW", "结束时间应晚于", "must end after"),
        ({"valid_from": "2026-01-01", "valid_until": "2028-01-01"}, 409,
         "GRANT_EXCEEDS_POLICY", "超过单位策略", "longer than the policy"),
        ({"max_uses": "0"}, 422, "GRANT_MAX_USES", "最多使用次数", "most uses"),
        ({"max_uses": "many"}, 422, "GRANT_MAX_USES", "最多使用次数", "most uses"),
        ({"reason": "  "}, 422, "TEXT_FORMAT", "reason", "reason"),
        ({"level": "owner"}, 422, "GRANT_LEVEL", "授权级别应为", "The level must be"),
        ({"grantee": "role:org_admin"}, 409, "GRANT_EXCEEDS_ROLE", "角色不允许",
         "roles do not allow"),
        # to oneself: a custodian's roles do not allow using a seal
        ({"grantee": f"user:{a.custodian_id}"}, 409, "GRANT_EXCEEDS_ROLE", "角色不允许",
         "roles do not allow"),
    ]
    for change, status, code, zh, en in cases:
        answer = grant_via_form(http, seal_id, **{**ok, **change})
        assert answer.status_code == status, (change, answer.text[:300])
        assert f'data-code="{code}"' in answer.text, change
        assert (zh if lang == "zh" else en) in answer.text, change
        assert 'id="grant-form"' in answer.text  # the form again, as typed
    kept = grant_via_form(http, seal_id, **{**ok, "categories": "保留的类别", "max_uses": "0"})
    assert 'value="保留的类别"' in kept.text
    assert re.search(r'class="field invalid">\s*<label for="f-max_uses"', kept.text)
    assert grants_of(world, seal_id) == []
    assert successes(world, "grant.create") == audit_before
    assert any(e["outcome"] == "refused" for e in world.audit("grant.create"))  # recorded


def test_changing_a_grant_keeps_the_history(world: World) -> None:
    a = world.parties["A"]
    seal_id = fresh_seal(world, "授权测试章二")
    http = console(world, a.custodian, "en")
    assert grant_via_form(http, seal_id, grantee=f"user:{a.member_id}", level="use",
                          reason="初次授权").status_code == 303
    [made] = grants_of(world, seal_id)
    form = http.get(f"/grants/{made.id}/change")
    assert form.status_code == 200 and 'name="max_uses"' in form.text
    values = dict(re.findall(r'name="(valid_from|valid_until)" type="datetime-local" '
                             r'value="([^"]*)"', form.text))
    token = csrf_of(form.text)
    data = {"csrf_token": token, "level": "use", **values, "max_uses": "10",
            "categories": "合同", "reason": "限制次数 / limit the uses"}
    missing = http.post(f"/grants/{made.id}/change", data={**data, "reason": ""})
    assert missing.status_code == 422 and 'data-code="TEXT_FORMAT"' in missing.text
    too_long = http.post(f"/grants/{made.id}/change", data={**data, "valid_until": ""})
    assert too_long.status_code == 409 and 'data-code="GRANT_EXCEEDS_POLICY"' in too_long.text
    assert grant_record(world, made.id) == made  # nothing changed
    done = http.post(f"/grants/{made.id}/change", data=data, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("?done=change")
    changed = grant_record(world, made.id)
    assert changed.max_uses == 10 and changed.categories == ("合同",)
    assert changed.valid_from == made.valid_from and changed.valid_until == made.valid_until
    entry = [e for e in world.audit("grant.change") if e["target"] == f"grant:{made.id}"][-1]
    details = entry["details"]
    assert details["before"]["max_uses"] is None and details["after"]["max_uses"] == 10  # type: ignore[index]
    assert details["reason"] == "限制次数 / limit the uses"  # type: ignore[index]
    page = http.get(f"/authorisations/{seal_id}")
    assert 'data-action="grant.change"' in page.text and "Most uses allowed: — → 10" in page.text


def test_revoking_and_restoring_ask_for_a_reason_and_are_audited(world: World) -> None:
    a = world.parties["A"]
    seal_id = fresh_seal(world, "授权测试章三")
    http = console(world, a.custodian, "zh")
    assert grant_via_form(http, seal_id, grantee="role:seal_user", level="request",
                          reason="全体用印人").status_code == 303
    [made] = grants_of(world, seal_id)
    form = http.get(f"/grants/{made.id}/revoke")
    assert form.status_code == 200 and 'name="reason"' in form.text and "撤销授权" in form.text
    assert grant_record(world, made.id).status == "active"  # GET changes nothing
    token = csrf_of(form.text)
    empty = http.post(f"/grants/{made.id}/revoke", data={"csrf_token": token, "reason": ""})
    assert empty.status_code == 422 and 'data-code="TEXT_FORMAT"' in empty.text
    assert grant_record(world, made.id).status == "active"
    done = http.post(f"/grants/{made.id}/revoke", data={"csrf_token": token,
                                                         "reason": "岗位调整"},
                     follow_redirects=False)
    assert done.status_code == 303 and grant_record(world, made.id).status == "revoked"
    assert any(e["target"] == f"grant:{made.id}" and e["details"].get("reason") == "岗位调整"  # type: ignore[union-attr]
               and e["outcome"] == "success"
               for e in world.audit("grant.revoke"))
    again = http.post(f"/grants/{made.id}/revoke", data={"csrf_token": token, "reason": "x"})
    assert again.status_code == 409 and "该授权已被撤销" in again.text
    page = http.get(f"/authorisations/{seal_id}")
    assert f'href="/grants/{made.id}/restore"' in page.text and 'data-state="revoked"' in page.text
    assert http.get(f"/grants/{made.id}/restore").status_code == 200
    restored = http.post(f"/grants/{made.id}/restore", data={"csrf_token": token,
                                                              "reason": "误撤销"},
                         follow_redirects=False)
    assert restored.status_code == 303 and grant_record(world, made.id).status == "active"
    assert any(e["target"] == f"grant:{made.id}" for e in world.audit("grant.restore"))


def test_who_may_not_manage_is_refused_and_nothing_changes(world: World) -> None:
    a = world.parties["A"]
    before = grant_record(world, a.grant_id)
    for name in (a.member, a.admin, a.approver):
        http = console(world, name, "en")
        token = csrf_of(http.get("/home").text)
        for path in (f"/seals/{a.seal_id}/grants/new", f"/grants/{a.grant_id}/change",
                     f"/grants/{a.grant_id}/revoke"):
            assert http.get(path).status_code == 403, (name, path)
        for path, data in ((f"/seals/{a.seal_id}/grants/new",
                            {"grantee": f"user:{a.member_id}", "reason": "x"}),
                           (f"/grants/{a.grant_id}/change", {"max_uses": "1", "reason": "x"}),
                           (f"/grants/{a.grant_id}/revoke", {"reason": "x"})):
            answer = http.post(path, data={"csrf_token": token, **data})
            assert answer.status_code == 403 and 'data-code="FORBIDDEN"' in answer.text, path
    assert grant_record(world, a.grant_id) == before
    assert len(grants_of(world, a.seal_id)) == 2


def test_another_organisations_ids_are_not_found(world: World) -> None:
    a, b = world.parties["A"], world.parties["B"]
    http = console(world, a.custodian, "en")
    token = csrf_of(http.get("/authorisations").text)
    for path in (f"/authorisations/{b.seal_id}", f"/seals/{b.seal_id}/grants/new",
                 f"/grants/{b.grant_id}/change", f"/grants/{b.grant_id}/revoke",
                 f"/grants/{b.grant_id}/restore", "/grants/no-such-grant/change",
                 f"/grants/{a.grant_id}/nonsense", "/authorisations/no-such-seal"):
        answer = http.get(path)
        assert answer.status_code == 404, path
        assert "NOT_FOUND" in answer.text and b.member not in answer.text, path
    before = grant_record(world, b.grant_id)
    for path, data in ((f"/grants/{b.grant_id}/revoke", {"reason": "x"}),
                       (f"/grants/{b.grant_id}/change", {"max_uses": "1", "reason": "x"}),
                       (f"/seals/{b.seal_id}/grants/new",
                        {"grantee": f"user:{b.member_id}", "reason": "x"})):
        assert http.post(path, data={"csrf_token": token, **data}).status_code == 404, path
    assert grant_record(world, b.grant_id) == before and len(grants_of(world, b.seal_id)) == 2


def test_forms_without_the_right_token_are_refused(world: World) -> None:
    a = world.parties["A"]
    http = console(world, a.custodian, "en")
    before, count = grant_record(world, a.grant_id), len(grants_of(world, a.seal_id))
    for token in (None, "", "wrong"):
        extra = {} if token is None else {"csrf_token": token}
        for path, data in ((f"/seals/{a.seal_id}/grants/new",
                            {"grantee": "role:seal_user", "level": "view", "reason": "x"}),
                           (f"/grants/{a.grant_id}/change", {"max_uses": "1", "reason": "x"}),
                           (f"/grants/{a.grant_id}/revoke", {"reason": "x"})):
            answer = http.post(path, data={**extra, **data})
            assert answer.status_code == 403 and "CSRF_FAILED" in answer.text, path
    assert grant_record(world, a.grant_id) == before
    assert len(grants_of(world, a.seal_id)) == count


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_conflict_report(world: World, lang: str) -> None:
    a = world.parties["A"]
    seal_id = fresh_seal(world, f"冲突测试章{lang}")
    http = console(world, a.custodian, lang)
    for grantee in (f"user:{a.member_id}", "role:seal_user"):  # the member, twice
        assert grant_via_form(http, seal_id, grantee=grantee, level="view",
                              reason="重叠").status_code == 303
    page = http.get("/governance/conflicts")
    assert page.status_code == 200
    row = re.search(r'<tr data-code="GRANT_OVERLAP" data-severity="warning">.*?</tr>',
                    page.text, flags=re.S)
    assert row is not None and a.member in row.group(0)
    assert ("同一用户对同一印章持有多项授权" if lang == "zh" else "one user holds several grants"
            ) in row.group(0)
    assert console(world, a.admin, lang).get("/governance/conflicts").status_code == 200
    assert console(world, a.member, lang).get("/governance/conflicts").status_code == 403
    assert world.parties["B"].member not in page.text


def test_every_page_is_translated_labelled_and_without_inline_code(world: World) -> None:
    from openseal.interfaces.web import i18n

    a = world.parties["A"]
    zh = {str(m.id): str(m.string) for m in i18n.read_catalogue("zh") if m.id}
    english_only = [k for k, v in zh.items() if v != k and len(k) >= 12]
    i18n.MISSING.clear()
    for lang in ("zh", "en"):
        http = console(world, a.custodian, lang)
        for path in ("/authorisations", f"/authorisations/{a.seal_id}",
                     f"/seals/{a.seal_id}/grants/new", f"/grants/{a.grant_id}/change",
                     f"/grants/{a.grant_id}/revoke", f"/grants/{a.grant_id}/restore",
                     "/governance/conflicts", f"/seals/{a.seal_id}"):
            page = http.get(path)
            assert page.status_code == 200, path
            assert not re.search(r"<script>|\sstyle=|\son[a-z]+=", page.text), path
            for control in re.findall(r'<(?:input|select|textarea)[^>]*\sid="([^"]+)"',
                                      page.text):
                assert f'for="{control}"' in page.text, (path, control)
            if lang == "zh":
                shown = re.sub(r"<[^>]+>", " ", page.text)
                assert [m for m in english_only if m in shown] == [], path
    assert i18n.MISSING == set()


def test_help_links_land_on_the_manuals_sections(world: World) -> None:
    a = world.parties["A"]
    http = console(world, a.custodian, "zh")
    manual = http.get("/help?page=authorisations")
    assert manual.status_code == 200
    for path in ("/authorisations", f"/authorisations/{a.seal_id}",
                 f"/seals/{a.seal_id}/grants/new", f"/grants/{a.grant_id}/change",
                 f"/grants/{a.grant_id}/revoke", "/governance/conflicts"):
        link = re.search(r'href="([^"]+)" id="help"', http.get(path).text)
        assert link is not None, path
        href = unquote(link.group(1))
        assert href.startswith("/help?page=authorisations#"), href
        assert f'id="{href.split("#", 1)[1]}"' in manual.text, href
