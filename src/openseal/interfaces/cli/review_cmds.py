"""openseal review ...: permission reviews (权限审核) by the operator, through the same
services and audit trail as the API.

The operator is trusted (see operator.py): it may decide any item, and the decisions are
recorded as its own. ``openseal review run-due`` is meant for cron: it starts the reviews
that organisations' schedules make due; ``openseal review overdue`` exits 1 when any item is
overdue (for monitoring).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import typer

from openseal.bootstrap import Context, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.governance.review_records import ReviewCampaignRecord
from openseal.core.governance.review_report import (
    ItemView,
    decision_of,
    overdue_reviews,
    report_csv,
    views,
)
from openseal.core.governance.review_schedule import (
    ScheduleStatus,
    clear_schedule,
    run_due,
    schedule_status,
    set_schedule,
)
from openseal.core.governance.reviews import (
    close_review,
    confirm_item,
    progress,
    review_not_found,
    revoke_item,
    start_review,
)
from openseal.core.identity.service import find_organization
from openseal.core.seals.service import find_seal
from openseal.errors import InvalidInput
from openseal.interfaces.cli.operator import operator, say
from openseal.interfaces.cli.output import emit, translated_errors

Json = dict[str, Any]
Runner = Callable[[Callable[[Context], Json], bool, Callable[[Json], str]], Json]


def register(app: typer.Typer, wiring: Callable[[], Wiring]) -> None:
    """Add the review commands to ``app``."""
    review = typer.Typer(help="权限审核 / permission reviews", no_args_is_help=True)
    app.add_typer(review, name="review")

    def run(use_case: Callable[[Context], Json], as_json: bool, summary: Callable[[Json], str]
            ) -> Json:
        with translated_errors(as_json):
            w = wiring()
            w.require_schema()
            result = w.run(use_case)
            emit(result, as_json, lambda: typer.echo(summary(result)))
        return result

    _campaigns(review, run)
    _decisions(review, run)
    _reports(review, run)
    _schedules(review, run)


def _campaigns(review: typer.Typer, run: Runner) -> None:
    @review.command("start")
    def start(org: str = typer.Option(None, help="Organisation id, USCC or name"),
              seal: str = typer.Option(None, help="Review only this seal's grants"),
              name: str = typer.Option(None, help="Default: 权限审核 <date>"),
              due_days: int = typer.Option(14, min=1, max=366, help="Due in N days"),
              as_json: bool = typer.Option(False, "--json")) -> None:
        """Start a review of every active grant of an organisation (or of one seal)."""
        def use_case(c: Context) -> Json:
            found = find_seal(c.repos, seal) if seal else None
            org_id = found.org_id if found else _org(c, org)
            made = start_review(c.repos, c.clock, operator(org_id), name=name, seal=found,
                                due_in=timedelta(days=due_days), audit=c.audit)
            return review_dict(c, made)

        run(use_case, as_json, lambda r: say(
            f"已开始权限审核 {r['id']}（{r['progress']['total']} 项，截止 {r['due_at']}）",
            f"Review {r['id']} started ({r['progress']['total']} items, due {r['due_at']})"))

    @review.command("list")
    def list_(org: str = typer.Option(..., help="Organisation id, USCC or name"),
              status: str = typer.Option(None, help="open | closed"),
              as_json: bool = typer.Option(False, "--json")) -> None:
        """An organisation's reviews, newest first, with their progress."""
        run(lambda c: {"reviews": [review_dict(c, r) for r in
                                   c.repos.list_reviews(_org(c, org), status)]},
            as_json, lambda r: "\n".join(_review_line(x) for x in r["reviews"])
            or say("没有权限审核", "No reviews"))

    @review.command("show")
    def show(review_id: str = typer.Argument(..., metavar="REVIEW_ID"),
             as_json: bool = typer.Option(False, "--json")) -> None:
        """A review and its progress."""
        run(lambda c: review_dict(c, _review(c, review_id)), as_json, _review_line)

    @review.command("close")
    def close(review_id: str = typer.Argument(..., metavar="REVIEW_ID"),
              as_json: bool = typer.Option(False, "--json")) -> None:
        """Close a review; items still pending are reported as not reviewed."""
        run(lambda c: review_dict(c, close_review(c.repos, c.clock, _acting(c, review_id),
                                                  review_id, audit=c.audit)),
            as_json, lambda r: say(f"已结束权限审核 {r['id']}", f"Closed review {r['id']}"))


