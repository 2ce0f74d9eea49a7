"""Document templates for the route-table tests (issue 7): the Party's template."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.support.api import Party, World


def template_body(seal_id: str, name: str = "采购合同 / purchase contract",
                  **extra: object) -> dict[str, object]:
    """A template of one stamp, at a fixed position on page 1."""
    return {"name": name, "category": "contract",
            "stamps": [{"seal_id": seal_id, "page": 1, "x": 120, "y": 40}], **extra}


def seed_template(world: World, party: Party) -> str:
    """A template of the party's organisation using its seal (made by its custodian over
    the API): its id."""
    made = world.login(party.custodian).post(f"/api/v1/orgs/{party.org_id}/templates",
                                             json=template_body(party.seal_id))
    assert made.status_code == 201, made.text
    return str(made.json()["id"])
