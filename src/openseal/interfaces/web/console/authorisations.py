"""Seal authorisations (用印授权) and the separation-of-duty report (职责冲突).

The same core calls as /api/v1 (interfaces/api/routes/grants.py): ``may_read_grants`` to
read a seal's grants and their history, ``create_grant``, ``change_grant``, ``revoke_grant``
and ``restore_grant`` (each with a reason; the core checks ``grants:manage``, the terms and
the conflicts), ``conflicts_report``. Forms are only translated into those calls: a grant
names its grantee as ``user:<id>``, ``role:<name>`` or ``client:<id>``; times are UTC.

The seal's page is /authorisations/{seal_id}: /seals/{seal_id}/<word> is the seals page's
lifecycle confirmation (seals.py), which is routed first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openseal.bootstrap import Context, Refusal, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.governance.authorize import authorize
from openseal.core.governance.conflicts import Finding, conflicts_report
from openseal.core.governance.grants import (
    GrantTerms,
    change_grant,
    create_grant,
    grant_not_found,
    may_read_grants,
    restore_grant,
    revoke_grant,
    visible_grant,
)
from openseal.core.governance.roles import LEVELS, ORG_ROLES, ROLE_NAMES
from openseal.core.records import GrantEventRecord, GrantRecord, SealRecord
from openseal.errors import InvalidInput, OpenSealError
from openseal.interfaces.api.deps import wiring
from openseal.interfaces.api.problems import status_of
from openseal.interfaces.api.routes.seals import own_seal
from openseal.interfaces.web.console.layout import NavItem, Page, show
from openseal.interfaces.web.console.session import Refused, SignedIn, form_user, run_as, signed_in
from openseal.interfaces.web.i18n import N_, language, text

router = APIRouter(include_in_schema=False)

# This feature's entries in the console's navigation (added in order by routes.install).
NAV_ITEMS: list[NavItem] = [
    NavItem("authorisations", "Authorisations", "/authorisations", "reports:read")]

MANUAL = "authorisations#"
OVERVIEW = Page("console/authorisations/overview.html", "Authorisations",
                MANUAL + "印章授权-authorisations", "authorisations")
SEAL = Page("console/authorisations/seal.html", "Authorisations of the seal",
            MANUAL + "查看授权-view-authorisations", "authorisations")
NEW = Page("console/authorisations/grant.html", "Grant the seal",
           MANUAL + "授权用印-grant", "authorisations")
CHANGE = Page("console/authorisations/change.html", "Change the authorisation",
              MANUAL + "变更授权-change", "authorisations")
CONFIRM = Page("console/authorisations/confirm.html", "Confirm the authorisation change",
               MANUAL + "撤销与恢复-revoke-and-restore", "authorisations")
CONFLICTS = Page("console/authorisations/conflicts.html", "Separation-of-duty report",
                 MANUAL + "职责冲突报告-conflict-report", "authorisations")

LEVEL_LABELS = {"view": N_("View the seal only"), "request": N_("Request its use"),
                "use": N_("Use it directly"), "manage": N_("Manage it (custodian)")}
STATE_LABELS = {"active": N_("Authorisation in force"), "revoked": N_("Authorisation revoked"),
                "expired": N_("Authorisation expired"), "waiting": N_("Not valid yet"),
                "used_up": N_("All uses spent")}
KIND_LABELS = {"user": N_("Grantee user"), "role": N_("Grantee role"),
               "client": N_("Grantee API client")}
EVENT_LABELS = {"create": N_("Authorisation granted"), "change": N_("Authorisation changed"),
                "revoke": N_("Authorisation was revoked"),
                "restore": N_("Authorisation was restored")}
TERM_LABELS = {"level": N_("Grant level"), "approval_required": N_("Each use needs approval"),
               "categories": N_("Document categories"), "valid_from": N_("Valid from (UTC)"),
               "valid_until": N_("Valid until (UTC)"), "max_uses": N_("Most uses allowed"),
               "uses": N_("Uses so far"), "status": N_("Grant state")}
SEVERITY_LABELS = {"hard": N_("Conflict"), "warning": N_("Warning")}
YES, NO = N_("Yes"), N_("No")
MAX_USES = 1_000_000_000


@dataclass(frozen=True)
class Switch:
    """Revoke or restore: the core's call, the labels and what it does."""

    name: str
    label: str
    explanation: str
    call: Callable[..., GrantRecord]
    danger: bool = False


