"""Seal lifecycle over HTTP: POST /api/v1/seals/{seal_id}/suspend|resume|revoke|destroy|renew
and GET /api/v1/expiring-seals. Same services and audit trail as `openseal seal ...`.

Each seal is looked up by id and checked against the caller's organisation (``own_seal``);
scope ``seals:write`` for changes, ``seals:read`` for the expiry list. A refused transition
is a 409 naming the seal's current state, audited as a refused ``seal.<action>``.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Query, Request

from openseal.bootstrap import Context, Refusal, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.seals.lifecycle import SealLifecycle, Transition
from openseal.interfaces.api.auth import caller
from openseal.interfaces.api.deps import wiring
from openseal.interfaces.api.lifecycle_schemas import (
    ExpiringOut,
    ReasonBody,
    RevokeBody,
    TransitionOut,
)
from openseal.interfaces.api.routes.seals import own_seal, seal_out

router = APIRouter(prefix="/api/v1", tags=["seals"])
Change = Callable[[SealLifecycle, str], Transition]


def lifecycle(c: Context) -> SealLifecycle:
    return SealLifecycle(c.repos, c.pki, c.keystore, c.clock, c.audit)


def _change(action: str, seal_id: str, reason: str, change: Change, p: Principal,
            w: Wiring, request: Request) -> TransitionOut:
    def run(c: Context) -> TransitionOut:
        p.require("seals:write")
        own_seal(c, p, seal_id)
        done = change(lifecycle(c), seal_id)
        return TransitionOut(seal=seal_out(c, done.seal), before=done.before,
                             reason=done.reason, at=done.at)

    refusal = Refusal(f"seal.{action}", target=f"seal:{seal_id}", org_id=p.org_id,
                      details={"reason": reason[:500]})
    done = w.run(run, refusal, actor=p.actor())
    # The process's cached signer must not keep the old certificate or key.
    request.app.state.sealers.forget(seal_id)
    return done


@router.post("/seals/{seal_id}/suspend", response_model=TransitionOut)
def suspend(request: Request, seal_id: str, body: ReasonBody, p: Principal = Depends(caller),
            w: Wiring = Depends(wiring)) -> TransitionOut:
    """Suspend (挂失) an active seal: uses are refused and its certificate is published as
    on hold (certificateHold) in the CRL and OCSP until it is resumed."""
    return _change("suspend", seal_id, body.reason,
                   lambda life, ref: life.suspend(ref, body.reason), p, w, request)


@router.post("/seals/{seal_id}/resume", response_model=TransitionOut)
def resume(request: Request, seal_id: str, body: ReasonBody, p: Principal = Depends(caller),
           w: Wiring = Depends(wiring)) -> TransitionOut:
    """Resume a suspended seal: the hold is lifted and the seal can be used again."""
    return _change("resume", seal_id, body.reason,
                   lambda life, ref: life.resume(ref, body.reason), p, w, request)


@router.post("/seals/{seal_id}/revoke", response_model=TransitionOut)
def revoke(request: Request, seal_id: str, body: RevokeBody, p: Principal = Depends(caller),
           w: Wiring = Depends(wiring)) -> TransitionOut:
    """Revoke a seal for good: its certificates are revoked from now on (CRL and OCSP say
    so at once). Documents sealed earlier with a trusted timestamp stay valid."""
    return _change("revoke", seal_id, body.reason,
                   lambda life, ref: life.revoke(ref, body.reason, body.reason_code), p, w, request)


@router.post("/seals/{seal_id}/destroy", response_model=TransitionOut)
def destroy(request: Request, seal_id: str, body: ReasonBody, p: Principal = Depends(caller),
            w: Wiring = Depends(wiring)) -> TransitionOut:
    """Destroy a revoked seal's private keys. The seal's record and history are kept."""
    return _change("destroy", seal_id, body.reason,
                   lambda life, ref: life.destroy(ref, body.reason), p, w, request)


@router.post("/seals/{seal_id}/renew", response_model=TransitionOut)
def renew(request: Request, seal_id: str, body: ReasonBody, p: Principal = Depends(caller),
          w: Wiring = Depends(wiring)) -> TransitionOut:
    """Renew an active seal's certificate (new key pair, same seal); the old certificate is
    superseded, not revoked."""
    url = w.settings.public_url or w.settings.base_url
    return _change("renew", seal_id, body.reason,
                   lambda life, ref: life.renew(ref, body.reason, url), p, w, request)


@router.get("/expiring-seals", response_model=list[ExpiringOut])
def expiring(days: int = Query(30, ge=0, le=3650), p: Principal = Depends(caller),
             w: Wiring = Depends(wiring)) -> list[ExpiringOut]:
    """Your active seals whose certificate ends within ``days`` days, soonest first."""
    def run(c: Context) -> list[ExpiringOut]:
        p.require("seals:read")
        now = c.clock.now()
        return [ExpiringOut(seal=seal_out(c, e.seal), not_after=e.not_after,
                            days_left=(e.not_after - now).days)
                for e in lifecycle(c).expiring(days, p.org)]

    return w.run(run, actor=p.actor())
