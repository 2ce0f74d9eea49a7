"""How the CLI speaks: JSON when asked, otherwise short human text; errors translated once."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from openseal.errors import (
    Conflict,
    IntegrityViolation,
    InvalidInput,
    NotFound,
    OpenSealError,
    PermissionDenied,
    Unavailable,
)
from openseal.ops.staged_files import read_input as read_input  # the CLI's input reader

# The one error -> exit code table of the CLI.
EXIT_CODES: dict[type[OpenSealError], int] = {
    InvalidInput: 2, NotFound: 2, Conflict: 2, PermissionDenied: 3,
    IntegrityViolation: 4, Unavailable: 5,
}
INTERNAL_ERROR_EXIT = 70


def lang() -> str:
    explicit = os.environ.get("OPENSEAL_LANG")
    if explicit:
        return "en" if explicit.lower().startswith("en") else "zh"
    return "en" if os.environ.get("LANG", "").lower().startswith("en") else "zh"


def emit(result: dict[str, Any], as_json: bool, human: Callable[[], None]) -> None:
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, default=str))
    else:
        human()


@contextmanager
def translated_errors(as_json: bool) -> Iterator[None]:
    """Map OpenSealError to a message and exit code; never show a stack trace."""
    try:
        yield
    except OpenSealError as exc:
        _fail(exc.to_dict(lang()), exc.message(lang()), _exit_code(exc), as_json)
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001 - the boundary: nothing escapes unexplained
        where = _log_internal_error(exc)
        message = (f"内部错误，操作未完成；详情见 {where}" if lang() == "zh"
                   else f"Internal error; nothing was changed. Details: {where}")
        _fail({"error": "INTERNAL_ERROR", "kind": "internal", "message": message,
               "detail": type(exc).__name__}, message, INTERNAL_ERROR_EXIT, as_json)


def _log_internal_error(exc: Exception) -> str:
    """Keep the stack trace for the operator, in a file, never on the user's screen."""
    import tempfile
    import traceback
    from datetime import UTC, datetime

    home = Path(os.environ.get("OPENSEAL_HOME", Path.home() / ".openseal"))
    folder = home / "logs" if home.is_dir() else Path(tempfile.gettempdir())
    folder.mkdir(exist_ok=True)
    path = folder / "openseal-cli-errors.log"
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(f"--- {datetime.now(UTC).isoformat()}\n")
        fh.write("".join(traceback.format_exception(exc)))
    return str(path)


def _exit_code(exc: OpenSealError) -> int:
    for cls in type(exc).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return 1


def _fail(payload: dict[str, Any], message: str, code: int, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(payload, ensure_ascii=False))
    prefix = "错误" if lang() == "zh" else "Error"
    print(f"{prefix}: {message}", file=sys.stderr)
    raise typer.Exit(code)


