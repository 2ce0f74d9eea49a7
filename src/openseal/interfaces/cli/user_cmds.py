"""openseal user ...: the operator's account administration, through the account services.

Every change goes through the same use cases as the HTTP API and lands in the same audit
trail, with the CLI (``cli:<os user>``) as the actor. Generated passwords and invitation
tokens are printed once and never stored in clear.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from openseal.bootstrap import Context, Refusal, Wiring
from openseal.core.accounts.principal import ORG_ROLES, PLATFORM_ADMIN
from openseal.core.accounts.recovery_ops import reset_totp
from openseal.core.accounts.users import (
    change_password,
    create_platform_admin,
    invite_user,
    random_password,
    set_user_status,
    user_not_found,
)
from openseal.core.identity.service import find_organization
from openseal.core.records import UserRecord
from openseal.interfaces.cli.operator import operator, password_from_stdin, say
from openseal.interfaces.cli.output import emit, translated_errors


def register(app: typer.Typer, wiring: Callable[[], Wiring]) -> None:
    user = typer.Typer(help="用户 / users", no_args_is_help=True)
    app.add_typer(user, name="user")

    def ready() -> Wiring:
        w = wiring()
        w.require_schema()
        return w

    @user.command("create-admin")
    def create_admin(
        username: str = typer.Argument(..., help="Login name (3-64: a-z 0-9 . _ -)"),
        email: str = typer.Option(..., help="E-mail address"),
        password_stdin: bool = typer.Option(False, "--password-stdin",
                                            help="Read the password from standard input"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Create a platform administrator; without --password-stdin a random password is
        printed once."""
        with translated_errors(as_json):
            chosen = password_from_stdin() if password_stdin else None
            made, password = ready().run(
                lambda c: create_platform_admin(c.repos, c.accounts, c.clock, username, email,
                                                chosen, audit=c.audit),
                Refusal("user.create", details={"username": username, "role": PLATFORM_ADMIN}))
            shown = None if password_stdin else password
            emit({"user": user_dict(made), "password": shown}, as_json,
                 lambda: _created(say("已创建平台管理员", "Platform administrator created"),
                                  made, shown))

    @user.command("list")
    def list_(org: str = typer.Option(None, help="Only this organisation (id, USCC or name)"),
              as_json: bool = typer.Option(False, "--json")) -> None:
        """List users (all of them, or one organisation's)."""
        with translated_errors(as_json):
            users = ready().run(lambda c: c.repos.list_users(
                find_organization(c.repos, org).id if org else None))
            rows = [user_dict(u) for u in users]
            emit({"users": rows}, as_json, lambda: _table(rows))

    @user.command("invite")
    def invite(org: str = typer.Option(..., help="Organisation id, USCC or name"),
               email: str = typer.Option(..., help="Where the invitation goes"),
               role: str = typer.Option("seal_user", help="|".join(ORG_ROLES)),
               as_json: bool = typer.Option(False, "--json")) -> None:
        """Invite someone into an organisation; the token is printed once and works once."""
        with translated_errors(as_json):
            def run(c: Context) -> tuple[str, Any]:
                target = find_organization(c.repos, org)
                return invite_user(c.repos, c.accounts, c.clock, operator(target.id), email,
                                   role, audit=c.audit)

            token, record = ready().run(run, Refusal("user.invite", details={
                "org": org, "email": email, "role": role}))
            result = {"id": record.id, "org_id": record.org_id, "email": record.email,
                      "role": record.role, "token": token,
                      "expires_at": record.expires_at.isoformat()}
            emit(result, as_json, lambda: _invited(result))

    @user.command("disable")
    def disable(username: str = typer.Argument(..., help="Username or id"),
                as_json: bool = typer.Option(False, "--json")) -> None:
        """Disable a user: every session of theirs ends at once."""
        _set_status(ready, username, "disabled", as_json)

    @user.command("enable")
    def enable(username: str = typer.Argument(..., help="Username or id"),
               as_json: bool = typer.Option(False, "--json")) -> None:
        """Enable a disabled user again."""
        _set_status(ready, username, "active", as_json)

    @user.command("reset-password")
    def reset_password(
        username: str = typer.Argument(..., help="Username or id"),
        password_stdin: bool = typer.Option(False, "--password-stdin",
                                            help="Read the new password from standard input"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Set a new password (random and printed once unless --password-stdin); every
        session of the user ends."""
        with translated_errors(as_json):
            password = password_from_stdin() if password_stdin else random_password()
            updated = ready().run(
                lambda c: change_password(c.repos, c.accounts, c.clock, find_user(c, username),
                                          None, password, audit=c.audit),
                Refusal("user.password_reset", details={"user": username}))
            shown = None if password_stdin else password
            emit({"user": user_dict(updated), "password": shown, "sessions_ended": True},
                 as_json, lambda: _created(say("已重置密码，该用户的所有会话已结束",
                                               "Password reset; all the user's sessions ended"),
                                           updated, shown))

    @user.command("reset-2fa")
    def reset_2fa(username: str = typer.Argument(..., help="Username or id"),
                  as_json: bool = typer.Option(False, "--json")) -> None:
        """Turn a user's two-factor authentication off (lost authenticator and recovery
        codes); every session of the user ends."""
        with translated_errors(as_json):
            def run(c: Context) -> UserRecord:
                target = find_user(c, username)
                return reset_totp(c.repos, operator(target.org_id), target, audit=c.audit)

            updated = ready().run(run, Refusal("user.totp_reset", details={"user": username}))
            emit({"user": user_dict(updated), "sessions_ended": True}, as_json,
                 lambda: typer.echo(say(
                     f"已关闭 {updated.username} 的双因素认证，其所有会话已结束；"
                     "下次登录后可重新绑定",
                     f"Two-factor authentication of {updated.username} is off and all their "
                     "sessions ended; they can enrol again after logging in")))


def find_user(c: Context, ref: str) -> UserRecord:
    """Any user by username or id: the operator is not confined to one organisation."""
    found = c.repos.find_user(ref.strip())
    if found is None:
        raise user_not_found(ref)
    return found


def _set_status(ready: Callable[[], Wiring], ref: str, status: str, as_json: bool) -> None:
    action = "user.disable" if status == "disabled" else "user.enable"
    with translated_errors(as_json):
        updated = ready().run(
            lambda c: set_user_status(c.repos, find_user(c, ref), status, audit=c.audit),
            Refusal(action, details={"user": ref}))
        emit({"user": user_dict(updated), "sessions_ended": True}, as_json,
             lambda: typer.echo(say(
                 f"{updated.username}：{'已停用' if status == 'disabled' else '已启用'}，"
                 "其所有会话已结束",
                 f"{updated.username}: {'disabled' if status == 'disabled' else 'enabled'}; "
                 "all their sessions ended")))


def user_dict(u: UserRecord) -> dict[str, Any]:
    return {"id": u.id, "org_id": u.org_id, "username": u.username,
            "display_name": u.display_name, "email": u.email, "role": u.role,
            "status": u.status, "totp_enabled": u.totp_enabled,
            "created_at": u.created_at.isoformat()}


def _created(headline: str, u: UserRecord, password: str | None) -> None:
    typer.echo(f"{headline}: {u.username} ({u.id})")
    if password is not None:
        typer.echo(say("密码（只显示这一次，请妥善保存）：", "Password (shown only this once): ")
                   + password)


def _invited(result: dict[str, Any]) -> None:
    typer.echo(say(f"已邀请 {result['email']}（{result['role']}）",
                   f"Invited {result['email']} ({result['role']})"))
    typer.echo(say("邀请令牌（只显示这一次，只能使用一次）：",
                   "Invitation token (shown only this once, works once): ") + result["token"])
    typer.echo(say("有效期至：", "Valid until: ") + result["expires_at"])
    typer.echo(say("接受邀请：POST /api/v1/invitations/accept",
                   "To accept: POST /api/v1/invitations/accept"))


def _table(rows: list[dict[str, Any]]) -> None:
    table = Table("username", "role", "status", "2fa", "org_id", "email")
    for r in rows:
        table.add_row(r["username"], r["role"], r["status"], "on" if r["totp_enabled"] else "",
                      r["org_id"] or "", r["email"])
    Console().print(table)
