"""The console's organisation pages: registering an organisation (public, pre-session CSRF),
its profile and verification (the business licence), the platform administrator's review
queue, users and roles, API clients (the secret shown once). Permissions, other
organisations' ids, CSRF, bad input (translated, 4xx, nothing changed), both languages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.api import ADMIN, PASSWORD, World, licence_png, make_world
from tests.support.console import console_client, csrf_of


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("console-organisation") / "home")


def console(world: World, username: str, lang: str = "zh") -> TestClient:
    return console_client(world, username, lang)


def platform(world: World, lang: str = "en") -> TestClient:
    return console_client(world, ADMIN[0], lang, ADMIN[2])


def org_count(world: World) -> int:
    with world.wiring.context() as c:
        return len(c.repos.list_organizations())


def org_status(world: World, org_id: str) -> str:
    with world.wiring.context() as c:
        profile = c.repos.get_org_profile(org_id)
        assert profile is not None
        return profile.status


def field_invalid(html: str, name: str) -> bool:
    return re.search(rf'class="field invalid">\s*<label for="f-{name}"', html) is not None


# The registration form ------------------------------------------------------------------
def valid_uscc(stem: str) -> str:
    """A valid credit code ending ``stem`` with its check character."""
    from openseal.core.identity.uscc import check_character

    return stem + check_character(stem)


def registration(key: str, uscc: str, **changes: str) -> dict[str, str]:
    values = {"name": f"注册测试单位{key}", "uscc": uscc, "legal_rep": "王五",
              "contact_name": "赵六", "contact_email": f"reg-{key}@example.com",
              "contact_phone": "010-12345678", "admin_username": f"reg-admin-{key}",
              "admin_password": PASSWORD, "repeat_password": PASSWORD}
    return {**values, **changes}


def register_form(http: TestClient, values: dict[str, str], token: str | None = "") -> Any:
    form = http.get("/register")
    assert form.status_code == 200
    data = dict(values)
    if token is not None:
        data["csrf_token"] = token or csrf_of(form.text)
    return http.post("/register", data=data)


def registered(world: World, key: str, stem: str) -> tuple[str, str]:
    """A new organisation registered through the console: (its id, admin username)."""
    values = registration(key, valid_uscc(stem))
    answer = register_form(world.client(), values)
    assert answer.status_code == 201, answer.text
    with world.wiring.context() as c:
        org = c.repos.get_organization(values["uscc"])
        assert org is not None
        return org.id, values["admin_username"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_registering_makes_an_unverified_organisation_and_its_admin(world: World,
                                                                    lang: str) -> None:
    http = world.client()
    page = http.get(f"/register?lang={lang}")
    assert page.status_code == 200 and 'action="/register"' in page.text
    for name in ("name", "uscc", "legal_rep", "contact_name", "contact_email",
                 "contact_phone", "admin_username", "admin_password", "repeat_password"):
        assert f'for="f-{name}"' in page.text and f'name="{name}"' in page.text, name
    values = registration(f"ok-{lang}", valid_uscc("9135010000000" + ("1234" if lang == "zh"
                                                                      else "5678")))
    answer = http.post("/register", data={**values, "csrf_token": csrf_of(page.text)})
    assert answer.status_code == 201, answer.text
    assert 'id="registered"' in answer.text and 'href="/login"' in answer.text
    assert ("未认证（测试模式）" if lang == "zh" else "Not verified (sandbox)") in answer.text
    assert PASSWORD not in answer.text
    with world.wiring.context() as c:
        org = c.repos.get_organization(values["uscc"])
        assert org is not None and org.name == values["name"]
        admin = c.repos.find_user(values["admin_username"])
        assert admin is not None and admin.org_id == org.id and admin.role == "org_admin"
    assert org_status(world, org.id) == "unverified"
    assert console(world, values["admin_username"], lang).get("/organisation").status_code == 200


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_wrong_credit_code_is_explained_and_nothing_is_made(world: World, lang: str) -> None:
    http = world.client()
    http.get(f"/register?lang={lang}")
    before = org_count(world)
    stem = "91350100000009999"
    wrong = stem + ("0" if valid_uscc(stem)[-1] != "0" else "1")
    answer = register_form(http, registration(f"bad-{lang}", wrong))
    assert answer.status_code == 422 and 'data-code="USCC_CHECKSUM"' in answer.text
    assert field_invalid(answer.text, "uscc")
    assert ("校验位错误" if lang == "zh" else "check character is wrong") in answer.text
    assert f'value="注册测试单位bad-{lang}"' in answer.text  # what was typed is kept
    assert PASSWORD not in answer.text  # but never the password
    short = register_form(http, registration(f"bad-{lang}", "123"))
    assert short.status_code == 422 and 'data-code="USCC_LENGTH"' in short.text
    assert org_count(world) == before


def test_a_duplicate_registration_creates_nothing(world: World) -> None:
    http = world.client()
    http.get("/register?lang=en")
    before = org_count(world)
    taken_code = register_form(http, registration("dup1", "91350100M000100Y43"))
    assert taken_code.status_code == 409 and 'data-code="ORG_EXISTS"' in taken_code.text
    assert field_invalid(taken_code.text, "uscc")
    fresh = valid_uscc("91350100000004321")
    taken_name = register_form(http, registration("dup2", fresh,
                                                  admin_username=world.parties["A"].admin))
    assert taken_name.status_code == 409 and 'data-code="USERNAME_TAKEN"' in taken_name.text
    assert field_invalid(taken_name.text, "admin_username")
    with world.wiring.context() as c:
        assert c.repos.get_organization(fresh) is None  # the organisation was rolled back
    mismatch = register_form(http, registration("dup3", fresh, repeat_password="other one 1"))
    assert mismatch.status_code == 422 and field_invalid(mismatch.text, "repeat_password")
    weak = register_form(http, registration("dup4", fresh, admin_password="short",
                                            repeat_password="short"))
    assert weak.status_code == 422 and field_invalid(weak.text, "admin_password")
    bad_mail = register_form(http, registration("dup5", fresh, contact_email="nope"))
    assert bad_mail.status_code == 422 and field_invalid(bad_mail.text, "contact_email")
    long_name = register_form(http, registration("dup6", fresh, name="长" * 300))
    assert long_name.status_code == 422 and field_invalid(long_name.text, "name")
    assert org_count(world) == before


def test_registration_without_the_token_is_refused(world: World) -> None:
    before = org_count(world)
    values = registration("csrf", valid_uscc("91350100000007777"))
    for token in (None, "wrong"):
        http = world.client()
        answer = register_form(http, values, token=token)
        assert answer.status_code == 403 and "CSRF_FAILED" in answer.text
    other = world.client()
    stolen = csrf_of(other.get("/register").text)  # another browser's token
    assert register_form(world.client(), values, token=stolen).status_code == 403
    assert org_count(world) == before


# Verification ---------------------------------------------------------------------------
def upload(http: TestClient, content: bytes, name: str = "licence.png",
           media: str = "image/png", token: str | None = "", **fields: str) -> Any:
    data = {"legal_rep_name": "王五", "legal_rep_id_number": "11010519491231002X", **fields}
    if token is not None:
        data["csrf_token"] = token or csrf_of(http.get("/organisation").text)
    return http.post("/organisation/verification", data=data,
                     files={"licence": (name, content, media)}, follow_redirects=False)


def test_bad_licence_files_are_refused_and_nothing_is_submitted(world: World) -> None:
    org_id, admin = registered(world, "lic-bad", "91350100000001111")
    http = console(world, admin, "en")
    page = http.get("/organisation")
    assert 'id="verification-form"' in page.text and 'enctype="multipart/form-data"' in page.text
    assert 'data-status="unverified"' in page.text
    wrong_type = upload(http, b"just some text, not a licence", "licence.txt", "text/plain")
    assert wrong_type.status_code == 422 and 'data-code="LICENCE_FORMAT"' in wrong_type.text
    assert "readable PDF, PNG or JPEG" in wrong_type.text
    assert re.search(r'class="field invalid">\s*<label for="f-licence"', wrong_type.text)
    big = upload(http, b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024 + 10), "big.pdf",
                 "application/pdf")
    assert big.status_code == 413 and 'data-code="UPLOAD_TOO_LARGE"' in big.text
    assert "10 MiB" in big.text
    empty = upload(http, b"", "empty.png")
    assert empty.status_code == 422 and 'data-code="LICENCE_EMPTY"' in empty.text
    bad_id = upload(http, licence_png(), legal_rep_id_number="??")
    assert bad_id.status_code == 422 and field_invalid(bad_id.text, "legal_rep_id_number")
    zh = console(world, admin, "zh")
    in_zh = upload(zh, b"not a file", "x.txt", "text/plain")
    assert in_zh.status_code == 422 and "营业执照应为可读的 PDF、PNG 或 JPEG 文件" in in_zh.text
    no_token = upload(http, licence_png(), token="wrong")
    assert no_token.status_code == 403
    assert org_status(world, org_id) == "unverified"
    with world.wiring.context() as c:
        assert c.repos.latest_licence(org_id) is None


def test_register_submit_review_reject_resubmit_approve(world: World) -> None:
    org_id, admin = registered(world, "journey", "91350100000002222")
    http = console(world, admin, "en")
    done = upload(http, licence_png())
    assert done.status_code == 303 and done.headers["location"] == "/organisation?done=submitted"
    page = http.get(done.headers["location"])
    assert 'id="verification-submitted"' in page.text and 'data-status="pending"' in page.text
    assert 'id="verification-form"' not in page.text  # pending: nothing to submit
    again = upload(http, licence_png(), token=csrf_of(page.text))
    assert again.status_code == 409 and "VERIFICATION_NOT_OPEN" in again.text

    admin_http = platform(world)
    queue = admin_http.get("/admin/organisations")
    assert queue.status_code == 200 and f'href="/admin/organisations/{org_id}"' in queue.text
    statuses = re.findall(r'<tr data-status="(\w+)"', queue.text)
    assert statuses[0] == "pending" and "verified" in statuses
    pending = admin_http.get("/admin/organisations?status=pending")
    assert set(re.findall(r'<tr data-status="(\w+)"', pending.text)) == {"pending"}
    assert admin_http.get("/admin/organisations?status=nonsense").status_code == 200
    detail = admin_http.get(f"/admin/organisations/{org_id}")
    assert detail.status_code == 200 and 'id="decision-form"' in detail.text
    assert f'src="/admin/organisations/{org_id}/licence"' in detail.text
    assert "11010519491231002X" in detail.text
    licence = admin_http.get(f"/admin/organisations/{org_id}/licence")
    assert licence.status_code == 200 and licence.content == licence_png()
    assert licence.headers["content-type"] == "image/png"
    assert licence.headers["content-disposition"].startswith("attachment;")
    assert ".png" in licence.headers["content-disposition"]
    assert licence.headers["x-content-type-options"] == "nosniff"
    assert "no-store" in licence.headers["cache-control"]

    token = csrf_of(detail.text)
    decision = f"/admin/organisations/{org_id}/decision"
    no_reason = admin_http.post(decision, data={"csrf_token": token, "decision": "reject"})
    assert no_reason.status_code == 422 and 'data-code="REASON_REQUIRED"' in no_reason.text
    assert re.search(r'class="field invalid">\s*<label for="f-reason"', no_reason.text)
    odd = admin_http.post(decision, data={"csrf_token": token, "decision": "maybe"})
    assert odd.status_code == 422 and "DECISION_UNKNOWN" in odd.text
    forged = admin_http.post(decision, data={"decision": "approve"})
    assert forged.status_code == 403
    assert org_status(world, org_id) == "pending"
    rejected = admin_http.post(decision, data={"csrf_token": token, "decision": "reject",
                                               "reason": "执照模糊 / blurred"},
                               follow_redirects=False)
    assert rejected.status_code == 303 and org_status(world, org_id) == "rejected"
    assert 'id="decision-done"' in admin_http.get(rejected.headers["location"]).text
    seen = http.get("/organisation")
    assert "执照模糊 / blurred" in seen.text and 'id="verification-form"' in seen.text

    assert upload(http, licence_png(), token=csrf_of(seen.text)).status_code == 303
    approved = admin_http.post(decision, data={"csrf_token": token, "decision": "approve"},
                               follow_redirects=False)
    assert approved.status_code == 303 and org_status(world, org_id) == "verified"
    assert [e for e in world.audit("org.verification_approve")
            if e["target"] == f"org:{org_id}"]
    again_decided = admin_http.post(decision, data={"csrf_token": token,
                                                    "decision": "approve"})
    assert again_decided.status_code == 409 and "VERIFICATION_NOT_PENDING" in again_decided.text


def test_pdf_licences_download_as_pdf(world: World) -> None:
    from tests.support.pdfs import reportlab_pdf

    org_id, admin = registered(world, "pdf", "91350100000003333")
    pdf = reportlab_pdf(title="营业执照")
    assert upload(console(world, admin, "en"), pdf, "执照.pdf",
                  "application/pdf").status_code == 303
    http = platform(world)
    page = http.get(f"/admin/organisations/{org_id}")
    assert 'class="licence-image"' not in page.text and 'id="licence-download"' in page.text
    answer = http.get(f"/admin/organisations/{org_id}/licence")
    assert answer.headers["content-type"] == "application/pdf" and answer.content == pdf
    assert 'filename="licence-' in answer.headers["content-disposition"]


def test_review_pages_are_for_platform_administrators_only(world: World) -> None:
    party = world.parties["A"]
    org_id, admin = registered(world, "refused", "91350100000004444")
    upload(console(world, admin, "en"), licence_png())
    for user in (party.admin, party.member, admin):
        http = console(world, user, "en")
        for path in ("/admin/organisations", f"/admin/organisations/{org_id}",
                     f"/admin/organisations/{org_id}/licence"):
            answer = http.get(path)
            assert answer.status_code == 403, (user, path)
            assert "FORBIDDEN" in answer.text
        token = csrf_of(http.get("/home").text)
        decided = http.post(f"/admin/organisations/{org_id}/decision",
                            data={"csrf_token": token, "decision": "approve"})
        assert decided.status_code == 403
        assert 'href="/admin/organisations"' not in http.get("/home").text
    assert org_status(world, org_id) == "pending"
    missing = platform(world).get("/admin/organisations/no-such-org")
    assert missing.status_code == 404 and "ORG_NOT_FOUND" in missing.text
    home = platform(world).get("/admin/organisations")
    assert 'href="/admin/organisations" aria-current="page"' in home.text


def test_only_the_organisations_administrator_submits(world: World) -> None:
    party = world.parties["A"]
    member = console(world, party.member, "en")
    page = member.get("/organisation")
    assert page.status_code == 200 and 'id="verification-form"' not in page.text
    answer = upload(member, licence_png(), token=csrf_of(page.text))
    assert answer.status_code == 403
    assert 'href="/organisation"' not in member.get("/home").text  # no navigation entry
    admin_page = console(world, party.admin, "en").get("/organisation")
    assert 'data-status="verified"' in admin_page.text  # verified: no form either
    assert 'id="verification-form"' not in admin_page.text
    assert platform(world).get("/organisation").status_code == 403  # in no organisation


# Users and roles ------------------------------------------------------------------------
def roles_of(world: World, user_id: str) -> set[str]:
    with world.wiring.context() as c:
        return set(c.repos.list_user_roles(user_id))


def user_status(world: World, user_id: str) -> str:
    with world.wiring.context() as c:
        user = c.repos.get_user(user_id)
        assert user is not None
        return user.status


def test_the_user_list_shows_roles_and_status(world: World) -> None:
    party = world.parties["A"]
    http = console(world, party.admin, "zh")
    page = http.get("/organisation/users")
    assert page.status_code == 200
    assert f'data-user="{party.member}"' in page.text and "用印人" in page.text
    assert f'data-user="{party.custodian}"' in page.text and "印章管理员" in page.text
    assert world.parties["B"].member not in page.text
    assert f'href="/organisation/users/{party.member_id}/roles"' in page.text
    assert f'href="/organisation/users/{party.admin_id}/roles"' not in page.text  # not oneself
    assert 'id="invite-form"' in page.text and "账户正常" in page.text


def test_inviting_shows_the_link_once_and_it_works(world: World) -> None:
    http = console(world, world.parties["A"].admin, "en")
    token = csrf_of(http.get("/organisation/users").text)
    made = http.post("/organisation/users/invite", data={"csrf_token": token,
                                                         "email": "new-person@example.com",
                                                         "role": "approver"})
    assert made.status_code == 201
    found = re.search(r'id="invitation-token">(osi_[\w-]+)<', made.text)
    assert found and "/invitations/accept?token=" + found.group(1) in made.text
    assert "approver" in made.text and "no-store" in made.headers["cache-control"]
    assert found.group(1) not in http.get("/organisation/users").text
    guest = world.client()
    form = guest.get(f"/invitations/accept?token={found.group(1)}")
    accepted = guest.post("/invitations/accept", data={
        "csrf_token": csrf_of(form.text), "token": found.group(1), "username": "new-person",
        "password": PASSWORD, "repeat_password": PASSWORD})
    assert accepted.status_code == 200 and 'id="welcome"' in accepted.text
    bad = http.post("/organisation/users/invite", data={"csrf_token": token, "email": "x",
                                                        "role": "approver"})
    assert bad.status_code == 422 and field_invalid(bad.text, "email")
    role = http.post("/organisation/users/invite", data={"csrf_token": token,
                                                         "email": "a@example.com",
                                                         "role": "king"})
    assert role.status_code == 422 and 'data-code="ROLE_UNKNOWN"' in role.text


def test_changing_roles_needs_a_reason_and_respects_separation_of_duties(world: World
                                                                         ) -> None:
    party = world.parties["A"]
    http = console(world, party.admin, "en")
    form = http.get(f"/organisation/users/{party.approver_id}/roles")
    assert form.status_code == 200 and 'name="roles"' in form.text
    assert 'value="approver" checked' in form.text
    token = csrf_of(form.text)
    path = f"/organisation/users/{party.approver_id}/roles"
    no_reason = http.post(path, data={"csrf_token": token, "roles": ["approver", "seal_user"]})
    assert no_reason.status_code == 422 and field_invalid(no_reason.text, "reason")
    conflict = http.post(path, data={"csrf_token": token, "roles": ["approver", "auditor"],
                                     "reason": "试一下"})
    assert conflict.status_code == 409 and "SOD_ROLES" in conflict.text
    assert "an approver may not also be an auditor" in conflict.text
    none = http.post(path, data={"csrf_token": token, "reason": "none"})
    assert none.status_code == 422 and "ROLE_UNKNOWN" in none.text
    forged = http.post(path, data={"roles": ["seal_user"], "reason": "forged"})
    assert forged.status_code == 403
    assert roles_of(world, party.approver_id) == {"approver"}
    done = http.post(path, data={"csrf_token": token, "roles": ["approver", "seal_user"],
                                 "reason": "兼任用印 / also uses seals"},
                     follow_redirects=False)
    assert done.status_code == 303 and roles_of(world, party.approver_id) == {
        "approver", "seal_user"}
    assert 'id="users-done"' in http.get(done.headers["location"]).text
    mine = http.post(f"/organisation/users/{party.admin_id}/roles",
                     data={"csrf_token": token, "roles": ["seal_user"], "reason": "me"})
    assert mine.status_code == 403 and "ROLE_SELF_CHANGE" in mine.text
    assert roles_of(world, party.admin_id) == {"org_admin"}


def test_disabling_and_enabling_a_user(world: World) -> None:
    party = world.parties["A"]
    from tests.support.api import invite

    user_id, _ = invite(world, world.login(party.admin), "to-disable-a", "seal_user")
    http = console(world, party.admin, "en")
    token = csrf_of(http.get("/organisation/users").text)
    assert http.post(f"/organisation/users/{user_id}/disable").status_code == 403
    assert user_status(world, user_id) == "active"
    done = http.post(f"/organisation/users/{user_id}/disable", data={"csrf_token": token},
                     follow_redirects=False)
    assert done.status_code == 303 and user_status(world, user_id) == "disabled"
    page = http.get("/organisation/users")
    assert 'id="enable-to-disable-a"' in page.text and "Account disabled" in page.text
    http.post(f"/organisation/users/{user_id}/enable", data={"csrf_token": token})
    assert user_status(world, user_id) == "active"
    assert http.get(f"/organisation/users/{user_id}/disable").status_code == 405


def test_an_administrator_cannot_disable_their_own_account(world: World) -> None:
    """Not in the console, not over the API: another administrator (or the CLI) must."""
    party = world.parties["A"]
    http = console(world, party.admin, "zh")
    token = csrf_of(http.get("/organisation/users").text)
    refused = http.post(f"/organisation/users/{party.admin_id}/disable",
                        data={"csrf_token": token})
    assert refused.status_code == 422 and "不能停用自己的账户" in refused.text
    api = world.login(party.admin).post(f"/api/v1/users/{party.admin_id}/disable")
    assert api.status_code == 422 and api.json()["code"] == "SELF_DISABLE"
    assert user_status(world, party.admin_id) == "active"
    assert http.get("/organisation/users").status_code == 200  # still signed in


def test_another_organisations_users_are_not_found(world: World) -> None:
    other = world.parties["B"]
    http = console(world, world.parties["A"].admin, "en")
    token = csrf_of(http.get("/organisation/users").text)
    assert http.get(f"/organisation/users/{other.member_id}/roles").status_code == 404
    for action, data in (("roles", {"roles": ["approver"], "reason": "x"}),
                         ("disable", {}), ("enable", {})):
        answer = http.post(f"/organisation/users/{other.member_id}/{action}",
                           data={"csrf_token": token, **data})
        assert answer.status_code == 404, action
        assert "USER_NOT_FOUND" in answer.text
    assert roles_of(world, other.member_id) == {"seal_user"}
    assert user_status(world, other.member_id) == "active"


def test_users_pages_are_refused_to_others_than_the_administrator(world: World) -> None:
    party = world.parties["A"]
    http = console(world, party.custodian, "en")
    token = csrf_of(http.get("/home").text)
    assert http.get("/organisation/users").status_code == 403
    assert http.get(f"/organisation/users/{party.member_id}/roles").status_code == 403
    invited = http.post("/organisation/users/invite",
                        data={"csrf_token": token, "email": "c@example.com"})
    assert invited.status_code == 403
    changed = http.post(f"/organisation/users/{party.member_id}/roles",
                        data={"csrf_token": token, "roles": ["auditor"], "reason": "x"})
    assert changed.status_code == 403 and roles_of(world, party.member_id) == {"seal_user"}
    disabled = http.post(f"/organisation/users/{party.member_id}/disable",
                         data={"csrf_token": token})
    assert disabled.status_code == 403 and user_status(world, party.member_id) == "active"
    assert 'href="/organisation/users"' not in http.get("/home").text


# API clients ----------------------------------------------------------------------------
def client_count(world: World, key: str = "A") -> int:
    with world.wiring.context() as c:
        return len(c.repos.list_api_clients(world.parties[key].org_id))


def test_creating_a_client_shows_its_secret_once(world: World) -> None:
    http = console(world, world.parties["A"].admin, "en")
    page = http.get("/organisation/clients")
    assert page.status_code == 200 and world.parties["A"].client_id in page.text
    assert world.parties["B"].client_id not in page.text
    made = http.post("/organisation/clients", data={
        "csrf_token": csrf_of(page.text), "name": "OA 系统", "scopes": ["seals:view",
                                                                       "documents:verify"],
        "expires_in_days": "30"})
    assert made.status_code == 201
    assert made.headers["cache-control"] == "no-store"
    secret = re.search(r'id="client-secret">(osk_[\w-]+)<', made.text)
    assert secret
    me = world.bearer(secret.group(1)).get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json()["kind"] == "client"
    listing = http.get("/organisation/clients")
    assert "OA 系统" in listing.text and secret.group(1) not in listing.text
    with world.wiring.context() as c:
        stored = [r for r in c.repos.list_api_clients(world.parties["A"].org_id)
                  if r.name == "OA 系统"]
        assert stored and stored[0].scopes == {"seals:view", "documents:verify"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_bad_client_values_are_explained_and_nothing_is_made(world: World, lang: str) -> None:
    http = console(world, world.parties["A"].admin, lang)
    token = csrf_of(http.get("/organisation/clients").text)
    before = client_count(world)
    for data, code, field in (
            ({"name": "x", "expires_in_days": "0"}, "CLIENT_EXPIRY", "expires_in_days"),
            ({"name": "x", "expires_in_days": "abc"}, "CLIENT_EXPIRY", "expires_in_days"),
            ({"name": " ", "expires_in_days": "30"}, "TEXT_FORMAT", "name"),
            ({"name": "x", "scopes": ["platform:admin"]}, "SCOPE_UNKNOWN", None)):
        answer = http.post("/organisation/clients", data={"csrf_token": token, **data})
        assert answer.status_code == 422, data
        assert f'data-code="{code}"' in answer.text and "osk_" not in answer.text
        if field:
            assert field_invalid(answer.text, field), data
    zh = "有效期应为" if lang == "zh" else "The validity must be"
    assert zh in http.post("/organisation/clients", data={"csrf_token": token, "name": "x",
                                                          "expires_in_days": "0"}).text
    assert http.post("/organisation/clients", data={"name": "forged"}).status_code == 403
    assert client_count(world) == before


def test_revoking_asks_first_then_stops_the_secret(world: World) -> None:
    http = console(world, world.parties["A"].admin, "en")
    made = http.post("/organisation/clients", data={
        "csrf_token": csrf_of(http.get("/organisation/clients").text), "name": "To revoke",
        "scopes": ["seals:view"]})
    secret = re.search(r'id="client-secret">(osk_[\w-]+)<', made.text)
    client_id = re.search(r'<code class="wrap">([0-9a-f-]{36})</code>', made.text)
    assert secret and client_id
    path = f"/organisation/clients/{client_id.group(1)}/revoke"
    confirm = http.get(path)
    assert confirm.status_code == 200 and 'id="confirm-revoke"' in confirm.text
    assert world.bearer(secret.group(1)).get("/api/v1/auth/me").status_code == 200
    assert http.post(path, data={"csrf_token": "wrong"}).status_code == 403
    assert world.bearer(secret.group(1)).get("/api/v1/auth/me").status_code == 200
    done = http.post(path, data={"csrf_token": csrf_of(confirm.text)}, follow_redirects=False)
    assert done.status_code == 303
    assert world.bearer(secret.group(1)).get("/api/v1/auth/me").status_code == 401
    listing = http.get(done.headers["location"])
    assert 'id="client-revoked"' in listing.text
    assert f'data-client="{client_id.group(1)}" data-status="revoked"' in listing.text
    assert 'id="already-revoked"' in http.get(path).text


def test_clients_of_another_organisation_and_non_administrators(world: World) -> None:
    party, other = world.parties["A"], world.parties["B"]
    http = console(world, party.admin, "en")
    token = csrf_of(http.get("/organisation/clients").text)
    path = f"/organisation/clients/{other.client_id}/revoke"
    assert http.get(path).status_code == 404
    answer = http.post(path, data={"csrf_token": token})
    assert answer.status_code == 404 and "CLIENT_NOT_FOUND" in answer.text
    member = console(world, party.member, "en")
    member_token = csrf_of(member.get("/home").text)
    assert member.get("/organisation/clients").status_code == 403
    assert member.get(f"/organisation/clients/{party.client_id}/revoke").status_code == 403
    made = member.post("/organisation/clients", data={"csrf_token": member_token, "name": "m"})
    assert made.status_code == 403
    revoked = member.post(f"/organisation/clients/{party.client_id}/revoke",
                          data={"csrf_token": member_token})
    assert revoked.status_code == 403
    assert world.bearer(other.client_secret).get("/api/v1/auth/me").status_code == 200
    assert world.bearer(party.client_secret).get("/api/v1/auth/me").status_code == 200


# Every page -----------------------------------------------------------------------------
def _pages(world: World) -> list[tuple[str, str]]:
    a = world.parties["A"]
    return [(a.admin, p) for p in (
        "/organisation", "/organisation/users", f"/organisation/users/{a.member_id}/roles",
        "/organisation/clients", f"/organisation/clients/{a.client_id}/revoke")] + [
        (ADMIN[0], p) for p in ("/admin/organisations", "/admin/organisations?status=pending",
                                f"/admin/organisations/{a.org_id}")] + [("", "/register")]


def test_every_page_is_translated_labelled_and_without_inline_code(world: World) -> None:
    from openseal.interfaces.web import i18n

    i18n.MISSING.clear()
    for lang in ("zh", "en"):
        for who, path in _pages(world):
            http = (world.client() if not who else platform(world, lang) if who == ADMIN[0]
                    else console(world, who, lang))
            page = http.get(path + ("&" if "?" in path else "?") + f"lang={lang}")
            assert page.status_code == 200, path
            assert page.headers["cache-control"] == "no-store", path
            assert not re.search(r"<script>|\sstyle=|\son[a-z]+=", page.text), path
            for control in re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")'
                                      r'[^>]*\sid="([^"]+)"', page.text):
                assert f'for="{control}"' in page.text, (path, control)
            if lang == "zh":
                visible = re.sub(r"<[^>]+>", " ", page.text)
                assert not re.search(r"\b(Organisation|Users|clients|Verification)\b",
                                     visible), path
    assert i18n.MISSING == set()


def test_help_links_land_on_the_manuals_sections(world: World) -> None:
    from urllib.parse import unquote

    manual = world.client().get("/help?page=organisation")
    assert manual.status_code == 200
    for who, path in _pages(world):
        http = (world.client() if not who else platform(world) if who == ADMIN[0]
                else console(world, who))
        link = re.search(r'href="([^"]+)" id="help"', http.get(path).text)
        assert link is not None, path
        href = unquote(link.group(1))
        assert href.startswith("/help?page=organisation#"), href
        assert f'id="{href.split("#", 1)[1]}"' in manual.text, href


def test_get_changes_nothing(world: World) -> None:
    before = len(world.audit())
    for who, path in _pages(world):
        http = (world.client() if not who else platform(world) if who == ADMIN[0]
                else console(world, who))
        http.get(path)
    logins = len(world.audit()) - before
    assert all(e["action"].startswith("auth.")  # type: ignore[union-attr]
               for e in world.audit()[before:]), logins


def test_narrow_screens_get_wrapping_tables() -> None:
    from openseal.interfaces.web.rendering import STATIC

    css = (STATIC / "css/organisation.css").read_text()
    assert ".table-wrap { overflow-x: auto; }" in css and "flex-wrap: wrap" in css

