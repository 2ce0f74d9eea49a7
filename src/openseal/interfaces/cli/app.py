"""The `openseal` command line. Thin: parse, call a use case, print, translate errors."""

from __future__ import annotations

import getpass
import logging
import os
from functools import lru_cache
from pathlib import Path

import typer

from openseal import __version__
from openseal.bootstrap import Wiring, load_master_key
from openseal.config import Settings
from openseal.core.audit.recorder import Actor
from openseal.interfaces.cli import (
    approval_cmds,
    archive_cmds,
    audit_cmds,
    backup_cmds,
    batch_cmds,
    client_cmds,
    demo_cmds,
    grant_cmds,
    org_cmds,
    pki_cmds,
    review_cmds,
    seal_cmds,
    serve_cmds,
    sign_cmds,
    template_cmds,
    user_cmds,
    worker_cmds,
)
from openseal.interfaces.cli.output import emit, lang, translated_errors

app = typer.Typer(help="OpenSeal 电子印章 / electronic seals", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)


def _version(shown: bool) -> None:
    if shown:
        typer.echo(f"openseal {__version__}")
        raise typer.Exit(0)


@app.callback()
def _options(version: bool = typer.Option(False, "--version", callback=_version,
                                          is_eager=True, help="Show the version and exit")
             ) -> None:
    """OpenSeal 电子印章 / electronic seals."""


@lru_cache(maxsize=1)
def wiring() -> Wiring:
    return Wiring(Settings(), actor=Actor(f"cli:{_os_user()}"))


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


@app.command()
def init(
    name: str = typer.Option(None, help="Instance name (in the root CA's subject)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Create the instance: database, master key, root CA and timestamp authority."""
    with translated_errors(as_json):
        w = wiring()
        w.migrate()
        load_master_key(w.settings, create=True)
        result = w.run(lambda ctx: _init(ctx, name or w.settings.instance_name))
        emit(result, as_json, lambda: typer.echo(
            ("已初始化：" if lang() == "zh" else "Initialised: ") + str(w.settings.home)))


def _init(ctx, name: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    existing = ctx.repos.get_instance()
    if existing is not None:
        return {"home": str(ctx.settings.home), "name": existing.name, "already": True}
    record = ctx.pki.init_instance(name)
    return {"home": str(ctx.settings.home), "name": record.name, "already": False}


org_cmds.register(app, wiring)
user_cmds.register(app, wiring)
client_cmds.register(app, wiring)
seal_cmds.register(app, wiring)
pki_cmds.register(app, wiring)
sign_cmds.register(app, wiring)
demo_cmds.register(app, wiring)
audit_cmds.register(app, wiring)
grant_cmds.register(app, wiring)
approval_cmds.register(app, wiring)
review_cmds.register(app, wiring)
archive_cmds.register(app, wiring)
batch_cmds.register(app, wiring)
template_cmds.register(app, wiring)
serve_cmds.register(app, wiring)
backup_cmds.register(app, wiring)
backup_cmds.register_upgrade(app, wiring)
worker_cmds.register(app, wiring)


def main() -> None:
    _quiet_library_logs()
    app()


def _quiet_library_logs() -> None:
    """Libraries (pyHanko) log validation details; users get our report, not their logs.

    OPENSEAL_LOG_LEVEL=DEBUG|INFO|WARNING shows them on stderr for troubleshooting.
    """
    level = os.environ.get("OPENSEAL_LOG_LEVEL", "").upper()
    root = logging.getLogger()
    if level in ("DEBUG", "INFO", "WARNING", "ERROR"):
        logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    else:
        root.addHandler(logging.NullHandler())


__all__ = ["app", "main", "Path"]
