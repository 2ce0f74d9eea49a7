"""The audit log (审计日志): the organisation's entries, newest first, filtered by action,
outcome, actor and date range (GET query parameters), paged back with ``before=<seq>``;
the filtered entries exported as CSV (UTF-8 with BOM, formulas defused as in the review
report) or JSON lines (each entry as ``openseal audit export`` writes it); the latest signed
checkpoint of the whole log, as ``openseal audit checkpoint`` writes it.

Only for ``audit:read`` (auditors); only the caller's organisation's entries, never another
organisation's nor instance-wide ones (``repos.org_audit``, as the API). Reading changes
nothing; a refusal is audited (``authz.denied``) and shown as a 403 page.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from openseal.bootstrap import Context, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.audit.model import ACTION, AuditEvent, Outcome
from openseal.core.governance.authorize import authorize
from openseal.core.governance.review_report import safe_cell
from openseal.core.records import CheckpointRecord
from openseal.errors import InvalidInput, NotFound
from openseal.interfaces.api.deps import wiring
from openseal.interfaces.api.problems import status_of
from openseal.interfaces.web.console.layout import NavItem, Page, show
from openseal.interfaces.web.console.session import Refused, SignedIn, run_as, signed_in

router = APIRouter(include_in_schema=False)

# This feature's entries in the console's navigation (added in order by routes.install).
NAV_ITEMS: list[NavItem] = [NavItem("audit", "Audit log", "/audit", "audit:read")]
AUDIT = Page("console/audit/log.html", "Audit log", "audit#log", "audit")

PAGE_SIZE = 50
EXPORT_LIMIT = 10_000
SCAN_BATCH = 500
SCAN_LIMIT = 50_000  # entries read at most for one page (filters applied in Python)
OUTCOMES = tuple(o.value for o in Outcome)
CSV_COLUMNS = ("seq", "time", "actor", "actor_kind", "action", "outcome", "target",
               "client_addr", "agent", "details", "entry_hash")


@dataclass(frozen=True)
class Filters:
    action: str = ""
    outcome: str = ""
    actor: str = ""
    since: date | None = None  # from this day (UTC), inclusive
    until: date | None = None  # to this day (UTC), inclusive

    def query(self, **more: object) -> str:
        """The filters (and ``more``) as a query string, empty ones left out."""
        values = {"action": self.action, "outcome": self.outcome, "actor": self.actor,
                  "from": self.since.isoformat() if self.since else "",
                  "to": self.until.isoformat() if self.until else "", **more}
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})

    def keeps(self, event: AuditEvent) -> bool:
        if self.outcome and event.outcome != self.outcome:
            return False
        if self.actor and self.actor.casefold() not in event.actor.casefold():
            return False
        day = event.time.astimezone(UTC).date()
        return not (self.until and day > self.until)

    def before_start(self, event: AuditEvent) -> bool:
        """Older than the range: nothing further back can match."""
        return self.since is not None and event.time.astimezone(UTC).date() < self.since

    @property
    def active(self) -> bool:
        return bool(self.action or self.outcome or self.actor or self.since or self.until)


def filters(action: str = Query("", max_length=64), outcome: str = Query("", max_length=16),
            actor: str = Query("", max_length=200), since: str = Query("", alias="from",
                                                                      max_length=10),
            until: str = Query("", alias="to", max_length=10)) -> Filters | InvalidInput:
    """The filters of the query, or the error naming the bad field."""
    action, outcome, actor = action.strip(), outcome.strip(), actor.strip()
    if action and not ACTION.fullmatch(action):
        return InvalidInput("AUDIT_FILTER_ACTION", "操作名称格式不正确（例如 seal.use）",
                            "The action is malformed (for example seal.use)", field="action")
    if outcome and outcome not in OUTCOMES:
        return InvalidInput("AUDIT_FILTER_OUTCOME", "结果须为 " + "、".join(OUTCOMES),
                            "The outcome must be one of " + ", ".join(OUTCOMES),
                            field="outcome")
    days: list[date | None] = []
    for name, value in (("from", since), ("to", until)):
        try:
            days.append(date.fromisoformat(value.strip()) if value.strip() else None)
        except ValueError:
            return InvalidInput("AUDIT_FILTER_DATE", "日期格式须为 YYYY-MM-DD",
                                "A date must be YYYY-MM-DD", field=name)
    if days[0] and days[1] and days[0] > days[1]:
        return InvalidInput("AUDIT_FILTER_RANGE", "开始日期晚于结束日期",
                            "The start date is after the end date", field="from")
    return Filters(action, outcome, actor, days[0], days[1])


def scan(c: Context, org_id: str, f: Filters, before: int | None, wanted: int
         ) -> tuple[list[AuditEvent], int | None]:
    """Up to ``wanted`` matching entries of the organisation below seq ``before``, newest
    first, and where to continue (None: nothing older)."""
    found: list[AuditEvent] = []
    read = 0
    while read < SCAN_LIMIT:
        batch = c.repos.org_audit(org_id, SCAN_BATCH, f.action or None, before)
        if not batch:
            return found, None
        read += len(batch)
        for event in reversed(batch):
            if f.before_start(event):
                return found, None
            if f.keeps(event):
                found.append(event)
                if len(found) == wanted:
                    return found, event.seq
        before = batch[0].seq
    return found, before  # scanned enough for one answer: the rest on the next page


def readable(c: Context, p: Principal) -> str:
    """The caller's organisation, when they may read its audit log (else Forbidden)."""
    authorize(c.repos, p, "audit:read", now=c.clock.now())
    return p.org



