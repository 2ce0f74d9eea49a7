"""Quick additions to a test world over HTTP: a new seal (by its custodian) and a new
person with a role (invited by the organisation's administrator), uniquely named."""

from __future__ import annotations

import itertools

from fastapi.testclient import TestClient

from tests.support.api import World, invite

_names = itertools.count()


def new_seal(custodian: TestClient, prefix: str = "测试章") -> str:
    made = custodian.post("/api/v1/seals", json={"type": "contract",
                                                 "name": f"{prefix}{next(_names)}"})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def new_person(world: World, admin: TestClient, role: str = "seal_user", prefix: str = "p"
               ) -> tuple[str, TestClient]:
    """(user id, their logged-in client)."""
    name = f"{prefix}-{role.replace('_', '-')}-{next(_names)}"
    user_id, _ = invite(world, admin, name, role)
    return user_id, world.login(name)
