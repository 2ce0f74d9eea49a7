"""openseal org ..."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from openseal.bootstrap import Context, Refusal, Wiring
from openseal.core.accounts.users import random_password
from openseal.core.identity.registration import (
    LicenceUpload,
    Registration,
    decide_verification,
    profile_of,
    register_organization,
    submit_verification,
    update_policy,
)
from openseal.core.identity.service import create_organization, find_organization
from openseal.core.records import OrganizationProfile, OrganizationRecord
from openseal.interfaces.cli.operator import operator, password_from_stdin, say
from openseal.interfaces.cli.output import emit, read_input, translated_errors


def register(app: typer.Typer, wiring: Callable[[], Wiring]) -> None:
    org = typer.Typer(help="单位 / organisations", no_args_is_help=True)
    app.add_typer(org, name="org")

    def ready() -> Wiring:
        w = wiring()
        w.require_schema()
        return w

    @org.command("create")
    def create(
        name: str = typer.Option(..., help="Full registered name"),
        uscc: str = typer.Option(..., help="统一社会信用代码 (18 characters)"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Create a verified organisation (the operator vouches for it); its issuing CA is
        created with it."""
        with translated_errors(as_json):
            w = wiring()
            w.require_schema()
            rec = w.run(lambda c: create_organization(c.repos, c.pki, c.clock, name, uscc,
                                                      audit=c.audit),
                        Refusal("org.create", details={"name": name, "uscc": uscc}))
            emit({"id": rec.id, "name": rec.name, "uscc": rec.uscc}, as_json,
                 lambda: typer.echo(rec.id))

    @org.command("register")
    def register_(
        name: str = typer.Option(..., help="Full registered name"),
        uscc: str = typer.Option(..., help="统一社会信用代码 (18 characters)"),
        legal_rep: str = typer.Option(..., "--legal-rep", help="法定代表人"),
        contact_name: str = typer.Option(..., "--contact-name"),
        contact_email: str = typer.Option(..., "--contact-email"),
        contact_phone: str = typer.Option(None, "--contact-phone"),
        admin_username: str = typer.Option(..., "--admin-username",
                                           help="Login name of its first administrator"),
        admin_password_stdin: bool = typer.Option(
            False, "--admin-password-stdin", help="Read the administrator's password from "
                                                  "standard input (else: random, printed once)"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Register an organisation as a self-service registration would: unverified
        (sandbox only) until its verification is approved."""
        with translated_errors(as_json):
            password = (password_from_stdin("admin_password") if admin_password_stdin
                        else random_password())
            form = Registration(name, uscc, legal_rep, contact_name, contact_email,
                                contact_phone, admin_username, password)
            result = ready().run(lambda c: _register(c, form), Refusal(
                "org.register", details={"name": name, "uscc": uscc, "admin": admin_username}))
            result["admin"]["password"] = None if admin_password_stdin else password
            emit(result, as_json, lambda: _registered(result))

    @org.command("list")
    def list_(as_json: bool = typer.Option(False, "--json")) -> None:
        """List organisations with their verification status."""
        with translated_errors(as_json):
            rows = ready().run(lambda c: [org_dict(o, profile_of(c.repos, o.id))
                                          for o in c.repos.list_organizations()])
            emit({"organizations": rows}, as_json, lambda: _table(rows))

    @org.command("show")
    def show(org_ref: str = typer.Argument(..., metavar="ORG", help="Id, USCC or name"),
             as_json: bool = typer.Option(False, "--json")) -> None:
        """One organisation: verification status, contact, login policy."""
        with translated_errors(as_json):
            result = ready().run(lambda c: _org(c, org_ref))
            emit(result, as_json, lambda: _details(result))

    @org.command("approve")
    def approve(org_ref: str = typer.Argument(..., metavar="ORG", help="Id, USCC or name"),
                as_json: bool = typer.Option(False, "--json")) -> None:
        """Approve a submitted verification: the organisation gets its production CA."""
        _decide(ready, org_ref, True, None, as_json)

    @org.command("reject")
    def reject(org_ref: str = typer.Argument(..., metavar="ORG", help="Id, USCC or name"),
               reason: str = typer.Option(None, help="Why (required; the applicant sees it)"),
               as_json: bool = typer.Option(False, "--json")) -> None:
        """Reject a submitted verification, with a reason; the organisation may submit
        again."""
        _decide(ready, org_ref, False, reason, as_json)

    @org.command("submit-licence")
    def submit_licence(
        org_ref: str = typer.Argument(..., metavar="ORG", help="Id, USCC or name"),
        file: Path = typer.Argument(..., metavar="FILE", help="营业执照: PDF, PNG or JPEG"),
        legal_rep_name: str = typer.Option(..., "--legal-rep-name"),
        legal_rep_id_number: str = typer.Option(..., "--legal-rep-id-number"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Submit the business licence on the organisation's behalf (status: pending)."""
        with translated_errors(as_json):
            upload = LicenceUpload(read_input(file), file.name, legal_rep_name,
                                   legal_rep_id_number)

            def run(c: Context) -> dict[str, Any]:
                rec = find_organization(c.repos, org_ref)
                profile = submit_verification(c.repos, c.accounts, c.clock, operator(rec.id),
                                              upload, audit=c.audit)
                return org_dict(rec, profile)

            result = ready().run(run, Refusal("org.verification_submit",
                                              details={"org": org_ref}))
            emit(result, as_json, lambda: _status_line(result))

    @org.command("policy")
    def policy(
        org_ref: str = typer.Argument(..., metavar="ORG", help="Id, USCC or name"),
        require_2fa: bool = typer.Option(None, "--require-2fa/--no-require-2fa",
                                         help="Require two-factor authentication"),
        password_max_age_days: int = typer.Option(None, "--password-max-age-days",
                                                  help="Password maximum age; 0 = off"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Set the organisation's login policy (options not given stay as they are)."""
        with translated_errors(as_json):
            age = password_max_age_days
            result = ready().run(lambda c: _policy(c, org_ref, require_2fa, age), Refusal(
                "org.policy_update", details={"org": org_ref, "require_2fa": require_2fa,
                                              "max_age_days": age}))
            emit(result, as_json, lambda: _details(result))


def _register(c: Context, form: Registration) -> dict[str, Any]:
    rec, admin = register_organization(c.repos, c.pki, c.accounts, c.clock, form,
                                       audit=c.audit)
    return org_dict(rec, profile_of(c.repos, rec.id)) | {
        "admin": {"id": admin.id, "username": admin.username}}


def _policy(c: Context, org_ref: str, require_2fa: bool | None, age: int | None
            ) -> dict[str, Any]:
    """Change what is given (age 0: no maximum); with nothing given, show the policy."""
    rec = find_organization(c.repos, org_ref)
    if require_2fa is None and age is None:
        return org_dict(rec, profile_of(c.repos, rec.id))
    profile = update_policy(c.repos, operator(rec.id), require_2fa, age or None, age == 0,
                            audit=c.audit)
    return org_dict(rec, profile)


def _decide(ready: Callable[[], Wiring], org_ref: str, approve: bool, reason: str | None,
            as_json: bool) -> None:
    action = "org.verification_approve" if approve else "org.verification_reject"
    with translated_errors(as_json):
        def run(c: Context) -> dict[str, Any]:
            rec = find_organization(c.repos, org_ref)
            profile = decide_verification(c.repos, c.pki, c.clock, operator(rec.id), rec.id,
                                          approve, reason, audit=c.audit)
            return org_dict(rec, profile)

        result = ready().run(run, Refusal(action, details={"org": org_ref}))
        emit(result, as_json, lambda: _status_line(result))


def _org(c: Context, ref: str) -> dict[str, Any]:
    rec = find_organization(c.repos, ref)
    return org_dict(rec, profile_of(c.repos, rec.id))


def org_dict(o: OrganizationRecord, p: OrganizationProfile) -> dict[str, Any]:
    return {"id": o.id, "name": o.name, "uscc": o.uscc, "status": p.status,
            "sandbox": p.sandbox, "legal_rep": p.legal_rep, "contact_name": p.contact_name,
            "contact_email": p.contact_email, "contact_phone": p.contact_phone,
            "require_2fa": p.require_2fa, "password_max_age_days": p.password_max_age_days,
            "decision_reason": p.decision_reason, "created_at": o.created_at.isoformat()}


_STATUS_ZH = {"unverified": "未认证（沙箱）", "pending": "待审核", "verified": "已认证",
              "rejected": "已驳回（沙箱）"}


def _status_line(r: dict[str, Any]) -> None:
    status = say(_STATUS_ZH.get(r["status"], r["status"]), r["status"])
    typer.echo(f"{r['name']} ({r['id']}): {status}")
    if r["decision_reason"]:
        typer.echo(say("原因：", "Reason: ") + r["decision_reason"])


def _registered(r: dict[str, Any]) -> None:
    _status_line(r)
    admin = r["admin"]
    typer.echo(say("单位管理员：", "Organisation administrator: ")
               + f"{admin['username']} ({admin['id']})")
    if admin["password"] is not None:
        typer.echo(say("密码（只显示这一次，请妥善保存）：", "Password (shown only this once): ")
                   + admin["password"])
    typer.echo(say(f"提交营业执照：openseal org submit-licence {r['uscc']} <文件> ...",
                   f"Submit the licence: openseal org submit-licence {r['uscc']} <file> ..."))


def _details(r: dict[str, Any]) -> None:
    _status_line(r)
    age = r["password_max_age_days"]
    rows = [("uscc", r["uscc"]), (say("法定代表人", "legal rep"), r["legal_rep"]),
            (say("联系人", "contact"), " ".join(x for x in (
                r["contact_name"], r["contact_email"], r["contact_phone"]) if x)),
            (say("强制双因素认证", "require 2FA"), str(r["require_2fa"]).lower()),
            (say("密码最长使用天数", "password max age (days)"), str(age) if age else "-")]
    for key, value in rows:
        typer.echo(f"  {key}: {value or '-'}")


def _table(rows: list[dict[str, Any]]) -> None:
    table = Table("id", "name", "uscc", "status")
    for r in rows:
        table.add_row(r["id"], r["name"], r["uscc"], r["status"])
    Console().print(table)
