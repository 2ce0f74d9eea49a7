"""openseal client ...: API clients (配置应用) of an organisation, created by the operator.

The secret is printed once (``Authorization: Bearer <secret>``); only its SHA-256 is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from openseal.bootstrap import Context, Refusal, Wiring
from openseal.core.accounts.clients import create_client, revoke_client
from openseal.core.accounts.secrets import SCOPES
from openseal.core.identity.service import find_organization
from openseal.core.records import ApiClientRecord
from openseal.interfaces.cli.operator import operator, say
from openseal.interfaces.cli.output import emit, translated_errors


def register(app: typer.Typer, wiring: Callable[[], Wiring]) -> None:
    client = typer.Typer(help="API 应用 / API clients", no_args_is_help=True)
    app.add_typer(client, name="client")

    def ready() -> Wiring:
        w = wiring()
        w.require_schema()
        return w

    @client.command("create")
    def create(org: str = typer.Option(..., help="Organisation id, USCC or name"),
               name: str = typer.Option(..., help="What the client is, e.g. ERP"),
               scope: list[str] = typer.Option(
                   [], "--scope", help=f"Repeatable: {', '.join(sorted(SCOPES))}"),
               days: int = typer.Option(90, help="Valid for this many days"),
               as_json: bool = typer.Option(False, "--json")) -> None:
        """Create an API client; its secret is printed once."""
        with translated_errors(as_json):
            def run(c: Context) -> tuple[str, ApiClientRecord]:
                target = find_organization(c.repos, org)
                return create_client(c.repos, c.accounts, c.clock, operator(target.id), name,
                                     " ".join(scope), days, audit=c.audit)

            secret, record = ready().run(run, Refusal("client.create", details={
                "org": org, "name": name, "scopes": sorted(scope), "days": days}))
            result = client_dict(record) | {"secret": secret}
            emit(result, as_json, lambda: _created(result))

    @client.command("list")
    def list_(org: str = typer.Option(..., help="Organisation id, USCC or name"),
              as_json: bool = typer.Option(False, "--json")) -> None:
        """List an organisation's API clients (never their secrets)."""
        with translated_errors(as_json):
            records = ready().run(
                lambda c: c.repos.list_api_clients(find_organization(c.repos, org).id))
            rows = [client_dict(r) for r in records]
            emit({"clients": rows}, as_json, lambda: _table(rows))

    @client.command("revoke")
    def revoke(client_id: str = typer.Argument(..., metavar="CLIENT_ID"),
               org: str = typer.Option(..., help="The client's organisation"),
               as_json: bool = typer.Option(False, "--json")) -> None:
        """Revoke an API client: its secret stops working at once."""
        with translated_errors(as_json):
            def run(c: Context) -> ApiClientRecord:
                target = find_organization(c.repos, org)
                return revoke_client(c.repos, c.clock, operator(target.id), client_id,
                                     audit=c.audit)

            record = ready().run(run, Refusal("client.revoke", target=f"client:{client_id}",
                                              details={"org": org}))
            emit(client_dict(record), as_json, lambda: typer.echo(
                say(f"已吊销应用 {record.name}（{record.id}）",
                    f"Revoked API client {record.name} ({record.id})")))


def client_dict(r: ApiClientRecord) -> dict[str, Any]:
    return {"id": r.id, "org_id": r.org_id, "name": r.name, "scopes": sorted(r.scopes),
            "created_at": r.created_at.isoformat(), "expires_at": r.expires_at.isoformat(),
            "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None,
            "last_used_at": r.last_used_at.isoformat() if r.last_used_at else None}


def _created(result: dict[str, Any]) -> None:
    typer.echo(say(f"已创建应用 {result['name']}：{result['id']}",
                   f"API client {result['name']} created: {result['id']}"))
    typer.echo(say("权限范围：", "Scopes: ") + (" ".join(result["scopes"]) or "-"))
    typer.echo(say("有效期至：", "Valid until: ") + result["expires_at"])
    typer.echo(say("密钥（只显示这一次，请妥善保存）：", "Secret (shown only this once): ")
               + result["secret"])
    typer.echo(say("用法：", "Use: ") + "Authorization: Bearer <secret>")


def _table(rows: list[dict[str, Any]]) -> None:
    table = Table("id", "name", "scopes", "expires_at", "revoked_at")
    for r in rows:
        table.add_row(r["id"], r["name"], " ".join(r["scopes"]), r["expires_at"],
                      r["revoked_at"] or "")
    Console().print(table)
