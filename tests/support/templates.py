"""Document templates for the route-table tests (issue 7): the Party's template."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.support.api import Party, World


def seed_template(world: World, party: Party) -> str:
    """A template of the party's organisation using its seal: its id."""
    return ""
