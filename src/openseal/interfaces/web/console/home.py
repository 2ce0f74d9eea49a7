"""The signed-in user's start page (首页): who they are, their organisation and roles, and
what waits for them, each block only for those who may see it:

- requests waiting for my decision (``requests:approve``: the approver's inbox, with its count);
- my own open requests (anyone in an organisation who has some, or may request);
- recent seal uses and a chart of uses per seal per ISO week over the last 12 weeks
  (``audit:read`` or ``reports:read``: auditors, custodians, organisation administrators),
  from the organisation's ``seal.use`` audit entries; the chart is an inline SVG drawn on
  the server (charts.seal_use_chart: presentation attributes only, no style, no script);
- seal certificates expiring within 60 days, or already expired (``seals:view``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from openseal.bootstrap import Context, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.audit.model import AuditEvent
from openseal.core.governance.request_views import inbox
from openseal.core.governance.requests import OPEN, current_status
from openseal.core.records import SealRecord, UseRequestRecord
from openseal.core.seals.lifecycle import DESTROYED, REVOKED
from openseal.interfaces.api.auth import SESSION_COOKIE
from openseal.interfaces.api.deps import wiring
from openseal.interfaces.web.charts import seal_use_chart, week_name
from openseal.interfaces.web.console.layout import Page, show
from openseal.interfaces.web.console.session import SignedIn, signed_in
from openseal.interfaces.web.i18n import language

router = APIRouter(include_in_schema=False)
HOME = Page("console/home.html", "Home", "home#overview", "home")

CHART_WEEKS = 12
EXPIRY_DAYS = 60
RECENT_USES = 10
LISTED = 10  # requests shown per block (the count says how many there are)
USE_SCAN_BATCH = 500
USE_SCAN_LIMIT = 20_000  # seal.use entries read at most for the chart


@dataclass(frozen=True)
class SealUse:
    seq: int
    time: datetime
    seal_id: str
    seal_name: str
    actor: str
    document: str | None


@dataclass(frozen=True)
class Expiring:
    seal: SealRecord
    not_after: datetime
    days_left: int


@dataclass
class Tasks:
    """What the home page shows; ``None``: a block the user may not see."""

    waiting: list[UseRequestRecord] | None = None
    mine: list[UseRequestRecord] = field(default_factory=list)
    mine_shown: bool = False
    uses: list[SealUse] | None = None
    chart: Markup | None = None
    expiring: list[Expiring] | None = None
    seal_names: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.waiting or self.mine or self.uses or self.expiring
                    or self.chart is not None)


@router.get("/")
def root(request: Request) -> Response:
    """The console's front door: home when logged in, else the login page."""
    return RedirectResponse("/home" if request.cookies.get(SESSION_COOKIE) else "/login",
                            status_code=303)


@router.get("/home", response_class=HTMLResponse)
def home(request: Request, user: SignedIn = Depends(signed_in),
         w: Wiring = Depends(wiring)) -> Response:
    lang = language(request)

    def who(c: Context) -> tuple[str, str | None, Tasks]:
        record = c.repos.get_user(user.principal.id)
        org_id = user.principal.org_id
        org = c.repos.get_organization(org_id) if org_id else None
        return (record.display_name if record else user.principal.name,
                org.name if org else None, tasks_of(c, user.principal, lang))

    display_name, organisation, tasks = w.run(who)
    return show(request, HOME, user, display_name=display_name, organisation=organisation,
                tasks=tasks, now=w.clock.now(), expiry_days=EXPIRY_DAYS,
                chart_weeks=CHART_WEEKS)


def tasks_of(c: Context, p: Principal, lang: str) -> Tasks:
    tasks = Tasks()
    org_id = p.org_id
    if org_id is None:
        return tasks
    now = c.clock.now()
    seals = {s.id: s for s in c.repos.list_seals(org_id)}
    tasks.seal_names = {s.id: s.name for s in seals.values()}
    if p.may("requests:approve"):
        tasks.waiting = inbox(c.repos, p, now)
    mine = [r for r in c.repos.list_use_requests(org_id, status=OPEN, requester_id=p.id,
                                                 limit=100)
            if current_status(r, now) == OPEN]
    tasks.mine, tasks.mine_shown = mine, bool(mine) or p.may("seals:request")
    if p.may("audit:read") or p.may("reports:read"):
        uses = seal_uses(c, org_id, seals, now - timedelta(weeks=CHART_WEEKS))
        tasks.uses = uses[:RECENT_USES]
        tasks.chart = Markup(seal_use_chart(weekly(uses, now), lang,  # noqa: S704 - escaped
                                            chart_id="seal-use-chart"))
    if p.may("seals:view"):
        tasks.expiring = expiring(c, seals.values(), now)
    return tasks


def seal_uses(c: Context, org_id: str, seals: dict[str, SealRecord], since: datetime
              ) -> list[SealUse]:
    """The organisation's successful seal uses since ``since``, newest first."""
    found: list[SealUse] = []
    before: int | None = None
    read = 0
    while read < USE_SCAN_LIMIT:
        batch = c.repos.org_audit(org_id, USE_SCAN_BATCH, "seal.use", before)
        if not batch:
            break
        read += len(batch)
        for event in reversed(batch):
            if event.time < since:
                return found
            use = _use(event, seals)
            if use is not None:
                found.append(use)
        before = batch[0].seq
    return found


def _use(event: AuditEvent, seals: dict[str, SealRecord]) -> SealUse | None:
    target = event.target or ""
    if event.outcome != "success" or not target.startswith("seal:"):
        return None
    seal_id = target.removeprefix("seal:")
    seal = seals.get(seal_id)
    document = event.details.get("document")
    return SealUse(event.seq, event.time, seal_id, seal.name if seal else seal_id,
                   event.actor, document if isinstance(document, str) else None)


def weekly(uses: list[SealUse], now: datetime) -> list[tuple[str, str, int]]:
    """(seal name, ISO week, count) over the last ``CHART_WEEKS`` weeks; every week of the
    range is present (a zero for the first and the current week), so the axis is complete."""
    counts: dict[tuple[str, str], int] = {}
    for use in uses:
        key = (use.seal_name, week_name(use.time.date()))
        counts[key] = counts.get(key, 0) + 1
    if not counts:
        return []
    first = week_name((now - timedelta(weeks=CHART_WEEKS - 1)).date())
    last = week_name(now.date())
    anchor = next(iter(counts))[0]
    return [(s, wk, n) for (s, wk), n in counts.items()] + [(anchor, first, 0),
                                                          (anchor, last, 0)]


def expiring(c: Context, seals: Iterable[SealRecord], now: datetime) -> list[Expiring]:
    """Active seals whose certificate ends within ``EXPIRY_DAYS`` (or has ended), soonest
    first."""
    limit = now + timedelta(days=EXPIRY_DAYS)
    found = []
    for seal in seals:
        if seal.status in (REVOKED, DESTROYED):
            continue
        cert = c.repos.get_certificate(seal.cert_id)
        if cert is None or cert.revoked_at is not None or cert.not_after > limit:
            continue
        found.append(Expiring(seal, cert.not_after, (cert.not_after - now).days))
    return sorted(found, key=lambda e: e.not_after)
