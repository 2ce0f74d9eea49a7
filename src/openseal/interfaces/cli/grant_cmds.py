"""openseal grant ... / openseal role ...: seal authorisations (印章授权) and user roles, by
the operator, through the same services and audit trail as the API.

The operator is trusted (see operator.py) but the separation-of-duties checks still apply:
a change that would create a hard conflict is refused with the conflict's name.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import typer

from openseal.bootstrap import Context, Wiring
from openseal.core.accounts.users import user_not_found
from openseal.core.governance.assign import set_roles
from openseal.core.governance.conflicts import conflicts_report
from openseal.core.governance.grants import (
    GrantTerms,
    change_grant,
    create_grant,
    grant_not_found,
    grants_reaching,
    restore_grant,
    revoke_grant,
    terms_of,
)
from openseal.core.governance.roles import ORG_ROLES, role_map
from openseal.core.identity.service import find_organization
from openseal.core.records import GrantEventRecord, GrantRecord
from openseal.core.seals.service import find_seal
from openseal.interfaces.cli.operator import operator, say
from openseal.interfaces.cli.output import emit, translated_errors

Json = dict[str, Any]


Runner = Callable[[Callable[[Context], Json], bool, Callable[[Json], str]], None]


def register(app: typer.Typer, wiring: Callable[[], Wiring]) -> None:
    grant = typer.Typer(help="印章授权 / seal authorisations", no_args_is_help=True)
    role = typer.Typer(help="角色 / roles", no_args_is_help=True)
    app.add_typer(grant, name="grant")
    app.add_typer(role, name="role")

    def run(use_case: Callable[[Context], Json], as_json: bool, summary: Callable[[Json], str]
            ) -> None:
        with translated_errors(as_json):
            w = wiring()
            w.require_schema()
            result = w.run(use_case)
            emit(result, as_json, lambda: typer.echo(summary(result)))

    _changes(grant, run)
    _switches(grant, run)
    _reports(grant, run)
    _roles(role, run)


def _changes(grant: typer.Typer, run: Runner) -> None:
    @grant.command("create")
    def create(seal: str = typer.Option(..., help="Seal id or name"),
               user: str = typer.Option(None, help="Grantee: user id or username"),
               to_role: str = typer.Option(None, "--role", help="|".join(ORG_ROLES)),
               client: str = typer.Option(None, help="Grantee: API client id"),
               level: str = typer.Option("use", help="view | request | use | manage"),
               approval_required: bool = typer.Option(False, "--approval-required"),
               category: list[str] = typer.Option([], "--category", help="Repeatable"),
               valid_from: datetime = typer.Option(None, help="ISO time, UTC (default now)"),
               valid_until: datetime = typer.Option(None, help="ISO time, UTC"),
               max_uses: int = typer.Option(None, min=1),
               reason: str = typer.Option(..., help="Why (kept in the history)"),
               as_json: bool = typer.Option(False, "--json")) -> None:
        """Grant a seal to a user, a role or an API client."""
        grantee = [(k, v) for k, v in (("user", user), ("role", to_role), ("client", client))
                   if v]
        terms = GrantTerms(level, approval_required, tuple(category), _utc(valid_from),
                           _utc(valid_until), max_uses)

        def use_case(c: Context) -> Json:
            found = find_seal(c.repos, seal)
            one = grantee[0] if len(grantee) == 1 else ("", "")
            return grant_dict(create_grant(c.repos, c.clock, operator(found.org_id), found,
                                           one, terms, reason, audit=c.audit))

        run(use_case, as_json, lambda r: say(f"已授权：{r['id']}", f"Granted: {r['id']}"))

    @grant.command("change")
    def change(grant_id: str = typer.Argument(..., metavar="GRANT_ID"),
               level: str = typer.Option(None),
               approval_required: bool = typer.Option(
                   None, "--approval-required/--no-approval-required"),
               category: list[str] = typer.Option(None, "--category"),
               valid_until: datetime = typer.Option(None),
               max_uses: int = typer.Option(None, min=1),
               reason: str = typer.Option(...),
               as_json: bool = typer.Option(False, "--json")) -> None:
        """Change a grant's terms (only the options given)."""
        given = {"level": level, "approval_required": approval_required,
                 "categories": category or None, "valid_until": _utc(valid_until),
                 "max_uses": max_uses}
        changes = {k: v for k, v in given.items() if v is not None}
        run(lambda c: grant_dict(change_grant(c.repos, c.clock, _acting(c, grant_id),
                                              grant_id, changes, reason, audit=c.audit)),
            as_json, lambda r: say(f"已修改授权 {r['id']}", f"Changed grant {r['id']}"))



def _switches(grant: typer.Typer, run: Runner) -> None:
    for name, action, zh, en in (("revoke", revoke_grant, "已撤销", "Revoked"),
                                 ("restore", restore_grant, "已恢复", "Restored")):
        grant.command(name)(_switch(run, action, zh, en))


def _switch(run: Runner, action: Callable[..., GrantRecord], zh: str, en: str
            ) -> Callable[..., None]:
    def switch(grant_id: str = typer.Argument(..., metavar="GRANT_ID"),
               reason: str = typer.Option(...),
               as_json: bool = typer.Option(False, "--json")) -> None:
        run(lambda c: grant_dict(action(c.repos, c.clock, _acting(c, grant_id), grant_id,
                                        reason, audit=c.audit)),
            as_json, lambda r: say(f"{zh}授权 {r['id']}", f"{en} grant {r['id']}"))

    switch.__doc__ = ("Revoke a grant at once (the next use is refused)." if en == "Revoked"
                      else "Restore a revoked grant (checked for conflicts again).")
    return switch


