"""API clients (API 应用): list, create (the secret is shown on the answer to the creation
only, never again), revoke after a confirmation page.

The same core calls as ``/api/v1/clients``: ``clients:manage``, ``create_client``,
``visible_client`` (another organisation's client is answered like a missing one, 404),
``revoke_client``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openseal.bootstrap import Context, Wiring
from openseal.core.accounts.clients import create_client, revoke_client, visible_client
from openseal.core.accounts.principal import Principal
from openseal.core.accounts.secrets import SCOPES
from openseal.core.governance.roles import PERMISSIONS
from openseal.core.records import ApiClientRecord
from openseal.errors import OpenSealError
from openseal.interfaces.api.deps import wiring
from openseal.interfaces.api.problems import status_of
from openseal.interfaces.web.console.layout import NavItem, Page, show
from openseal.interfaces.web.console.session import Refused, SignedIn, form_user, run_as, signed_in
from openseal.interfaces.web.i18n import N_, language

router = APIRouter(include_in_schema=False)

NAV_ITEMS: list[NavItem] = [
    NavItem("clients", "API clients", "/organisation/clients", "clients:manage")]

CLIENTS = Page("console/organisation/clients.html", "API clients",
               "organisation#api-应用-api-clients", "clients")
CREATED = Page("console/organisation/client_created.html", "API client created",
               "organisation#api-应用-api-clients", "clients")
REVOKE = Page("console/organisation/client_revoke.html", "Revoke an API client",
              "organisation#吊销应用-revoke-a-client", "clients")

CLIENT_LABELS = {"active": N_("Client in use"), "revoked": N_("Client revoked"),
                 "expired": N_("Client expired")}
DEFAULT_DAYS = "90"


@dataclass(frozen=True)
class ClientRow:
    client: ApiClientRecord
    now: datetime

    @property
    def state(self) -> str:
        if self.client.revoked_at is not None:
            return "revoked"
        return "expired" if self.client.expires_at <= self.now else "active"

    @property
    def state_label(self) -> str:
        return CLIENT_LABELS[self.state]


def scope_choices(lang: str) -> list[tuple[str, str]]:
    """(scope, what it allows in ``lang``) for every scope a client may be given."""
    index = 1 if lang == "en" else 0
    return [(s, PERMISSIONS[s][index] if s in PERMISSIONS else s) for s in sorted(SCOPES)]



def _rows(c: Context, p: Principal) -> list[ClientRow]:
    p.require("clients:manage")
    now = c.clock.now()
    return [ClientRow(r, now) for r in sorted(c.repos.list_api_clients(p.org),
                                              key=lambda r: r.created_at, reverse=True)]


def _clients_page(request: Request, user: SignedIn, w: Wiring, *, status: int = 200,
                  error: OpenSealError | None = None, **values: Any) -> Response:
    rows = run_as(w, user, lambda c: _rows(c, user.principal))
    return show(request, CLIENTS, user, status=status, error=error, rows=rows,
                scopes=scope_choices(language(request)),
                values={"expires_in_days": DEFAULT_DAYS, "scopes": [], **values},
                revoked=request.query_params.get("done") == "revoke")


@router.get("/organisation/clients", response_class=HTMLResponse)
def clients(request: Request, user: SignedIn = Depends(signed_in),
            w: Wiring = Depends(wiring)) -> Response:
    return _clients_page(request, user, w)


def _days(value: str) -> int:
    """The validity in days as typed; anything not a number is 0, which the core refuses
    with its own message."""
    text = value.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 6 else 0


@router.post("/organisation/clients", response_class=HTMLResponse)
def create(request: Request, name: str = Form(""), scopes: list[str] = Form([]),
           expires_in_days: str = Form(DEFAULT_DAYS), user: SignedIn = Depends(form_user),
           w: Wiring = Depends(wiring)) -> Response:
    """Create the client; its secret is on this answer only (the page is not stored)."""
    p = user.principal
    chosen = [s[:40] for s in scopes[:20]]

    def run(c: Context) -> tuple[str, ApiClientRecord]:
        return create_client(c.repos, c.accounts, c.clock, p, name[:300], " ".join(chosen),
                             _days(expires_in_days), audit=c.audit)

    try:
        secret, record = w.run(run, actor=p.actor())
    except OpenSealError as exc:
        if status_of(exc) in (401, 403, 404):
            raise Refused(exc) from exc
        return _clients_page(request, user, w, status=status_of(exc), error=exc,
                             name=name[:300], scopes=chosen,
                             expires_in_days=expires_in_days[:10])
    page = show(request, CREATED, user, status=201, client=record, secret=secret,
                scopes=dict(scope_choices(language(request))))
    page.headers["Cache-Control"] = "no-store"
    return page


def _visible(c: Context, p: Principal, client_id: str) -> ClientRow:
    p.require("clients:manage")
    return ClientRow(visible_client(c.repos, p, client_id), c.clock.now())


@router.get("/organisation/clients/{client_id}/revoke", response_class=HTMLResponse)
def revoke_form(request: Request, client_id: str, user: SignedIn = Depends(signed_in),
                w: Wiring = Depends(wiring)) -> Response:
    """What revoking does, and the button that does it (nothing changes here)."""
    row = run_as(w, user, lambda c: _visible(c, user.principal, client_id))
    return show(request, REVOKE, user, row=row)


@router.post("/organisation/clients/{client_id}/revoke", response_class=HTMLResponse)
def revoke(client_id: str, user: SignedIn = Depends(form_user),
           w: Wiring = Depends(wiring)) -> Response:
    p = user.principal
    run_as(w, user, lambda c: revoke_client(c.repos, c.clock, p, client_id, audit=c.audit))
    return RedirectResponse("/organisation/clients?done=revoke", status_code=303)
