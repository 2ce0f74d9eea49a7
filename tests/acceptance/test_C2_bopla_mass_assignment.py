"""C2 bopla_mass_assignment: requests carrying ``org_id``, ``role``, ``is_admin``,
``approved_by`` or ``seal_id`` they should not.

JSON bodies are checked on every POST/PATCH/PUT route of the route table: each extra field
is refused with 422 and nothing changes. Multipart forms ignore unknown fields; the test
shows the extras have no effect there.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.api import World, licence_png, make_world
from tests.support.routes import example, fill, operations, snapshot

EXTRAS = {"org_id": None, "role": "platform_admin", "is_admin": True, "approved_by": None,
          "seal_id": None}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    world = make_world(tmp_path_factory.mktemp("c2") / "home")
    yield world
    world.wiring.engine.dispose()


def _extras(world: World) -> dict[str, object]:
    b = world.parties["B"]
    return {**EXTRAS, "org_id": b.org_id, "approved_by": b.admin_id, "seal_id": b.seal_id}


def test_C2_json_extras_are_refused_and_change_nothing(world: World) -> None:
    a = world.parties["A"]
    admin = world.login(a.admin)
    spec = admin.app.openapi()  # type: ignore[attr-defined]
    checked = 0
    for op in operations(admin.app):  # type: ignore[arg-type]
        content = op.schema.get("requestBody", {}).get("content", {})
        if op.method not in ("POST", "PATCH", "PUT") or "application/json" not in content:
            continue
        schema = content["application/json"]["schema"]
        body = example(schema, spec)
        declared = _properties(schema, spec)
        for name, value in _extras(world).items():
            if name in declared:  # a field the route takes on purpose (invitation role)
                continue
            before = snapshot(world.wiring.engine)
            answer = admin.request(op.method, fill(op, a), json={**body, name: value})
            where = f"{op.method} {op.path} with {name}"
            assert answer.status_code == 422, f"{where}: {answer.status_code} {answer.text}"
            assert answer.json()["code"] == "REQUEST_INVALID", where
            assert snapshot(world.wiring.engine) == before, f"{where}: state changed"
            checked += 1
    assert checked >= 5 * 8


def _properties(schema: dict[str, object], spec: dict[str, object]) -> set[str]:
    ref = str(schema.get("$ref", "")).split("/")[-1]
    target = spec["components"]["schemas"][ref] if ref else schema  # type: ignore[index]
    return set(target.get("properties", {}))


def test_C2_invitation_cannot_choose_its_role_or_org(world: World) -> None:
    a, b = world.parties["A"], world.parties["B"]
    admin = world.login(a.admin)
    token = admin.post("/api/v1/invitations", json={"email": "x@example.com"}).json()["token"]
    sneaky = world.client().post("/api/v1/invitations/accept", json={
        "token": token, "username": "sneaky", "password": "a long enough secret phrase 7",
        "role": "org_admin", "org_id": b.org_id})
    assert sneaky.status_code == 422
    fair = world.client().post("/api/v1/invitations/accept", json={
        "token": token, "username": "sneaky", "password": "a long enough secret phrase 7"})
    assert fair.status_code == 201
    assert fair.json()["role"] == "seal_user" and fair.json()["org_id"] == a.org_id


def test_C2_multipart_extras_have_no_effect(world: World) -> None:
    a, b = world.parties["A"], world.parties["B"]
    admin = world.login(a.admin)
    before_b = world.platform_admin().get(f"/api/v1/orgs/{b.org_id}").json()
    answer = admin.post(f"/api/v1/orgs/{a.org_id}/verification",
                        files={"licence": ("l.png", licence_png(), "image/png")},
                        data={"legal_rep_name": "张三", "legal_rep_id_number": "110105194912",
                              "org_id": b.org_id, "approved_by": b.admin_id,
                              "status": "verified"})
    # A is verified already: the submission is refused, and B is untouched either way.
    assert answer.status_code == 409, answer.text
    assert world.platform_admin().get(f"/api/v1/orgs/{b.org_id}").json() == before_b
