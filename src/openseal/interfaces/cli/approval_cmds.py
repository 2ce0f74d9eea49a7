"""CLI: approval commands (issue 5)."""

from __future__ import annotations

from collections.abc import Callable

import typer

from openseal.bootstrap import Wiring


def register(app: typer.Typer, wiring: Callable[[], Wiring]) -> None:
    """Add the approval commands to ``app``."""
