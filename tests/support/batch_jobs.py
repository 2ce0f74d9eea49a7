"""Batch sealing jobs for the route-table tests (issue 7): the Party's batch job."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.support.api import Party, World


def seed_batch(world: World, party: Party) -> str:
    """A finished batch job of the party's organisation sealing one document: its id."""
    return ""