def _reports(grant: typer.Typer, run: Runner) -> None:
    @grant.command("list")
    def list_(seal: str = typer.Option(None, help="One seal's grants"),
              user: str = typer.Option(None, help="The grants that reach one user"),
              as_json: bool = typer.Option(False, "--json")) -> None:
        """List a seal's grants, or the grants reaching a user."""
        run(lambda c: _listed(c, seal, user), as_json, _grant_lines)

    @grant.command("history")
    def history(grant_id: str = typer.Argument(None, metavar="[GRANT_ID]"),
                seal: str = typer.Option(None), user: str = typer.Option(None),
                as_json: bool = typer.Option(False, "--json")) -> None:
        """The changes of one grant, of a seal's grants, or of a user's grants."""
        run(lambda c: _history(c, grant_id, seal, user), as_json, lambda r: "\n".join(
            f"{e['at']}  {e['action']:<8} {e['grant_id']}  {e['actor']}  {e['reason']}"
            for e in r["history"]))

    @grant.command("conflicts")
    def conflicts(org: str = typer.Option(..., help="Organisation id, USCC or name"),
                  as_json: bool = typer.Option(False, "--json")) -> None:
        """Separation-of-duty violations and overlapping grants of an organisation."""
        def use_case(c: Context) -> Json:
            found = conflicts_report(c.repos, find_organization(c.repos, org).id)
            return {"conflicts": [f.to_dict() for f in found]}

        run(use_case, as_json, lambda r: "\n".join(
            f"{f['severity']:<7} {f['code']}  {say(f['zh'], f['en'])}  user={f['user_id']} "
            f"seal={f['seal_id']}" for f in r["conflicts"]) or say("没有冲突", "No conflicts"))



def _roles(role: typer.Typer, run: Runner) -> None:
    @role.command("map")
    def map_(as_json: bool = typer.Option(False, "--json")) -> None:
        """The role map: each role and its permissions."""
        run(lambda c: {"roles": role_map()}, as_json, lambda r: "\n".join(
            f"{x['role']:<15} {say(x['zh'], x['en'])}: {' '.join(x['permissions'])}"
            for x in r["roles"]))

    @role.command("set")
    def set_(user: str = typer.Argument(..., help="User id or username"),
             roles: list[str] = typer.Argument(..., help="|".join(ORG_ROLES)),
             reason: str = typer.Option(...),
             as_json: bool = typer.Option(False, "--json")) -> None:
        """Give a user exactly these roles (refused when it breaks separation of duties)."""
        def use_case(c: Context) -> Json:
            found = c.repos.find_user(user)
            if found is None:
                raise user_not_found(user)
            changed = set_roles(c.repos, operator(found.org_id), found.id, roles, reason,
                                audit=c.audit)
            return {"id": changed.id, "username": changed.username,
                    "roles": sorted(c.repos.list_user_roles(changed.id))}

        run(use_case, as_json, lambda r: f"{r['username']}: {' '.join(r['roles'])}")


def _listed(c: Context, seal: str | None, user: str | None) -> Json:
    if user:
        found = c.repos.find_user(user)
        if found is None or found.org_id is None:
            raise user_not_found(user)
        roles, grants = grants_reaching(c.repos, found.org_id, found.id)
        return {"roles": sorted(roles), "grants": [grant_dict(g) for g in grants]}
    record = find_seal(c.repos, seal or "")
    return {"grants": [grant_dict(g) for g in c.repos.list_grants(record.org_id, record.id)]}


def _history(c: Context, grant_id: str | None, seal: str | None, user: str | None) -> Json:
    if grant_id:
        events = c.repos.grant_events(grant_id=grant_id)
    elif seal:
        events = c.repos.grant_events(seal_id=find_seal(c.repos, seal).id)
    else:
        found = c.repos.find_user(user or "")
        if found is None:
            raise user_not_found(user or "")
        events = c.repos.grant_events(grantee=("user", found.id))
    return {"history": [event_dict(e) for e in events]}


def _acting(c: Context, grant_id: str) -> Any:
    """The operator, in the grant's organisation."""
    record = c.repos.get_grant(grant_id)
    if record is None:
        raise grant_not_found(grant_id)
    return operator(record.org_id)


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


def grant_dict(g: GrantRecord) -> Json:
    return {"id": g.id, "seal_id": g.seal_id, "grantee_kind": g.grantee_kind,
            "grantee": g.grantee, **terms_of(g)}


def event_dict(e: GrantEventRecord) -> Json:
    return {"id": e.id, "grant_id": e.grant_id, "seal_id": e.seal_id, "action": e.action,
            "reason": e.reason, "actor": e.actor, "at": e.at.isoformat(), "before": e.before,
            "after": e.after}


def _grant_lines(result: Json) -> str:
    return "\n".join(f"{g['id']}  {g['grantee_kind']}:{g['grantee']}  {g['level']}  "
                     f"{g['status']}  uses={g['uses']}/{g['max_uses'] or '-'}"
                     for g in result["grants"]) or say("没有授权", "No grants")
