"""A seal's own pages: its detail (image, algorithm, origin and maker, certificate,
authorisations, history), its image and, for an SM2 seal, its GB/T 38540 .esl; and its
lifecycle (suspend, resume, revoke, destroy, renew: each with a reason, after a
confirmation page, ``seals:manage``). Another organisation's seal is answered like a
missing one (404, audited by the core)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openseal.bootstrap import Context, Refusal, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.governance.roles import ROLE_NAMES
from openseal.core.pki.crl import REVOCATION_REASONS
from openseal.core.records import GrantRecord, SealRecord
from openseal.core.seals.lifecycle import SealLifecycle, Transition
from openseal.core.seals.service import seal_esl
from openseal.errors import OpenSealError
from openseal.interfaces.api.deps import wiring
from openseal.interfaces.api.problems import status_of
from openseal.interfaces.api.routes.seals import PRIVATE, seal_not_found, viewable_seal
from openseal.interfaces.web.console.layout import Page, show
from openseal.interfaces.web.console.seals import (
    STATUS_LABELS,
    SealCard,
    algorithm_label,
    card,
    may_manage,
)
from openseal.interfaces.web.console.session import Refused, SignedIn, form_user, run_as, signed_in
from openseal.interfaces.web.i18n import N_, language

router = APIRouter(include_in_schema=False)

DETAIL = Page("console/seals/detail.html", "Seal details", "seals#印章详情-detail", "seals")
CONFIRM = Page("console/seals/confirm.html", "Confirm the seal change",
               "seals#印章管理操作-lifecycle", "seals")
ESL_MEDIA_TYPE = "application/octet-stream"

EVENT_LABELS = {"seal.create": N_("Seal made"), "seal.import": N_("Seal imported"),
                "seal.suspend": N_("Seal was suspended"), "seal.resume": N_("Seal was resumed"),
                "seal.revoke": N_("Seal was revoked"),
                "seal.destroy": N_("Seal keys were destroyed"),
                "seal.renew": N_("Certificate was renewed")}
ORIGIN_LABELS = {"platform": N_("Made on this platform"),
                 "imported": N_("Imported (made by a seal-making unit)")}


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


def _seal(c: Context, p: Principal, seal_id: str) -> SealRecord:
    return viewable_seal(c, p, seal_id)


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


@router.get("/seals/{seal_id}/image.png", response_class=Response)
def image_png(seal_id: str, user: SignedIn = Depends(signed_in),
              w: Wiring = Depends(wiring)) -> Response:
    png = run_as(w, user, lambda c: _seal(c, user.principal, seal_id).artwork.png)
    return Response(png, media_type="image/png", headers=PRIVATE)


@router.get("/seals/{seal_id}/seal.esl", response_class=Response)
def esl_file(seal_id: str, user: SignedIn = Depends(signed_in),
             w: Wiring = Depends(wiring)) -> Response:
    """An SM2 seal's GB/T 38540 electronic seal (the bytes GET /api/v1/seals/{id}/esl
    gives), as a download; SEAL_NOT_SM2 for any other seal."""
    def run(c: Context) -> tuple[str, bytes]:
        seal = _seal(c, user.principal, seal_id)
        return seal.es_id or seal.id, seal_esl(seal)

    name, data = run_as(w, user, run)
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_"
                   for ch in name)
    return Response(data, media_type=ESL_MEDIA_TYPE, headers={
        **PRIVATE, "Content-Disposition": f'attachment; filename="{safe}.esl"'})


@router.get("/seals/{seal_id}", response_class=HTMLResponse)
def detail(request: Request, seal_id: str, user: SignedIn = Depends(signed_in),
           w: Wiring = Depends(wiring)) -> Response:
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

    values = run_as(w, user, run)
    seal = values["card"].seal
    actions = [a for a in ACTIONS.values() if _offered(a, seal)] \
        if p.may("seals:manage") else []
    return show(request, DETAIL, user, **values, actions=actions, statuses=STATUS_LABELS,
                events=EVENT_LABELS, algorithm=algorithm_label(seal.algorithm),
                origin=ORIGIN_LABELS.get(seal.origin, seal.origin))


# Lifecycle -------------------------------------------------------------------------------
def _offered(action: Action, seal: SealRecord) -> bool:
    """Whether the seal's state allows ``action``; an imported seal is renewed by its maker
    (the core refuses: SEAL_IMPORTED_RENEW), so it is not offered."""
    return seal.status in action.states and not (action.name == "renew"
                                                 and seal.origin == "imported")


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
        may_manage(c, p)
        return shown

    return _confirm_page(request, user, run_as(w, user, run), chosen)


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
        may_manage(c, p)
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
            raise Refused(exc) from exc
        shown = w.run(lambda c: card(c, _seal(c, p, seal_id)), actor=p.actor())
        return _confirm_page(request, user, shown, chosen, reason=reason[:500],
                             reason_code=reason_code[:40], status=status_of(exc), error=exc)
    finally:
        sealers = getattr(request.app.state, "sealers", None)
        if sealers is not None:
            sealers.forget(seal_id)
    return RedirectResponse(f"/seals/{seal_id}?done={action}", status_code=303)