SWITCHES = {s.name: s for s in (
    Switch("revoke", N_("Revoke the authorisation"),
           N_("The grantee's next request with this authorisation is refused, and so is any "
              "sealing not yet finished. It can be restored later."), revoke_grant, True),
    Switch("restore", N_("Restore the authorisation"),
           N_("The authorisation is in force again, with its window and its uses as they "
              "were; it is checked for conflicts again."), restore_grant),
)}



def _may_manage(c: Context, p: Principal, seal: SealRecord | None = None) -> None:
    authorize(c.repos, p, "grants:manage", seal, now=c.clock.now())


# Names a person reads ---------------------------------------------------------------------
class Names:
    """Users', roles', API clients' and seals' names in the user's language."""

    def __init__(self, c: Context, lang: str) -> None:
        self.c, self.lang = c, lang
        self.known: dict[tuple[str, str], str] = {}

    def of(self, kind: str, ref: str | None) -> str:
        if ref is None:
            return ""
        if (kind, ref) not in self.known:
            self.known[kind, ref] = self._look_up(kind, ref)
        return self.known[kind, ref]

    def _look_up(self, kind: str, ref: str) -> str:
        if kind == "user":
            user = self.c.repos.get_user(ref)
            return f"{user.display_name} ({user.username})" if user else ref
        if kind == "client":
            client = self.c.repos.get_api_client(ref)
            return client.name if client else ref
        if kind == "seal":
            seal = self.c.repos.get_seal(ref)
            return seal.name if seal and seal.id == ref else ref
        names = ROLE_NAMES.get(ref)
        return names[1 if self.lang == "en" else 0] if names else ref


def role_label(role: str, lang: str) -> str:
    names = ROLE_NAMES.get(role, (role, role))
    return names[1 if lang == "en" else 0]


# The overview and a seal's authorisations -------------------------------------------------
@dataclass(frozen=True)
class SealLine:
    seal: SealRecord
    active: int
    total: int


@router.get("/authorisations", response_class=HTMLResponse)
def overview(request: Request, user: SignedIn = Depends(signed_in),
             w: Wiring = Depends(wiring)) -> Response:
    """Every seal of the organisation with how many authorisations it has."""
    p = user.principal

    def run(c: Context) -> list[SealLine]:
        may_read_grants(p)
        grants = c.repos.list_grants(p.org)
        return [SealLine(s, sum(g.seal_id == s.id and g.status == "active" for g in grants),
                         sum(g.seal_id == s.id for g in grants))
                for s in c.repos.list_seals(p.org)]

    return show(request, OVERVIEW, user, lines=run_as(w, user, run),
                may_manage=p.may("grants:manage"))


@dataclass(frozen=True)
class GrantLine:
    grant: GrantRecord
    who: str
    state: str

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.grant.grantee_kind, self.grant.grantee_kind)

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.grant.level, self.grant.level)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


def grant_state(grant: GrantRecord, now: datetime) -> str:
    """What the grant means now: revoked, expired, not valid yet, used up or in force."""
    if grant.status != "active":
        return "revoked"
    if grant.valid_until is not None and grant.valid_until <= now:
        return "expired"
    if grant.valid_from > now:
        return "waiting"
    return "used_up" if grant.exhausted() else "active"


@dataclass(frozen=True)
class TermChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class EventLine:
    event: GrantEventRecord
    who: str
    changes: list[TermChange]

    @property
    def label(self) -> str:
        return EVENT_LABELS.get(self.event.action, self.event.action)


