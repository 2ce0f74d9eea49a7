"""openseal template ...: document templates (文档模板), through the same services and audit
trail as the API. The operator acts in the template's organisation (``--org`` on create and
list), or ``--as`` a user with that user's roles."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import typer

from openseal.bootstrap import Context, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.identity.service import find_organization
from openseal.core.templates.checks import TemplateDraft
from openseal.core.templates.draft import draft_from_json
from openseal.core.templates.model import Stamp, TemplateRecord, template_dict
from openseal.core.templates.service import (
    create_template,
    delete_template,
    find_template,
    list_templates,
    update_template,
    visible_template,
)
from openseal.errors import InvalidInput
from openseal.interfaces.cli.operator import acting_actor, as_user, operator, say
from openseal.interfaces.cli.output import emit, read_input, translated_errors

Json = dict[str, Any]
STAMP_HELP = ("SEAL (default corner), SEAL@PAGE:X:Y (mm from the bottom-left) or "
              "SEAL@kw=TEXT (centred on the text); repeat, in order")


def register(app: typer.Typer, wiring: Callable[[], Wiring]) -> None:
    template = typer.Typer(help="文档模板 / document templates", no_args_is_help=True)
    app.add_typer(template, name="template")

    def run(use_case: Callable[[Context, Principal], Json], org: Callable[[Context], str],
            user: str | None, as_json: bool, summary: Callable[[Json], str]) -> None:
        with translated_errors(as_json):
            w = wiring()
            w.require_schema()
            who = None if user is None else w.run(lambda c: as_user(c.repos, user))
            actor = None if who is None else acting_actor(who)
            result = w.run(lambda c: use_case(c, who or operator(org(c))), actor=actor)
            emit(result, as_json, lambda: typer.echo(summary(result)))

    _changes(template, run)
    _reads(template, run)


Runner = Callable[..., None]
ORG = typer.Option(None, "--org", help="Organisation id, USCC or name (the operator's)")
AS = typer.Option(None, "--as", help="Act as this user (id or username)")
FILE = typer.Option(None, "--file", help="template.json (the API's body; options override)")


def _org(ref: str | None) -> Callable[[Context], str]:
    def org(c: Context) -> str:
        if ref is None:
            raise InvalidInput("ORG_REQUIRED", "请用 --org 指定单位（或 --as 用户）",
                               "Name the organisation with --org (or act --as a user)",
                               field="org")
        return find_organization(c.repos, ref).id
    return org


def _of_template(ref: str, org: str | None) -> Callable[[Context], str]:
    return lambda c: find_template(c.repos, ref, _org(org)(c) if org else None).org_id


def _changes(template: typer.Typer, run: Runner) -> None:
    @template.command("create")
    def create(name: str = typer.Option(None, help="Template name (or in --file)"),
               stamp: list[str] = typer.Option(None, "--stamp", help=STAMP_HELP),
               category: str = typer.Option(None), level: str = typer.Option(None),
               qr: bool = typer.Option(None, "--qr/--no-qr"), file: Path = FILE,
               org: str = ORG, user: str = AS,
               as_json: bool = typer.Option(False, "--json")) -> None:
        """Save a template (needs grants:manage on every seal it names)."""
        given = _given(file, name, stamp, category, level, qr)

        def use_case(c: Context, p: Principal) -> Json:
            draft = _draft(c, given, None, p.org)
            return template_dict(create_template(c.repos, c.clock, p, p.org, draft,
                                                 audit=c.audit))

        run(use_case, _org(org), user, as_json,
            lambda r: say(f"已保存模板：{r['id']}", f"Template saved: {r['id']}"))

    @template.command("update")
    def update(ref: str = typer.Argument(..., metavar="TEMPLATE"),
               name: str = typer.Option(None), stamp: list[str] = typer.Option(
                   None, "--stamp", help=STAMP_HELP + " (replace all stamps)"),
               category: str = typer.Option(None), level: str = typer.Option(None),
               qr: bool = typer.Option(None, "--qr/--no-qr"), file: Path = FILE,
               org: str = ORG, user: str = AS,
               as_json: bool = typer.Option(False, "--json")) -> None:
        """Change a template: what is given replaces what it says (its version goes up)."""
        given = _given(file, name, stamp, category, level, qr)

        def use_case(c: Context, p: Principal) -> Json:
            found = find_template(c.repos, ref, p.org_id)
            draft = _draft(c, given, found, found.org_id)
            return template_dict(update_template(c.repos, c.clock, p, found.id, draft,
                                                 audit=c.audit))

        run(use_case, _of_template(ref, org), user, as_json,
            lambda r: say(f"已修改模板（版本 {r['version']}）",
                          f"Template changed (version {r['version']})"))

    @template.command("delete")
    def delete(ref: str = typer.Argument(..., metavar="TEMPLATE"), org: str = ORG,
               user: str = AS, as_json: bool = typer.Option(False, "--json")) -> None:
        """Delete a template (requests made with it keep what they copied)."""
        def use_case(c: Context, p: Principal) -> Json:
            found = find_template(c.repos, ref, p.org_id)
            return template_dict(delete_template(c.repos, c.clock, p, found.id,
                                                 audit=c.audit))

        run(use_case, _of_template(ref, org), user, as_json,
            lambda r: say(f"已删除模板：{r['name']}", f"Template deleted: {r['name']}"))


def _reads(template: typer.Typer, run: Runner) -> None:
    @template.command("list")
    def list_(org: str = ORG, user: str = AS,
              as_json: bool = typer.Option(False, "--json")) -> None:
        """The organisation's templates."""
        def use_case(c: Context, p: Principal) -> Json:
            return {"templates": [template_dict(t) for t in
                                  list_templates(c.repos, p, p.org)]}

        run(use_case, _org(org), user, as_json, lambda r: "\n".join(
            f"{t['id']}  v{t['version']}  {t['name']}  ({len(t['stamps'])} seals)"
            for t in r["templates"]) or say("没有模板", "No templates"))

    @template.command("show")
    def show(ref: str = typer.Argument(..., metavar="TEMPLATE"), org: str = ORG,
             user: str = AS, as_json: bool = typer.Option(False, "--json")) -> None:
        """One template: its seals and positions, category, level and policy."""
        def use_case(c: Context, p: Principal) -> Json:
            found = find_template(c.repos, ref, p.org_id)
            return template_dict(visible_template(c.repos, p, found.id))

        run(use_case, _of_template(ref, org), user, as_json,
            lambda r: json.dumps(r, ensure_ascii=False, indent=2))


