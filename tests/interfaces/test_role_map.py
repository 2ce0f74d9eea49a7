"""The role map, tested from the role map: for each role and each permission, a real user
holding that role calls a representative route and is allowed exactly when the map says so
(otherwise 403). A new role or permission in core.governance.roles is covered at once (a
permission without a representative here fails the test and says so)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest
from fastapi.testclient import TestClient

from openseal.core.governance.roles import (
    ORG_ROLES,
    PERMISSIONS,
    PLATFORM_ADMIN,
    ROLE_PERMISSIONS,
    SEAL_USER,
)
from tests.support.api import Party, World, invite, make_world
from tests.support.pdfs import reportlab_pdf

Call = Callable[[TestClient, Party], httpx.Response]


@dataclass(frozen=True)
class Representative:
    call: Call
    why: str = ""


ROUTES: dict[str, Representative] = {
    "orgs:read": Representative(lambda h, p: h.get(f"/api/v1/orgs/{p.org_id}")),
    "orgs:manage": Representative(lambda h, p: h.patch(f"/api/v1/orgs/{p.org_id}",
                                                       json={"require_2fa": False})),
    "users:manage": Representative(lambda h, p: h.get("/api/v1/users")),
    "clients:manage": Representative(lambda h, p: h.get("/api/v1/clients")),
    "seals:view": Representative(lambda h, p: h.get("/api/v1/seals")),
    "seals:manage": Representative(lambda h, p: h.post("/api/v1/seals", json={
        "type": "contract", "name": "角色测试章"})),
    "grants:manage": Representative(lambda h, p: h.post(
        f"/api/v1/seals/{p.seal_id}/grants",
        json={"role": SEAL_USER, "level": "view", "reason": "role map"})),
    "seals:request": Representative(lambda h, p: h.post(
        "/api/v1/requests", data={"seal_id": p.seal_id, "purpose": "role map"},
        files={"files": ("c.pdf", reportlab_pdf(), "application/pdf")})),
    "seals:use": Representative(lambda h, p: h.post(
        "/api/v1/documents/seal", data={"seal_id": p.seal_id},
        files={"file": ("c.pdf", reportlab_pdf(), "application/pdf")})),
    "requests:approve": Representative(lambda h, p: h.post(  # already approved: 409
        f"/api/v1/requests/{p.request_id}/approve", json={"comment": "role map"})),
    "audit:read": Representative(lambda h, p: h.get("/api/v1/audit")),
    "reports:read": Representative(lambda h, p: h.get("/api/v1/governance/conflicts")),
    "platform:admin": Representative(lambda h, p: h.post(
        f"/api/v1/orgs/{p.org_id}/verification/decision", json={"approve": True})),
    "documents:verify": Representative(lambda h, p: h.post(
        "/api/v1/verify", files={"file": ("c.pdf", reportlab_pdf(), "application/pdf")})),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("role-map") / "home")


@pytest.fixture(scope="module")
def callers(world: World) -> dict[str, TestClient]:
    """A real user per role of organisation A (a seal user with a grant to use its seal)."""
    a = world.parties["A"]
    admin = world.login(a.admin)
    found = {PLATFORM_ADMIN: world.platform_admin()}
    for role in ORG_ROLES:
        name = f"role-{role.replace('_', '-')}"
        user_id, _ = invite(world, admin, name, role)
        found[role] = world.login(name)
        if role == SEAL_USER:
            granted = world.login(a.custodian).post(f"/api/v1/seals/{a.seal_id}/grants",
                                                    json={"user_id": user_id,
                                                          "reason": "role map"})
            assert granted.status_code == 201, granted.text
    return found


def test_every_permission_has_a_representative_route() -> None:
    assert set(ROUTES) == set(PERMISSIONS), "add a representative for each new permission"
    assert set(ROLE_PERMISSIONS) == {PLATFORM_ADMIN, *ORG_ROLES}


@pytest.mark.parametrize("role", [PLATFORM_ADMIN, *ORG_ROLES])
def test_role_may_do_exactly_what_the_map_says(world: World, callers: dict[str, TestClient],
                                               role: str) -> None:
    party = world.parties["A"]
    for permission, route in ROUTES.items():
        answer = route.call(callers[role], party)
        where = f"{role} × {permission}: {answer.status_code} {answer.text[:200]}"
        assert answer.status_code < 500, where
        if permission in ROLE_PERMISSIONS[role]:
            assert answer.status_code not in (401, 403), where
        else:  # the platform administrator is outside the organisation: hidden as 404
            assert answer.status_code == 403 or (
                role == PLATFORM_ADMIN and answer.status_code == 404), where


def test_separation_of_duties_holds_in_the_map() -> None:
    admin = ROLE_PERMISSIONS["org_admin"]
    assert not admin & {"seals:use", "seals:request", "requests:approve", "audit:read",
                        "seals:manage", "grants:manage"}
    changes = {p for p in PERMISSIONS if p.endswith((":manage", ":use", ":approve",
                                                     ":request", ":admin"))}
    assert not ROLE_PERMISSIONS["auditor"] & changes, "the auditor changes nothing"
