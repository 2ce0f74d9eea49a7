"""/api/v1/audit: your organisation's audit events, as `openseal audit export` writes them.

Only events recorded for the caller's organisation are ever answered: never another
organisation's, never instance-wide events without an organisation.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from openseal.bootstrap import Context, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.governance.authorize import authorize
from openseal.interfaces.api.auth import caller
from openseal.interfaces.api.deps import wiring
from openseal.interfaces.api.seal_schemas import AuditEventOut

router = APIRouter(prefix="/api/v1", tags=["audit"])


@router.get("/audit", response_model=list[AuditEventOut])
def list_audit(action: str | None = Query(None, max_length=64, description="e.g. seal.use"),
               limit: int = Query(100, ge=1, le=1000),
               before: int | None = Query(None, ge=0, description=(
                   "Only events with a sequence number below this (for paging back)")),
               p: Principal = Depends(caller), w: Wiring = Depends(wiring),
               ) -> list[AuditEventOut]:
    """Your organisation's latest audit events (at most ``limit``), newest last."""
    def run(c: Context) -> list[AuditEventOut]:
        authorize(c.repos, p, "audit:read", now=c.clock.now())
        events = c.repos.org_audit(p.org, limit, action, before)
        return [AuditEventOut.model_validate(e.to_export()) for e in events]

    return w.run(run, actor=p.actor())