def _term(key: str, value: object, lang: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return text(lang, YES if value else NO)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    if key == "level":
        return text(lang, LEVEL_LABELS.get(str(value), str(value)))
    if key == "status":
        return text(lang, STATE_LABELS.get(str(value), str(value)))
    if key in ("valid_from", "valid_until"):
        return str(value)[:16].replace("T", " ")
    return str(value)


def _changes(event: GrantEventRecord, lang: str) -> list[TermChange]:
    before = event.before or {}
    keys = [k for k in TERM_LABELS if k in event.after and before.get(k) != event.after[k]]
    return [TermChange(TERM_LABELS[k], _term(k, before.get(k), lang) if event.before else "",
                       _term(k, event.after[k], lang)) for k in keys]


def _seal_page(c: Context, p: Principal, seal_id: str, lang: str) -> dict[str, Any]:
    may_read_grants(p)
    seal = own_seal(c, p, seal_id)
    names, now = Names(c, lang), c.clock.now()
    lines = [GrantLine(g, names.of(g.grantee_kind, g.grantee), grant_state(g, now))
             for g in c.repos.list_grants(p.org, seal.id)]
    lines.sort(key=lambda line: (line.grant.status != "active", line.grant.created_at))
    events = [EventLine(e, names.of(e.grantee_kind, e.grantee), _changes(e, lang))
              for e in c.repos.grant_events(seal_id=seal.id)]
    return {"seal": seal, "lines": lines, "events": list(reversed(events))}


@router.get("/authorisations/{seal_id}", response_class=HTMLResponse)
def seal_grants(request: Request, seal_id: str, user: SignedIn = Depends(signed_in),
                w: Wiring = Depends(wiring)) -> Response:
    """The seal's authorisations, in force and past, and every change of them."""
    values = run_as(w, user, lambda c: _seal_page(c, user.principal, seal_id, language(request)))
    return show(request, SEAL, user, **values, may_manage=user.principal.may("grants:manage"),
                done=request.query_params.get("done", ""))


# Granting ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class GrantForm:
    """The grant and change forms' fields, as typed."""

    grantee: str = ""
    level: str = "use"
    approval_required: bool = False
    categories: str = ""
    valid_from: str = ""
    valid_until: str = ""
    max_uses: str = ""
    reason: str = ""

    def terms(self) -> GrantTerms:
        return GrantTerms(self.level[:10], self.approval_required, self.category_list(),
                          moment_of(self.valid_from, "valid_from"),
                          moment_of(self.valid_until, "valid_until"), _uses(self.max_uses))

    def category_list(self) -> tuple[str, ...]:
        parts = self.categories.replace("，", ",").replace("\n", ",").split(",")
        return tuple(part.strip() for part in parts if part.strip())

    def grantee_ref(self) -> tuple[str, str]:
        kind, _, ref = self.grantee.partition(":")
        return kind, ref[:64]


def moment_of(value: str, field: str) -> datetime | None:
    """A UTC time typed as YYYY-MM-DD or YYYY-MM-DDTHH:MM (None: empty)."""
    typed = value.strip()
    if not typed:
        return None
    try:
        moment = datetime.fromisoformat(typed[:32])
    except ValueError:
        raise InvalidInput("GRANT_TIME_FORMAT", "时间格式应为 YYYY-MM-DD HH:MM（UTC）",
                           "Times are written YYYY-MM-DD HH:MM (UTC)", field=field) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _uses(value: str) -> int | None:
    typed = value.strip()
    if not typed:
        return None
    if not typed.isdigit() or not 1 <= int(typed[:12]) <= MAX_USES:
        raise InvalidInput("GRANT_MAX_USES", "最多使用次数应为 1 至 1000000000 的整数",
                           "The most uses allowed is a whole number from 1 to 1000000000",
                           field="max_uses")
    return int(typed)


def _form(grantee: str, level: str, approval_required: str, categories: str, valid_from: str,
          valid_until: str, max_uses: str, reason: str) -> GrantForm:
    return GrantForm(grantee[:200], level[:10], bool(approval_required), categories[:2000],
                     valid_from[:40], valid_until[:40], max_uses[:20], reason[:600])


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


def _grantees(c: Context, p: Principal, lang: str) -> dict[str, list[Choice]]:
    """Who a seal can be granted to: the organisation's active users, roles, API clients."""
    now = c.clock.now()
    users = [Choice(f"user:{u.id}", f"{u.display_name} ({u.username})")
             for u in c.repos.list_users(p.org) if u.status == "active"]
    clients = [Choice(f"client:{a.id}", a.name) for a in c.repos.list_api_clients(p.org)
               if a.revoked_at is None and a.expires_at > now]
    roles = [Choice(f"role:{r}", role_label(r, lang)) for r in ORG_ROLES]
    return {N_("Grantee user"): users, N_("Grantee role"): roles,
            N_("Grantee API client"): clients}


def _grant_page(request: Request, user: SignedIn, seal: SealRecord,
                choices: dict[str, list[Choice]], form: GrantForm, *, status: int = 200,
                error: OpenSealError | None = None) -> Response:
    return show(request, NEW, user, status=status, error=error, seal=seal, form=form,
                choices=choices, levels=LEVELS, level_labels=LEVEL_LABELS)


def _grant_setup(c: Context, p: Principal, seal_id: str, lang: str
                 ) -> tuple[SealRecord, dict[str, list[Choice]]]:
    seal = own_seal(c, p, seal_id)
    _may_manage(c, p, seal)
    return seal, _grantees(c, p, lang)


@router.get("/seals/{seal_id}/grants/new", response_class=HTMLResponse)
def grant_form(request: Request, seal_id: str, user: SignedIn = Depends(signed_in),
               w: Wiring = Depends(wiring)) -> Response:
    seal, choices = run_as(w, user, lambda c: _grant_setup(c, user.principal, seal_id,
                                                         language(request)))
    return _grant_page(request, user, seal, choices, GrantForm())


@router.post("/seals/{seal_id}/grants/new", response_class=HTMLResponse)
def grant(request: Request, seal_id: str, grantee: str = Form(""), level: str = Form("use"),
          approval_required: str = Form(""), categories: str = Form(""),
          valid_from: str = Form(""), valid_until: str = Form(""), max_uses: str = Form(""),
          reason: str = Form(""), user: SignedIn = Depends(form_user),
          w: Wiring = Depends(wiring)) -> Response:
    """Grant the seal to a user, a role or an API client, with a reason."""
    p = user.principal
    form = _form(grantee, level, approval_required, categories, valid_from, valid_until,
                 max_uses, reason)
    seal, choices = run_as(w, user, lambda c: _grant_setup(c, p, seal_id, language(request)))

    def run(c: Context) -> GrantRecord:
        return create_grant(c.repos, c.clock, p, own_seal(c, p, seal.id), form.grantee_ref(),
                            form.terms(), form.reason, audit=c.audit)

    refusal = Refusal("grant.create", target=f"seal:{seal.id}", org_id=p.org_id,
                      details={"grantee": form.grantee[:100], "level": form.level})
    try:
        w.run(run, refusal, p.actor())
    except OpenSealError as exc:
        return _grant_page(request, user, seal, choices, form, status=status_of(exc),
                           error=exc)
    return RedirectResponse(f"/authorisations/{quote(seal.id)}?done=create", status_code=303)


# Changing ---------------------------------------------------------------------------------
def _typed_time(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M") if moment else ""


def form_of(g: GrantRecord) -> GrantForm:
    """The change form as the grant stands."""
    return GrantForm(f"{g.grantee_kind}:{g.grantee}", g.level, g.approval_required,
                     ", ".join(g.categories), _typed_time(g.valid_from),
                     _typed_time(g.valid_until), "" if g.max_uses is None else str(g.max_uses))


def changes_of(now: GrantForm, typed: GrantForm) -> dict[str, Any]:
    """Only the terms the form changed (an emptied end or limit is cleared: None)."""
    changed: dict[str, Any] = {}
    if typed.level != now.level:
        changed["level"] = typed.level
    if typed.approval_required != now.approval_required:
        changed["approval_required"] = typed.approval_required
    if typed.category_list() != now.category_list():
        changed["categories"] = list(typed.category_list())
    for field in ("valid_from", "valid_until"):
        if getattr(typed, field).strip() != getattr(now, field):
            changed[field] = moment_of(getattr(typed, field), field)
    if typed.max_uses.strip() != now.max_uses:
        changed["max_uses"] = _uses(typed.max_uses)
    return changed


@dataclass(frozen=True)
class Held:
    """A grant with its seal and grantee's name, for the change and confirmation pages."""

    grant: GrantRecord
    seal: SealRecord
    who: str

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.grant.grantee_kind, self.grant.grantee_kind)


def _held(c: Context, p: Principal, grant_id: str, lang: str) -> Held:
    grant = visible_grant(c.repos, p, grant_id)
    seal = c.repos.get_seal(grant.seal_id)
    assert seal is not None
    _may_manage(c, p, seal)
    return Held(grant, seal, Names(c, lang).of(grant.grantee_kind, grant.grantee))


def _change_page(request: Request, user: SignedIn, held: Held, form: GrantForm, *,
                 status: int = 200, error: OpenSealError | None = None) -> Response:
    return show(request, CHANGE, user, status=status, error=error, held=held, form=form,
                levels=LEVELS, level_labels=LEVEL_LABELS)


@router.get("/grants/{grant_id}/change", response_class=HTMLResponse)
def change_form(request: Request, grant_id: str, user: SignedIn = Depends(signed_in),
                w: Wiring = Depends(wiring)) -> Response:
    held = run_as(w, user, lambda c: _held(c, user.principal, grant_id, language(request)))
    return _change_page(request, user, held, form_of(held.grant))


@router.post("/grants/{grant_id}/change", response_class=HTMLResponse)
def change(request: Request, grant_id: str, level: str = Form("use"),
           approval_required: str = Form(""), categories: str = Form(""),
           valid_from: str = Form(""), valid_until: str = Form(""), max_uses: str = Form(""),
           reason: str = Form(""), user: SignedIn = Depends(form_user),
           w: Wiring = Depends(wiring)) -> Response:
    """Change the terms the form changed, with a reason."""
    p = user.principal
    held = run_as(w, user, lambda c: _held(c, p, grant_id, language(request)))
    form = _form("", level, approval_required, categories, valid_from, valid_until, max_uses,
                 reason)

    def run(c: Context) -> GrantRecord:
        changes = changes_of(form_of(held.grant), form)
        return change_grant(c.repos, c.clock, p, held.grant.id, changes, form.reason,
                            audit=c.audit)

    try:
        w.run(run, Refusal("grant.change", f"grant:{held.grant.id}", p.org_id,
                           {"reason": form.reason[:500]}), p.actor())
    except OpenSealError as exc:
        return _change_page(request, user, held, form, status=status_of(exc), error=exc)
    return RedirectResponse(f"/authorisations/{quote(held.seal.id)}?done=change",
                            status_code=303)


# Revoking and restoring -------------------------------------------------------------------
def _switch(name: str, grant_id: str) -> Switch:
    chosen = SWITCHES.get(name)
    if chosen is None:
        raise Refused(grant_not_found(grant_id))
    return chosen


def _confirm_page(request: Request, user: SignedIn, held: Held, switch: Switch, *,
                  reason: str = "", status: int = 200,
                  error: OpenSealError | None = None) -> Response:
    return show(request, CONFIRM, user, status=status, error=error, held=held, switch=switch,
                reason=reason)


@router.get("/grants/{grant_id}/{action}", response_class=HTMLResponse)
def confirm(request: Request, grant_id: str, action: str, user: SignedIn = Depends(signed_in),
            w: Wiring = Depends(wiring)) -> Response:
    """Revoke or restore: what it does, and the reason asked (nothing changes yet)."""
    switch = _switch(action, grant_id)
    held = run_as(w, user, lambda c: _held(c, user.principal, grant_id, language(request)))
    return _confirm_page(request, user, held, switch)


@router.post("/grants/{grant_id}/{action}", response_class=HTMLResponse)
def switch_grant(request: Request, grant_id: str, action: str, reason: str = Form(""),
                 user: SignedIn = Depends(form_user), w: Wiring = Depends(wiring)) -> Response:
    """Revoke or restore the grant, with the reason given."""
    switch = _switch(action, grant_id)
    p = user.principal
    held = run_as(w, user, lambda c: _held(c, p, grant_id, language(request)))
    try:
        w.run(lambda c: switch.call(c.repos, c.clock, p, held.grant.id, reason[:600],
                                    audit=c.audit),
              Refusal(f"grant.{switch.name}", f"grant:{held.grant.id}", p.org_id,
                      {"reason": reason[:500]}), p.actor())
    except OpenSealError as exc:
        return _confirm_page(request, user, held, switch, reason=reason[:600],
                             status=status_of(exc), error=exc)
    return RedirectResponse(f"/authorisations/{quote(held.seal.id)}?done={switch.name}",
                            status_code=303)


# The separation-of-duty report ------------------------------------------------------------
@dataclass(frozen=True)
class FindingLine:
    finding: Finding
    message: str
    user: str
    seal: str

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS.get(self.finding.severity, self.finding.severity)


def _findings(c: Context, p: Principal, lang: str) -> list[FindingLine]:
    p.require("reports:read")
    names = Names(c, lang)
    return [FindingLine(f, f.en if lang == "en" else f.zh, names.of("user", f.user_id),
                        names.of("seal", f.seal_id)) for f in conflicts_report(c.repos, p.org)]


@router.get("/governance/conflicts", response_class=HTMLResponse)
def conflicts(request: Request, user: SignedIn = Depends(signed_in),
              w: Wiring = Depends(wiring)) -> Response:
    """Separation-of-duty violations and overlapping grants in the organisation now."""
    found = run_as(w, user, lambda c: _findings(c, user.principal, language(request)))
    return show(request, CONFLICTS, user, findings=found)
