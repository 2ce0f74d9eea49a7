"""openseal template ...: document templates (文档模板)."""

from __future__ import annotations

from collections.abc import Callable

import typer

from openseal.bootstrap import Wiring


def register(app: typer.Typer, wiring: Callable[[], Wiring]) -> None:
    """Nothing yet."""