@router.get("/audit", response_class=HTMLResponse)
def audit_log(request: Request, older_than: str = Query("", alias="before", max_length=40),
              f: Filters | InvalidInput = Depends(filters),
              user: SignedIn = Depends(signed_in), w: Wiring = Depends(wiring)) -> Response:
    p = user.principal
    before = (int(older_than) if older_than.isdigit() and len(older_than) <= 15
              else None)  # else: the newest page
    if isinstance(f, InvalidInput):
        checkpoint = run_as(w, user, lambda c: (readable(c, p), c.repos.latest_checkpoint())[1])
        field = f.fields.get("field")
        return show(request, AUDIT, user, status=status_of(f), error=f,
                    filters=_raw(request), entries=[], older=None, checkpoint=checkpoint,
                    query="", outcomes=OUTCOMES, newest=None, invalid=field)

    def run(c: Context) -> tuple[list[AuditEvent], int | None, CheckpointRecord | None]:
        org_id = readable(c, p)
        entries, more = scan(c, org_id, f, before, PAGE_SIZE)
        return entries, more, c.repos.latest_checkpoint()

    entries, more, checkpoint = run_as(w, user, run)
    older = f"/audit?{f.query(before=more)}" if more is not None else None
    newest = f"/audit?{f.query()}" if before is not None else None
    return show(request, AUDIT, user, filters=_shown(f), entries=entries, older=older,
                newest=newest, checkpoint=checkpoint, query=f.query(), outcomes=OUTCOMES,
                invalid=None)


def _shown(f: Filters) -> dict[str, str]:
    return {"action": f.action, "outcome": f.outcome, "actor": f.actor,
            "from": f.since.isoformat() if f.since else "",
            "to": f.until.isoformat() if f.until else ""}


def _raw(request: Request) -> dict[str, str]:
    return {k: request.query_params.get(k, "")[:200]
            for k in ("action", "outcome", "actor", "from", "to")}


def _exported(request: Request, w: Wiring, user: SignedIn, f: Filters | InvalidInput
              ) -> list[AuditEvent]:
    if isinstance(f, InvalidInput):
        raise Refused(f)
    p = user.principal
    entries, _ = run_as(w, user, lambda c: scan(c, readable(c, p), f, None, EXPORT_LIMIT))
    return list(reversed(entries))  # oldest first, as `openseal audit export`


@router.get("/audit/export.csv")
def export_csv(request: Request, f: Filters | InvalidInput = Depends(filters),
               user: SignedIn = Depends(signed_in), w: Wiring = Depends(wiring)) -> Response:
    """The filtered entries (at most EXPORT_LIMIT, oldest first) as CSV for a spreadsheet."""
    entries = _exported(request, w, user, f)
    return Response(csv_bytes(entries), media_type="text/csv; charset=utf-8",
                    headers=_download(w, "audit-log", "csv"))


@router.get("/audit/export.jsonl")
def export_jsonl(request: Request, f: Filters | InvalidInput = Depends(filters),
                 user: SignedIn = Depends(signed_in), w: Wiring = Depends(wiring)) -> Response:
    """The filtered entries as JSON lines, each as `openseal audit export` writes it."""
    entries = _exported(request, w, user, f)
    body = "".join(json.dumps(e.to_export(), ensure_ascii=False, sort_keys=True) + "\n"
                   for e in entries)
    return Response(body.encode(), media_type="application/x-ndjson",
                    headers=_download(w, "audit-log", "jsonl"))


@router.get("/audit/checkpoint.json")
def checkpoint(request: Request, user: SignedIn = Depends(signed_in),
               w: Wiring = Depends(wiring)) -> Response:
    """The latest signed checkpoint of the log, as `openseal audit checkpoint` writes it."""
    p = user.principal

    def run(c: Context) -> CheckpointRecord:
        readable(c, p)
        latest = c.repos.latest_checkpoint()
        if latest is None:
            raise NotFound("AUDIT_NO_CHECKPOINT", "审计日志尚无检查点",
                           "The audit log has no checkpoint yet")
        return latest

    latest = run_as(w, user, run)
    body = json.dumps(json.loads(latest.document), ensure_ascii=False, sort_keys=True)
    return Response(body.encode(), media_type="application/json",
                    headers=_download(w, f"checkpoint-{latest.size:012d}", "json",
                                      stamp=False))


def _download(w: Wiring, name: str, ext: str, stamp: bool = True) -> dict[str, str]:
    when = w.clock.now().strftime("-%Y%m%d-%H%M%S") if stamp else ""
    return {"Content-Disposition": f'attachment; filename="{name}{when}.{ext}"',
            "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def csv_bytes(entries: list[AuditEvent]) -> bytes:
    """CSV, UTF-8 with BOM, CRLF line ends, every cell defused (review_report.safe_cell)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows([safe_cell(cell) for cell in row] for row in _rows(entries))
    return out.getvalue().encode("utf-8-sig")


def _rows(entries: list[AuditEvent]) -> Iterator[list[str]]:
    for e in entries:
        d = e.to_export()
        yield [str(d["seq"]), d["time"], d["actor"], d["actor_kind"], d["action"],
               d["outcome"], d["target"] or "", d["client_addr"] or "", d["agent"] or "",
               json.dumps(d["details"], ensure_ascii=False, sort_keys=True),
               d["entry_hash"]]

