"""openseal batch: seal a folder of PDFs (issue 7)."""

from __future__ import annotations

from collections.abc import Callable

import typer

from openseal.bootstrap import Wiring


def register(app: typer.Typer, wiring: Callable[[], Wiring]) -> None:
    """Add ``openseal batch`` to ``app``."""
