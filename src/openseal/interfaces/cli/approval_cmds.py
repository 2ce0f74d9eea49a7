"""openseal request ... / approve / reject / policy: seal-use approval from the command line,
through the same services and audit trail as the API.

Requests and decisions are made by people: the operator acts ``--as`` a user, with that
user's roles and grants, so the four-eyes rules hold here too (the audit trail names both:
``cli:<os user> as user:<name>``). ``openseal sign --ticket T`` seals with a ticket.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from openseal.bootstrap import Context, Refusal, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.governance.authorize import seal_not_found
from openseal.core.governance.decisions import decide
from openseal.core.governance.policies import PolicyTerms, set_policy
from openseal.core.governance.policy_defaults import policy_of
from openseal.core.governance.request_views import list_requests, readable_request
from openseal.core.governance.requests import RequestForm, create_request, withdraw_request
from openseal.core.records import PolicyStep, SealRecord, UseRequestRecord
from openseal.core.seals.service import find_seal
from openseal.core.templates.apply import request_terms
from openseal.errors import InvalidInput
from openseal.interfaces.cli.operator import acting_actor, as_user, operator, say
from openseal.interfaces.cli.output import emit, read_input, translated_errors
from openseal.interfaces.cli.request_view import (
    policy_dict,
    policy_lines,
    request_dict,
    request_lines,
)

Json = dict[str, Any]
AS = typer.Option(..., "--as", help="Act as this user (id or username)")


def register(app: typer.Typer, wiring: Callable[[], Wiring]) -> None:
    request = typer.Typer(help="用印申请 / requests to use a seal", no_args_is_help=True)
    policy = typer.Typer(help="用印审批流程 / approval policies", no_args_is_help=True)
    app.add_typer(request, name="request")
    app.add_typer(policy, name="approval-policy")

    def acting(user: str, use_case: Callable[[Context, Principal], Json], as_json: bool,
               summary: Callable[[Json], str], refusal: Refusal | None = None) -> None:
        with translated_errors(as_json):
            w = wiring()
            w.require_schema()
            who = w.run(lambda c: as_user(c.repos, user))
            result = w.run(lambda c: use_case(c, who), refusal, acting_actor(who))
            emit(result, as_json, lambda: typer.echo(summary(result)))

    _requests(request, acting)
    _decisions(app, acting)
    _policies(policy, wiring)


Acting = Callable[..., None]


def _requests(request: typer.Typer, acting: Acting) -> None:
    @request.command("create")
    def create(files: list[Path] = typer.Argument(..., metavar="FILE.pdf..."),
               seal: str = typer.Option(None, help="Seal id or name (with --template: one "
                                                   "of its seals, if it has several)"),
               purpose: str = typer.Option(..., help="What the seal is for (用途)"),
               copies: int = typer.Option(1, min=1, max=20, help="Copies (份数)"),
               category: str = typer.Option(None, help="Document category"),
               template: str = typer.Option(None, "--template", help="A document template "
                                            "(id or name): its category and approval steps"),
               user: str = AS, as_json: bool = typer.Option(False, "--json")) -> None:
        """Ask to use a seal for these documents (each bound by its SHA-256)."""
        documents = tuple((f.name, read_input(f)) for f in files)

        def use_case(c: Context, p: Principal) -> Json:
            found = _requested_seal(c, p, seal)
            form = RequestForm(purpose, documents, copies, category)
            if template is not None:
                seal_id, kind, terms = request_terms(c.repos, p, template,
                                                     found.id if found else None, category)
                found = c.repos.get_seal(seal_id)
                form = RequestForm(purpose, documents, copies, kind, terms)
            if found is None:
                raise InvalidInput("SEAL_REQUIRED", "请用 --seal 或 --template 指定印章",
                                   "Give a seal (--seal) or a template (--template)",
                                   field="seal")
            return _full(c, create_request(c.repos, c.clock, c.documents, p, found, form,
                                           audit=c.audit))

        target = f"template:{template}" if template else f"seal:{seal}"
        acting(user, use_case, as_json, lambda r: say(f"已提交用印申请：{r['id']}",
                                                      f"Request made: {r['id']}"),
               Refusal("request.create", target=target))

    @request.command("list")
    def list_(user: str = AS, status: str = typer.Option(None),
              as_json: bool = typer.Option(False, "--json")) -> None:
        """Requests the user may read (their own, or all for approvers and custodians)."""
        def use_case(c: Context, p: Principal) -> Json:
            now = c.clock.now()
            return {"requests": [request_dict(r, now) for r in
                                 list_requests(c.repos, p, status=status)]}

        acting(user, use_case, as_json, lambda r: "\n".join(
            f"{x['id']}  {x['status']:<9} {x['requester_name']}  {x['purpose']}"
            for x in r["requests"]) or say("没有申请", "No requests"))

    @request.command("show")
    def show(request_id: str = typer.Argument(..., metavar="REQUEST_ID"), user: str = AS,
             as_json: bool = typer.Option(False, "--json")) -> None:
        """One request: documents, steps, decisions and tickets."""
        acting(user, lambda c, p: _full(c, readable_request(c.repos, p, request_id)),
               as_json, request_lines)

    @request.command("withdraw")
    def withdraw(request_id: str = typer.Argument(..., metavar="REQUEST_ID"), user: str = AS,
                 as_json: bool = typer.Option(False, "--json")) -> None:
        """Withdraw your request; its unused tickets are voided."""
        acting(user, lambda c, p: _full(c, withdraw_request(c.repos, c.clock, p, request_id,
                                                             audit=c.audit)),
               as_json, lambda r: say(f"已撤回 {r['id']}", f"Withdrawn: {r['id']}"))


def _decisions(app: typer.Typer, acting: Acting) -> None:
    for decision, zh, en in (("approve", "已批准", "Approved"), ("reject", "已驳回", "Rejected")):
        app.command(decision)(_decider(acting, decision, zh, en))


def _decider(acting: Acting, decision: str, zh: str, en: str) -> Callable[..., None]:
    def command(request_id: str = typer.Argument(..., metavar="REQUEST_ID"), user: str = AS,
                comment: str = typer.Option("", help="Comment (kept with the decision)"),
                as_json: bool = typer.Option(False, "--json")) -> None:
        def use_case(c: Context, p: Principal) -> Json:
            done = decide(c.repos, c.clock, p, request_id, decision, comment, audit=c.audit)
            return _full(c, done.request)

        acting(user, use_case, as_json, lambda r: say(
            f"{zh}（状态 {r['status']}）", f"{en} (status {r['status']})")
            + "".join(f"\nticket {t['id']}  {t['document_sha256']}" for t in r["tickets"]),
            Refusal(f"request.{decision}", target=f"request:{request_id}"))

    command.__doc__ = ("Approve the current step of a request (the last approval mints its "
                       "tickets)." if decision == "approve" else "Reject a request.")
    return command


def _policies(policy: typer.Typer, wiring: Callable[[], Wiring]) -> None:
    def run(use_case: Callable[[Context], Json], as_json: bool) -> None:
        with translated_errors(as_json):
            w = wiring()
            w.require_schema()
            result = w.run(use_case)
            emit(result, as_json, lambda: typer.echo(policy_lines(result)))

    @policy.command("show")
    def show(seal: str = typer.Argument(..., help="Seal id or name"),
             as_json: bool = typer.Option(False, "--json")) -> None:
        """A seal's approval policy (the default unless one was set)."""
        run(lambda c: policy_dict(policy_of(c.repos, find_seal(c.repos, seal))), as_json)

    @policy.command("set")
    def set_(seal: str = typer.Argument(..., help="Seal id or name"),
             step: list[str] = typer.Option(..., "--step", help=(
                 "NAME:N:role=ROLE or NAME:N:users=a,b[:HOURS]; repeat in order")),
             two_person: bool = typer.Option(None, "--two-person/--no-two-person",
                                             help="Every use needs approval"),
             request_hours: int = typer.Option(72), ticket_hours: int = typer.Option(24),
             as_json: bool = typer.Option(False, "--json")) -> None:
        """Set a seal's approval steps, in order, e.g.
        --step 部门:1:role=approver --step 法务:2:users=li,wang:48"""
        terms = PolicyTerms(tuple(_step(s) for s in step), two_person, request_hours,
                            ticket_hours)

        def use_case(c: Context) -> Json:
            found = find_seal(c.repos, seal)
            return policy_dict(set_policy(c.repos, c.clock, operator(found.org_id), found,
                                          terms, audit=c.audit))

        run(use_case, as_json)


