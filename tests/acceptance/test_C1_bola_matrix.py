"""C1 bola_matrix: a user or API client of org A uses org B's ids on every route and method.

Generated from the app's route table, so a new route is covered without touching this test:
every route with an id in its path is called with B's id and with a random id. The answers
must be the same (no existence leak) and a refusal (403/404), nothing may change, and each
cross-tenant attempt leaves an ``authz.denied`` audit row naming the caller and target.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from openseal.core.accounts.secrets import SCOPES
from tests.support.api import World, world_on_each_backend
from tests.support.routes import call, fill, operations, snapshot


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[World]:
    yield from world_on_each_backend(request, tmp_path_factory, "c1")


def _callers(world: World) -> dict[str, TestClient]:
    a = world.parties["A"]
    admin = world.login(a.admin)
    made = admin.post("/api/v1/clients", json={"name": "all scopes", "scopes": sorted(SCOPES)})
    assert made.status_code == 201, made.text
    return {"org admin": admin, "member": world.login(a.member),
            "api client": world.bearer(made.json()["secret"])}


# Routes whose id is a capability (public to whoever holds it): the registry entry a sealed
# page's QR code links to. Any other route marked public fails the test until listed here.
PUBLIC_BY_DESIGN = {"/api/v1/registry/{document_id}"}


def _comparable(answer: Any, path: str) -> tuple[int, str]:
    """Status and body with the requested id written out as <id> (echoing it leaks nothing)."""
    body = answer.text
    for part in path.split("/"):
        if len(part) >= 32:
            body = body.replace(part, "<id>")
    return answer.status_code, body


def test_C1_bola_matrix(world: World, tmp_path: Path) -> None:
    app_client = world.client()
    spec = app_client.app.openapi()  # type: ignore[attr-defined]
    b = world.parties["B"]
    covered = 0
    for caller, http in _callers(world).items():
        for op in operations(app_client.app):  # type: ignore[arg-type]
            if not op.params:
                continue
            if op.schema.get("x-openseal-public"):  # anyone holding the id, by design
                assert op.path in PUBLIC_BY_DESIGN, f"{op.path} marked public: list it here"
                continue
            before = snapshot(world.wiring.engine)
            denials = len(world.audit("authz.denied"))
            foreign_path, random_path = fill(op, b), fill(op, None)
            foreign = call(http, op, foreign_path, spec)
            after = snapshot(world.wiring.engine)
            random = call(http, op, random_path, spec)
            where = f"{caller}: {op.method} {op.path}"
            assert foreign.status_code in (403, 404), f"{where}: {foreign.status_code} " \
                f"{foreign.text[:300]}"
            assert _comparable(foreign, foreign_path) == _comparable(random, random_path), \
                f"{where}: existence leak"
            assert before == after, f"{where}: B's state changed"
            new = world.audit("authz.denied")[denials:]
            assert new, f"{where}: no authz.denied audit row"
            assert all(e["actor"] and e["target"] and e["time"] for e in new), where
            covered += 1
    assert covered >= 3 * 10, "the route table lost its id routes?"
