"""Registration, verification, sandbox mode and the login policy, over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.api import PASSWORD, World, invite, licence_png, make_world, totp_now
from tests.support.pdfs import reportlab_pdf

SANDBOX_USCC = "91330100MA27XF6T2T"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    world = make_world(tmp_path_factory.mktemp("accounts") / "home")
    yield world
    world.wiring.engine.dispose()


def _register(world: World, uscc: str, username: str) -> dict[str, object]:
    answer = world.client().post("/api/v1/registrations", json={
        "name": f"沙箱测试{username}有限公司", "uscc": uscc, "legal_rep": "周七",
        "contact_name": "吴八", "contact_email": f"{username}@example.com",
        "admin_username": username, "admin_password": PASSWORD})
    assert answer.status_code == 201, answer.text
    return dict(answer.json()["organization"])


def test_registration_checks_its_input_and_changes_nothing_when_refused(world: World) -> None:
    http = world.client()
    base = {"name": "某公司", "legal_rep": "甲", "contact_name": "乙",
            "contact_email": "x@example.com", "admin_username": "someone",
            "admin_password": PASSWORD}
    with world.wiring.context() as c:
        orgs_before = len(c.repos.list_organizations())
    bad_code = http.post("/api/v1/registrations", json={**base, "uscc": "91350100M000100Y44"},
                         headers={"Accept-Language": "en"})
    assert bad_code.status_code == 422 and bad_code.json()["code"] == "USCC_CHECKSUM"
    taken = http.post("/api/v1/registrations", json={**base, "uscc": "91350100M000100Y43"})
    assert taken.status_code == 409 and taken.json()["code"] == "ORG_EXISTS"
    weak = http.post("/api/v1/registrations", json={**base, "uscc": "91110108MA01A2B3CF",
                                                     "admin_password": "password1234"})
    assert weak.status_code == 422 and weak.json()["code"] == "PASSWORD_COMMON"
    with world.wiring.context() as c:
        assert len(c.repos.list_organizations()) == orgs_before
        assert c.repos.find_user("someone") is None


def test_sandbox_seals_are_test_seals_until_verified(world: World) -> None:
    org = _register(world, SANDBOX_USCC, "sandbox-admin")
    assert (org["status"], org["sandbox"]) == ("unverified", True)
    admin = world.login("sandbox-admin")
    invite(world, admin, "sandbox-custodian", "custodian")
    invite(world, admin, "sandbox-clerk", "seal_user")
    custodian, clerk = world.login("sandbox-custodian"), world.login("sandbox-clerk")
    seal = custodian.post("/api/v1/seals", json={"type": "contract", "name": "合同专用章"}).json()
    assert seal["sandbox"] is True
    assert custodian.post(f"/api/v1/seals/{seal['id']}/grants", json={
        "role": "seal_user", "reason": "试用"}).status_code == 201
    sealed = clerk.post("/api/v1/documents/seal", data={"seal_id": seal["id"]},
                        files={"file": ("c.pdf", reportlab_pdf(), "application/pdf")})
    assert sealed.status_code == 200, sealed.text
    report = world.client().post("/api/v1/verify",
                                 files={"file": ("c.pdf", sealed.content, "application/pdf")})
    body = report.json()
    assert body["verdict"] == "INDETERMINATE" and "TEST_SEAL" in body["reasons"]
    assert body["signatures"][0]["test_seal"] is True


def test_rejection_needs_a_reason_and_keeps_the_sandbox(world: World) -> None:
    org = _register(world, "91110108MA01A2B3CF", "reject-admin")
    org_id = str(org["id"])
    admin = world.login("reject-admin")
    not_a_licence = admin.post(f"/api/v1/orgs/{org_id}/verification",
                               files={"licence": ("l.pdf", b"%PDF-1.7 junk", "application/pdf")},
                               data={"legal_rep_name": "周七",
                                     "legal_rep_id_number": "11010519491231002X"})
    assert not_a_licence.status_code == 422, not_a_licence.text
    assert not_a_licence.json()["code"] == "LICENCE_FORMAT"
    submitted = admin.post(f"/api/v1/orgs/{org_id}/verification",
                           files={"licence": ("l.png", licence_png(), "image/png")},
                           data={"legal_rep_name": "周七",
                                 "legal_rep_id_number": "11010519491231002X"})
    assert submitted.json()["status"] == "pending"
    platform = world.platform_admin()
    assert platform.get(f"/api/v1/orgs/{org_id}/licence").content == licence_png()
    no_reason = platform.post(f"/api/v1/orgs/{org_id}/verification/decision",
                              json={"approve": False})
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "REASON_REQUIRED"
    rejected = platform.post(f"/api/v1/orgs/{org_id}/verification/decision",
                             json={"approve": False, "reason": "营业执照已过期"})
    assert rejected.json()["status"] == "rejected" and rejected.json()["sandbox"] is True
    assert rejected.json()["decision_reason"] == "营业执照已过期"
    [event] = [e for e in world.audit("org.verification_reject") if e["org_id"] == org_id]
    assert event["details"] == {"reason": "营业执照已过期"}
    member_cannot_decide = admin.post(f"/api/v1/orgs/{org_id}/verification/decision",
                                      json={"approve": True})
    assert member_cannot_decide.status_code == 403


def test_required_2fa_lets_users_only_enrol(world: World) -> None:
    a = world.parties["A"]
    admin = world.login(a.admin)
    policy = admin.patch(f"/api/v1/orgs/{a.org_id}", json={"require_2fa": True})
    assert policy.status_code == 200 and policy.json()["require_2fa"] is True
    try:
        member = world.login(a.member)
        refused = member.get("/api/v1/seals")
        assert refused.status_code == 403 and refused.json()["code"] == "TOTP_ENROLMENT_REQUIRED"
        secret = member.post("/api/v1/auth/totp/setup").json()["secret"]
        assert member.post("/api/v1/auth/totp/confirm",
                           json={"code": totp_now(secret, world.clock)}).status_code == 200
        world.clock.advance(seconds=30)
        enrolled = world.login(a.member, code=totp_now(secret, world.clock))
        assert enrolled.get("/api/v1/seals").status_code == 200
    finally:
        admin = world.login(a.admin)
        admin.patch(f"/api/v1/orgs/{a.org_id}", json={"require_2fa": False})


def test_password_maximum_age_is_off_by_default_and_enforced_when_set(world: World) -> None:
    b = world.parties["B"]
    admin = world.login(b.admin)
    assert admin.get(f"/api/v1/orgs/{b.org_id}").json()["password_max_age_days"] is None
    admin.patch(f"/api/v1/orgs/{b.org_id}", json={"password_max_age_days": 30})
    world.clock.advance(days=31)
    try:
        old = world.login(b.member)
        refused = old.get("/api/v1/seals")
        assert refused.status_code == 403 and refused.json()["code"] == "PASSWORD_EXPIRED"
        changed = old.post("/api/v1/auth/password", json={
            "current_password": PASSWORD, "new_password": "a fresh sentence for today 5"})
        assert changed.status_code == 204
        fresh = world.login(b.member, "a fresh sentence for today 5")
        assert fresh.get("/api/v1/seals").status_code == 200
    finally:
        world.login(b.admin).patch(f"/api/v1/orgs/{b.org_id}",
                                   json={"password_max_age_days": 0})