def _step(text: str) -> PolicyStep:
    parts = text.split(":")
    try:
        name, required, who = parts[0], int(parts[1]), parts[2]
        hours = int(parts[3]) if len(parts) > 3 else None
        kind, _, value = who.partition("=")
    except (IndexError, ValueError):
        kind, value, name, required, hours = "", "", "", 0, None
    if kind not in ("role", "users") or not value:
        raise InvalidInput("POLICY_STEP_FORMAT", f"步骤格式应为 名称:人数:role=角色 或 "
                           f"名称:人数:users=甲,乙[:小时]：{text}",
                           f"A step is NAME:N:role=ROLE or NAME:N:users=a,b[:HOURS]: {text}",
                           field="step")
    if kind == "role":
        return PolicyStep(name, required, value, (), hours)
    return PolicyStep(name, required, None, tuple(value.split(",")), hours)


def _requested_seal(c: Context, p: Principal, seal: str | None) -> SealRecord | None:
    if seal is None:
        return None
    found = find_seal(c.repos, seal)
    p.owns(found.org_id, "seal", seal, seal_not_found(seal))
    return found


def _full(c: Context, request: UseRequestRecord) -> Json:
    return {**request_dict(request, c.clock.now(), c.repos.decisions_of(request.id),
                           c.repos.tickets_of(request.id)),
            "template_id": request.template_id, "template_version": request.template_version}