def _given(file: Path | None, name: str | None, stamps: list[str] | None,
           category: str | None, level: str | None, qr: bool | None) -> Json:
    """The file's fields, overridden by the options given."""
    data: Json = {}
    if file is not None:
        try:
            data = json.loads(read_input(file))
        except ValueError as exc:
            raise InvalidInput("TEMPLATE_FILE", f"{file} 不是有效的 JSON",
                               f"{file} is not valid JSON", field="file") from exc
        if not isinstance(data, dict):
            raise InvalidInput("TEMPLATE_FILE", "模板文件应为一个 JSON 对象",
                               "A template file is one JSON object", field="file")
    options = {"name": name, "category": category, "level": level, "qr": qr,
               "stamps": [_stamp(text) for text in stamps] if stamps else None}
    return {**data, **{k: v for k, v in options.items() if v is not None}}


def _stamp(text: str) -> Json:
    seal, _, where = text.partition("@")
    if not where:
        return {"seal_id": seal}
    if where.startswith("kw="):
        return {"seal_id": seal, "keyword": where[3:]}
    parts = where.split(":")
    try:
        page, x, y = int(parts[0]), float(parts[1]), float(parts[2])
        if len(parts) != 3:
            raise ValueError(text)
    except (ValueError, IndexError) as exc:
        raise InvalidInput("POSITION_INVALID", f"位置应写作 印章@页:X:Y，收到「{text}」",
                           f"A stamp is SEAL@PAGE:X:Y or SEAL@kw=TEXT, got '{text}'",
                           field="stamp") from exc
    return {"seal_id": seal, "page": page, "x": x, "y": y}


def _draft(c: Context, given: Json, base: TemplateRecord | None, org_id: str
           ) -> TemplateDraft:
    """The draft from ``given`` over ``base``'s fields; seal names become ids."""
    data = {**(_base(base) if base else {}), **given}
    draft = draft_from_json(data)
    return replace(draft, stamps=tuple(_seal_id(c, s, org_id) for s in draft.stamps))


def _base(t: TemplateRecord) -> Json:
    found = template_dict(t)
    return {k: found[k] for k in ("name", "category", "level", "qr", "stamps", "policy")}


def _seal_id(c: Context, stamp: Stamp, org_id: str) -> Stamp:
    """A seal named by its name in the organisation: its id (ids stay as they are)."""
    named = [s.id for s in c.repos.list_seals(org_id) if s.name == stamp.seal_id]
    return replace(stamp, seal_id=named[0]) if len(named) == 1 else stamp
