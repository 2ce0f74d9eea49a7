"""Seals (印章): the gallery, creating a seal with a live preview, a seal's detail and lifecycle.

Everything goes through the core exactly as /api/v1/seals does: ``seals:view`` (authorize)
to see the organisation's seals, ``seals:manage`` to create one or change its state
(suspend, resume, revoke, destroy, renew: each with a reason, after a confirmation page).
Another organisation's seal is answered like a missing one (404, audited by the core).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openseal.bootstrap import Context, Refusal, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.governance.authorize import authorize
from openseal.core.governance.roles import ROLE_NAMES
from openseal.core.identity.service import find_organization
from openseal.core.pki.crl import REVOCATION_REASONS
from openseal.core.records import CertificateRecord, GrantRecord, SealRecord
from openseal.core.seals import artwork
from openseal.core.seals.lifecycle import SealLifecycle, Transition
from openseal.core.seals.model import DEFAULT_PURPOSE, SealDesign, SealType
from openseal.core.seals.service import SealOrder, create_seal, is_sandboxed
from openseal.errors import InvalidInput, OpenSealError
from openseal.interfaces.api.deps import wiring
from openseal.interfaces.api.problems import status_of
from openseal.interfaces.api.routes.seals import PRIVATE, seal_not_found, viewable_seal
from openseal.interfaces.web.console.layout import NavItem, Page, show
from openseal.interfaces.web.console.session import Refused, SignedIn, form_user, signed_in
from openseal.interfaces.web.i18n import N_, language
from openseal.interfaces.web.rendering import render

router = APIRouter(include_in_schema=False)

# This feature's entries in the console's navigation (added in order by routes.install).
NAV_ITEMS: list[NavItem] = [NavItem("seals", "Seals", "/seals", "seals:view")]

GALLERY = Page("console/seals/gallery.html", "Seals", "seals#印章列表-gallery", "seals")
NEW = Page("console/seals/new.html", "New seal", "seals#新建印章-create", "seals")
DETAIL = Page("console/seals/detail.html", "Seal details", "seals#印章详情-detail", "seals")
CONFIRM = Page("console/seals/confirm.html", "Confirm the seal change",
               "seals#印章管理操作-lifecycle", "seals")
PREVIEW = "console/seals/preview.html"
PREVIEW_DPI = 120

TYPE_LABELS: dict[str, str] = {
    SealType.OFFICIAL: N_("Official seal"),
    SealType.CONTRACT: N_("Contract seal"),
    SealType.FINANCE: N_("Finance seal"),
    SealType.INVOICE: N_("Invoice seal"),
    SealType.LEGAL_REP: N_("Legal representative's seal"),
    SealType.CUSTOM: N_("Custom seal"),
}
EVENT_LABELS = {"seal.create": N_("Seal made"), "seal.suspend": N_("Seal was suspended"),
                "seal.resume": N_("Seal was resumed"), "seal.revoke": N_("Seal was revoked"),
                "seal.destroy": N_("Seal keys were destroyed"),
                "seal.renew": N_("Certificate was renewed")}
STATUS_LABELS = {"active": N_("Seal in use"), "suspended": N_("Seal suspended"),
                 "revoked": N_("Seal revoked"), "destroyed": N_("Seal destroyed")}


@dataclass(frozen=True)
class Action:
    """A lifecycle action: its name (the core's), label, what it does, and the states
    it applies to."""

    name: str
    label: str
    explanation: str
    states: tuple[str, ...]
    danger: bool = False


ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("suspend", N_("Suspend the seal"),
           N_("Uses of the seal are refused and its certificate is published as on hold "
              "until the seal is resumed."), ("active",)),
    Action("resume", N_("Resume the seal"),
           N_("The hold is lifted and the seal can be used again."), ("suspended",)),
    Action("renew", N_("Renew the certificate"),
           N_("The seal gets a new key pair and certificate; the old certificate is "
              "superseded, documents sealed with it stay valid."), ("active",)),
    Action("revoke", N_("Revoke the seal"),
           N_("The seal is revoked for good: its certificates are revoked from now on. "
              "This cannot be undone."), ("active", "suspended"), danger=True),
    Action("destroy", N_("Destroy the keys"),
           N_("Every private key of the revoked seal is destroyed; its record and history "
              "are kept. This cannot be undone."), ("revoked",), danger=True),
)}


# Reading ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class SealCard:
    seal: SealRecord
    cert: CertificateRecord

    @property
    def type_label(self) -> str:
        return TYPE_LABELS.get(self.seal.design.seal_type, N_("Custom seal"))

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.seal.status, self.seal.status)


@dataclass(frozen=True)
class GrantRow:
    grant: GrantRecord
    who: str
    kind: str


@dataclass(frozen=True)
class HistoryRow:
    time: datetime
    action: str
    outcome: str
    actor: str
    before: str
    after: str
    reason: str


def card(c: Context, seal: SealRecord) -> SealCard:
    cert = c.repos.get_certificate(seal.cert_id)
    assert cert is not None
    return SealCard(seal, cert)


def _seal(c: Context, p: Principal, seal_id: str) -> SealRecord:
    return viewable_seal(c, p, seal_id)


def _refuse(exc: OpenSealError) -> Refused:
    return Refused(exc)


def _grantee(c: Context, g: GrantRecord, lang: str) -> tuple[str, str]:
    if g.grantee_kind == "user":
        user = c.repos.get_user(g.grantee)
        return (f"{user.display_name} ({user.username})" if user else g.grantee,
                N_("Grantee user"))
    if g.grantee_kind == "role":
        names = ROLE_NAMES.get(g.grantee)
        return (names[1 if lang == "en" else 0] if names else g.grantee, N_("Grantee role"))
    return g.grantee, N_("Grantee API client")


def _history(c: Context, seal: SealRecord) -> list[HistoryRow]:
    target = f"seal:{seal.id}"
    events = [e for e in c.repos.org_audit(seal.org_id, 500) if e.target == target
              and e.action.startswith("seal.")]
    rows = []
    for e in sorted(events, key=lambda e: e.seq):
        d = e.details
        rows.append(HistoryRow(e.time, e.action, e.outcome, e.actor, str(d.get("before", "")),
                               str(d.get("after", "")), str(d.get("reason", ""))))
    return rows


@router.get("/seals", response_class=HTMLResponse)
def gallery(request: Request, user: SignedIn = Depends(signed_in),
            w: Wiring = Depends(wiring)) -> Response:
    p = user.principal

    def run(c: Context) -> list[SealCard]:
        authorize(c.repos, p, "seals:view", now=c.clock.now())
        return [card(c, s) for s in c.repos.list_seals(p.org)]

    try:
        cards = w.run(run, actor=p.actor())
    except OpenSealError as exc:
        raise _refuse(exc) from exc
    return show(request, GALLERY, user, cards=cards, may_manage=p.may("seals:manage"))


@router.get("/seals/new", response_class=HTMLResponse)
def new_form(request: Request, user: SignedIn = Depends(signed_in),
             w: Wiring = Depends(wiring)) -> Response:
    p = user.principal
    values = {"type": SealType.CONTRACT.value, "name": "", "purpose": "", "tax_id": "",
              "code": ""}
    try:
        preview = w.run(lambda c: _creator_preview(c, p, values), actor=p.actor())
    except OpenSealError as exc:
        raise _refuse(exc) from exc
    return _new_page(request, user, values, preview)


def _may_create(c: Context, p: Principal) -> None:
    authorize(c.repos, p, "seals:manage", now=c.clock.now())


def _creator_preview(c: Context, p: Principal, values: dict[str, str]) -> dict[str, Any]:
    _may_create(c, p)
    return _preview(c, p, values)


def _new_page(request: Request, user: SignedIn, values: dict[str, str],
              preview: dict[str, Any], *, status: int = 200,
              error: OpenSealError | None = None) -> Response:
    return show(request, NEW, user, status=status, error=error, values=values,
                types=TYPE_LABELS, preview=_shown(request, preview))


def _preview(c: Context, p: Principal, values: dict[str, str]) -> dict[str, Any]:
    """The artwork the form's values would give (drawn, not saved), or the core's error."""
    shown: dict[str, Any] = {"image": None, "error": None}
    try:
        shown["image"] = _drawn(c, p, values)
    except OpenSealError as exc:
        shown["error"] = exc
    return shown


def _drawn(c: Context, p: Principal, values: dict[str, str]) -> str:
    org = find_organization(c.repos, p.org)
    try:
        seal_type = SealType(values.get("type", ""))
    except ValueError:
        raise InvalidInput("SEAL_TYPE", "请选择印章类型", "Choose a seal type",
                           field="type") from None
    name = values.get("name", "").strip()
    if len(name) > 100:
        raise InvalidInput("SEAL_NAME", "印章名称应为 1–100 个字符",
                           "The seal name must have 1-100 characters", field="name")
    design = SealDesign(seal_type, name if seal_type is SealType.LEGAL_REP else org.name,
                        values.get("purpose", "").strip() or DEFAULT_PURPOSE[seal_type],
                        values.get("tax_id", "").strip()
                        or (org.uscc if seal_type is SealType.INVOICE else None),
                        values.get("code", "").strip() or None)
    drawing = artwork.draw_seal(design)
    png = artwork.render_png(drawing, dpi=PREVIEW_DPI)
    if is_sandboxed(c.repos, org.id):
        png = artwork.with_test_mark_png(png, drawing.width_mm, drawing.height_mm)
    return "data:image/png;base64," + base64.b64encode(png).decode()


@router.get("/seals/preview", response_class=HTMLResponse)
def preview(request: Request, type: str = Query(""),  # noqa: A002 - form field
            name: str = Query(""), purpose: str = Query(""), tax_id: str = Query(""),
            code: str = Query(""), user: SignedIn = Depends(signed_in),
            w: Wiring = Depends(wiring)) -> Response:
    """The preview fragment htmx swaps in as the form changes: the image, or the error
    naming the field (GET: nothing is saved). Over-long values are cut to a little more
    than the core allows, so the core still names the field."""
    p = user.principal
    values = {"type": type[:20], "name": name[:200], "purpose": purpose[:100],
              "tax_id": tax_id[:40], "code": code[:40]}
    try:
        shown = w.run(lambda c: _creator_preview(c, p, values), actor=p.actor())
    except OpenSealError as exc:
        raise _refuse(exc) from exc
    return _fragment(request, shown)


def _fragment(request: Request, shown: dict[str, Any]) -> Response:
    return render(request, PREVIEW, 200, preview=_shown(request, shown))


def _shown(request: Request, shown: dict[str, Any]) -> dict[str, Any]:
    """The preview as the template shows it: the image, or the error in the user's words."""
    error = shown["error"]
    return {"image": shown["image"],
            "error": None if error is None else {"code": error.code,
                                                 "message": error.message(language(request)),
                                                 "field": error.fields.get("field")}}


@router.post("/seals/new", response_class=HTMLResponse)
def create(request: Request, type: str = Form(""),  # noqa: A002 - form field
           name: str = Form(""), purpose: str = Form(""), tax_id: str = Form(""),
           code: str = Form(""), user: SignedIn = Depends(form_user),
           w: Wiring = Depends(wiring)) -> Response:
    p = user.principal
    values = {"type": type[:20], "name": name[:200], "purpose": purpose[:100],
              "tax_id": tax_id[:40], "code": code[:40]}

    def run(c: Context) -> str:
        _may_create(c, p)
        for field, limit in (("name", 100), ("purpose", 50), ("tax_id", 20), ("code", 20)):
            if len(values[field].strip()) > limit:
                raise InvalidInput("SEAL_FIELD_TOO_LONG", f"该项最多 {limit} 个字符",
                                   f"At most {limit} characters", field=field)
        order = SealOrder(p.org, values["type"], values["name"],
                          values["purpose"].strip() or None, values["tax_id"].strip() or None,
                          values["code"].strip() or None)
        return create_seal(c.repos, c.pki, c.clock, order, c.settings.certificate_url,
                           audit=c.audit).id

    refusal = Refusal("seal.create", org_id=p.org_id,
                      details={"type": values["type"], "name": values["name"][:100],
                               "image": "drawn"})
    try:
        seal_id = w.run(run, refusal, actor=p.actor())
    except OpenSealError as exc:
        if status_of(exc) == 403:
            raise _refuse(exc) from exc
        shown = w.run(lambda c: _preview(c, p, values), actor=p.actor())
        return _new_page(request, user, values, shown, status=status_of(exc), error=exc)
    return RedirectResponse(f"/seals/{seal_id}", status_code=303)


@router.get("/seals/{seal_id}/image.png", response_class=Response)
def image_png(seal_id: str, user: SignedIn = Depends(signed_in),
              w: Wiring = Depends(wiring)) -> Response:
    p = user.principal
    try:
        png = w.run(lambda c: _seal(c, p, seal_id).artwork.png, actor=p.actor())
    except OpenSealError as exc:
        raise _refuse(exc) from exc
    return Response(png, media_type="image/png", headers=PRIVATE)


@router.get("/seals/{seal_id}", response_class=HTMLResponse)
def detail(request: Request, seal_id: str, user: SignedIn = Depends(signed_in),
           w: Wiring = Depends(wiring)) -> Response:
    return _detail(request, user, w, seal_id)


def _detail(request: Request, user: SignedIn, w: Wiring, seal_id: str) -> Response:
    p, lang = user.principal, language(request)
    may_grants = p.may("grants:manage") or p.may("reports:read")

    def run(c: Context) -> dict[str, Any]:
        seal = _seal(c, p, seal_id)
        shown = card(c, seal)
        issuer = c.repos.get_certificate(shown.cert.issuer_id) if shown.cert.issuer_id \
            else None
        grants = [GrantRow(g, *_grantee(c, g, lang))
                  for g in c.repos.list_grants(p.org, seal.id)] if may_grants else None
        return {"card": shown, "issuer": issuer, "grants": grants,
                "history": _history(c, seal)}

    try:
        values = w.run(run, actor=p.actor())
    except OpenSealError as exc:
        raise _refuse(exc) from exc
    status = values["card"].seal.status
    actions = [a for a in ACTIONS.values() if status in a.states] \
        if p.may("seals:manage") else []
    return show(request, DETAIL, user, **values, actions=actions, statuses=STATUS_LABELS,
                events=EVENT_LABELS)


# Lifecycle -------------------------------------------------------------------------------
def _action(name: str, seal_id: str) -> Action:
    action = ACTIONS.get(name)
    if action is None:
        raise Refused(seal_not_found(seal_id))
    return action


@router.get("/seals/{seal_id}/{action}", response_class=HTMLResponse)
def confirm(request: Request, seal_id: str, action: str,
            user: SignedIn = Depends(signed_in), w: Wiring = Depends(wiring)) -> Response:
    """The confirmation page of a lifecycle action: what it does, and the reason asked."""
    chosen = _action(action, seal_id)
    p = user.principal

    def run(c: Context) -> SealCard:
        shown = card(c, _seal(c, p, seal_id))
        _may_create(c, p)
        return shown

    try:
        shown = w.run(run, actor=p.actor())
    except OpenSealError as exc:
        raise _refuse(exc) from exc
    return _confirm_page(request, user, shown, chosen)


def _confirm_page(request: Request, user: SignedIn, shown: SealCard, action: Action, *,
                  reason: str = "", reason_code: str = "unspecified", status: int = 200,
                  error: OpenSealError | None = None) -> Response:
    return show(request, CONFIRM, user, status=status, error=error, card=shown, action=action,
                reason=reason, reason_code=reason_code, codes=REVOCATION_REASONS)


@router.post("/seals/{seal_id}/{action}", response_class=HTMLResponse)
def change(request: Request, seal_id: str, action: str, reason: str = Form(""),
           reason_code: str = Form("unspecified"), user: SignedIn = Depends(form_user),
           w: Wiring = Depends(wiring)) -> Response:
    """Suspend, resume, revoke, destroy or renew the seal, with the reason given."""
    chosen = _action(action, seal_id)
    p = user.principal
    url = w.settings.public_url or w.settings.base_url

    def run(c: Context) -> Transition:
        _may_create(c, p)
        _seal(c, p, seal_id)
        life = SealLifecycle(c.repos, c.pki, c.keystore, c.clock, c.audit)
        if action == "revoke":
            return life.revoke(seal_id, reason, reason_code[:40])
        if action == "renew":
            return life.renew(seal_id, reason, url)
        done: Transition = getattr(life, action)(seal_id, reason)
        return done

    refusal = Refusal(f"seal.{action}", target=f"seal:{seal_id}", org_id=p.org_id,
                      details={"reason": reason[:500]})
    try:
        w.run(run, refusal, actor=p.actor())
    except OpenSealError as exc:
        if status_of(exc) in (403, 404):
            raise _refuse(exc) from exc
        shown = w.run(lambda c: card(c, _seal(c, p, seal_id)), actor=p.actor())
        return _confirm_page(request, user, shown, chosen, reason=reason[:500],
                             reason_code=reason_code[:40], status=status_of(exc), error=exc)
    finally:
        sealers = getattr(request.app.state, "sealers", None)
        if sealers is not None:
            sealers.forget(seal_id)
    return RedirectResponse(f"/seals/{seal_id}?done={action}", status_code=303)