def _decisions(review: typer.Typer, run: Runner) -> None:
    @review.command("confirm")
    def confirm(review_id: str = typer.Argument(..., metavar="REVIEW_ID"),
                item_id: str = typer.Argument(..., metavar="ITEM_ID"),
                comment: str = typer.Option(None, help="Why it stays"),
                as_json: bool = typer.Option(False, "--json")) -> None:
        """Keep an item's grant."""
        def use_case(c: Context) -> Json:
            done = confirm_item(c.repos, c.clock, _acting(c, review_id), review_id, item_id,
                                comment, audit=c.audit)
            return item_dict(views(c.repos, [done])[0], _review(c, review_id))

        run(use_case, as_json, lambda r: say(f"已确认保留：{r['id']}", f"Confirmed: {r['id']}"))

    @review.command("revoke")
    def revoke(review_id: str = typer.Argument(..., metavar="REVIEW_ID"),
               item_id: str = typer.Argument(..., metavar="ITEM_ID"),
               comment: str = typer.Option(..., help="Why (kept in the grant's history)"),
               as_json: bool = typer.Option(False, "--json")) -> None:
        """Revoke an item's grant at once."""
        def use_case(c: Context) -> Json:
            done = revoke_item(c.repos, c.clock, _acting(c, review_id), review_id, item_id,
                               comment, audit=c.audit)
            return item_dict(views(c.repos, [done])[0], _review(c, review_id))

        run(use_case, as_json, lambda r: say(f"已撤销授权 {r['grant_id']}",
                                             f"Revoked grant {r['grant_id']}"))


def _reports(review: typer.Typer, run: Runner) -> None:
    @review.command("items")
    def items(review_id: str = typer.Argument(..., metavar="REVIEW_ID"),
              pending: bool = typer.Option(False, "--pending", help="Only undecided items"),
              as_json: bool = typer.Option(False, "--json")) -> None:
        """A review's items: each grant, its reviewer and the decision."""
        def use_case(c: Context) -> Json:
            found = _review(c, review_id)
            listed = c.repos.list_review_items(found.id, "pending" if pending else None)
            return {"items": [item_dict(v, found) for v in views(c.repos, listed)]}

        run(use_case, as_json, lambda r: "\n".join(_item_line(i) for i in r["items"])
            or say("没有审核项", "No items"))

    @review.command("overdue")
    def overdue(org: str = typer.Option(None, help="One organisation (default: all)"),
                as_json: bool = typer.Option(False, "--json")) -> None:
        """Pending items of reviews past their due time; exit 1 when there are any."""
        def use_case(c: Context) -> Json:
            found = overdue_reviews(c.repos, _org(c, org) if org else None, c.clock.now())
            return {"overdue": [{**review_dict(c, r), "items": [
                item_dict(v, r) for v in views(c.repos, listed)]} for r, listed in found]}

        result = run(use_case, as_json, lambda r: "\n".join(
            f"{_review_line(x)}\n" + "\n".join(f"  {_item_line(i)}" for i in x["items"])
            for x in r["overdue"]) or say("没有逾期的审核项", "Nothing overdue"))
        if result["overdue"]:
            raise typer.Exit(1)

    @review.command("export")
    def export(review_id: str = typer.Argument(..., metavar="REVIEW_ID"),
               output: Path = typer.Option(..., "--output", "-o", help="CSV file to write"),
               as_json: bool = typer.Option(False, "--json")) -> None:
        """Write the review report as CSV (UTF-8 with BOM: opens in Excel)."""
        def use_case(c: Context) -> Json:
            content = report_csv(c.repos, _review(c, review_id))
            _write(output, content)
            return {"review": review_id, "output": str(output), "bytes": len(content)}

        run(use_case, as_json, lambda r: say(f"已导出：{r['output']}",
                                             f"Exported: {r['output']}"))


