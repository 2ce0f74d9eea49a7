"""openseal org ..."""

from __future__ import annotations

from collections.abc import Callable

import typer
from rich.console import Console
from rich.table import Table

from openseal.bootstrap import Refusal, Wiring
from openseal.core.identity.service import create_organization
from openseal.interfaces.cli.output import emit, translated_errors


def register(app: typer.Typer, wiring: Callable[[], Wiring]) -> None:
    org = typer.Typer(help="单位 / organisations", no_args_is_help=True)
    app.add_typer(org, name="org")

    @org.command("create")
    def create(
        name: str = typer.Option(..., help="Full registered name"),
        uscc: str = typer.Option(..., help="统一社会信用代码 (18 characters)"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Register an organisation; its issuing CA is created with it."""
        with translated_errors(as_json):
            w = wiring()
            w.require_schema()
            rec = w.run(lambda c: create_organization(c.repos, c.pki, c.clock, name, uscc,
                                                      audit=c.audit),
                        Refusal("org.create", details={"name": name, "uscc": uscc}))
            emit({"id": rec.id, "name": rec.name, "uscc": rec.uscc}, as_json,
                 lambda: typer.echo(rec.id))

    @org.command("list")
    def list_(as_json: bool = typer.Option(False, "--json")) -> None:
        """List organisations."""
        with translated_errors(as_json):
            w = wiring()
            w.require_schema()
            orgs = w.run(lambda c: c.repos.list_organizations())
            rows = [{"id": o.id, "name": o.name, "uscc": o.uscc} for o in orgs]
            emit({"organizations": rows}, as_json, lambda: _table(rows))


def _table(rows: list[dict[str, str]]) -> None:
    table = Table("id", "name", "uscc")
    for r in rows:
        table.add_row(r["id"], r["name"], r["uscc"])
    Console().print(table)
