"""/api/v1/clients: API clients (配置应用) with scopes and an expiry; secret shown once."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from openseal.bootstrap import Context, Wiring
from openseal.core.accounts.clients import create_client, revoke_client, visible_client
from openseal.core.accounts.principal import Principal
from openseal.interfaces.api.auth import caller
from openseal.interfaces.api.deps import wiring
from openseal.interfaces.api.schemas import ClientBody, ClientCreatedOut, ClientOut

router = APIRouter(prefix="/api/v1/clients", tags=["api clients"])


@router.post("", response_model=ClientCreatedOut, status_code=201)
def create(body: ClientBody, p: Principal = Depends(caller),
           w: Wiring = Depends(wiring)) -> ClientCreatedOut:
    """Create an API client; use its secret as ``Authorization: Bearer <secret>``."""
    secret, record = w.run(lambda c: create_client(
        c.repos, c.accounts, c.clock, p, body.name, " ".join(body.scopes),
        body.expires_in_days, audit=c.audit), actor=p.actor())
    return ClientCreatedOut(**ClientOut.of(record).model_dump(), secret=secret)


@router.get("", response_model=list[ClientOut])
def list_clients(p: Principal = Depends(caller), w: Wiring = Depends(wiring)
                 ) -> list[ClientOut]:
    def run(c: Context) -> list[ClientOut]:
        p.require("clients:manage")
        return [ClientOut.of(r) for r in c.repos.list_api_clients(p.org)]

    return w.run(run, actor=p.actor())


@router.get("/{client_id}", response_model=ClientOut)
def get_client(client_id: str, p: Principal = Depends(caller),
               w: Wiring = Depends(wiring)) -> ClientOut:
    def run(c: Context) -> ClientOut:
        p.require("clients:manage")
        return ClientOut.of(visible_client(c.repos, p, client_id))

    return w.run(run, actor=p.actor())


@router.post("/{client_id}/revoke", response_model=ClientOut)
def revoke(client_id: str, p: Principal = Depends(caller),
           w: Wiring = Depends(wiring)) -> ClientOut:
    """Revoke the client: its secret stops working at once."""
    return ClientOut.of(w.run(lambda c: revoke_client(c.repos, c.clock, p, client_id,
                                                      audit=c.audit), actor=p.actor()))