def _schedules(review: typer.Typer, run: Runner) -> None:
    @review.command("schedule")
    def schedule(org: str = typer.Option(..., help="Organisation id, USCC or name"),
                 every: int = typer.Option(None, min=1, help="Review every N days"),
                 due_days: int = typer.Option(14, min=1, max=366, help="Each due in N days"),
                 off: bool = typer.Option(False, "--off", help="Stop regular reviews"),
                 as_json: bool = typer.Option(False, "--json")) -> None:
        """Show, set (--every N) or stop (--off) an organisation's regular review."""
        def use_case(c: Context) -> Json:
            acting = operator(_org(c, org))
            if off:
                clear_schedule(c.repos, acting, audit=c.audit)
            elif every is not None:
                set_schedule(c.repos, c.clock, acting, every, due_days, audit=c.audit)
            return schedule_dict(schedule_status(c.repos, acting.org))

        run(use_case, as_json, lambda r: say(
            f"每 {r['interval_days']} 天审核一次，下次：{r['next_due_at']}",
            f"Every {r['interval_days']} days, next due {r['next_due_at']}")
            if r["interval_days"] else say("没有定期审核", "No regular review"))

    @review.command("run-due")
    def run_due_(org: str = typer.Option(None, help="One organisation (default: every one "
                                                     "with a schedule)"),
                 as_json: bool = typer.Option(False, "--json")) -> None:
        """Start the scheduled reviews that are due (run it from cron, e.g. daily)."""
        def use_case(c: Context) -> Json:
            orgs = [_org(c, org)] if org else [s.org_id for s in c.repos.list_review_schedules()]
            started = [run_due(c.repos, c.clock, operator(o), audit=c.audit) for o in orgs]
            return {"started": [review_dict(c, r) for r in started if r is not None]}

        run(use_case, as_json, lambda r: "\n".join(_review_line(x) for x in r["started"])
            or say("没有到期的定期审核", "No scheduled review is due"))


def _org(c: Context, ref: str | None) -> str:
    if not ref:
        raise InvalidInput("ORG_REQUIRED", "请用 --org 指定单位", "Name the organisation: --org",
                           field="org")
    return find_organization(c.repos, ref).id


def _review(c: Context, review_id: str) -> ReviewCampaignRecord:
    found = c.repos.get_review(review_id)
    if found is None:
        raise review_not_found(review_id)
    return found


def _acting(c: Context, review_id: str) -> Principal:
    """The operator, in the review's organisation."""
    return operator(_review(c, review_id).org_id)


def _write(path: Path, content: bytes) -> None:
    try:
        path.write_bytes(content)
    except OSError as exc:
        raise InvalidInput("FILE_UNWRITABLE", f"无法写入文件 {path}：{exc.strerror}",
                           f"Cannot write {path}: {exc.strerror}", field="output") from None


def review_dict(c: Context, r: ReviewCampaignRecord) -> Json:
    counts = progress(c.repos, r.id)
    return {"id": r.id, "org_id": r.org_id, "name": r.name, "seal_id": r.seal_id,
            "started_by": r.started_by, "started_at": r.started_at.isoformat(),
            "due_at": r.due_at.isoformat(), "status": r.status,
            "overdue": r.overdue(c.clock.now()) and counts["pending"] > 0,
            "closed_by": r.closed_by,
            "closed_at": r.closed_at.isoformat() if r.closed_at else None, "progress": counts}


def item_dict(v: ItemView, r: ReviewCampaignRecord) -> Json:
    i = v.item
    return {"id": i.id, "review_id": i.campaign_id, "grant_id": i.grant_id,
            "seal_id": i.seal_id, "seal_name": v.seal_name, "grantee_kind": i.grantee_kind,
            "grantee": i.grantee, "grantee_name": v.grantee_name, "terms": i.terms,
            "reviewer_id": i.reviewer_id, "reviewer_name": v.reviewer_name,
            "decision": decision_of(r, i), "decided_by": i.decided_by,
            "decided_at": i.decided_at.isoformat() if i.decided_at else None,
            "comment": i.comment}


def schedule_dict(s: ScheduleStatus) -> Json:
    r = s.schedule
    return {"interval_days": r.interval_days if r else None,
            "due_days": r.due_days if r else None,
            "last_started_at": _iso(s.last_started_at), "next_due_at": _iso(s.next_due_at)}


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def _review_line(r: Json) -> str:
    p = r["progress"]
    late = say(" 已逾期", " OVERDUE") if r["overdue"] else ""
    return (f"{r['id']}  {r['status']:<6} {r['name']}  due={r['due_at']}  "
            f"{p['confirmed']}+{p['revoked']}/{p['total']}{late}")


def _item_line(i: Json) -> str:
    return (f"{i['id']}  {i['seal_name']}  {i['grantee_kind']}:{i['grantee_name']}  "
            f"{i['terms']['level']}  {i['decision']}  "
            f"reviewer={i['reviewer_name'] or say('任一印章管理员', 'any custodian')}")
