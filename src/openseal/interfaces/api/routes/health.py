"""/healthz (the process is alive) and /readyz (it can do its work)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from openseal.bootstrap import Wiring, load_master_key
from openseal.errors import OpenSealError
from openseal.interfaces.api.deps import wiring
from openseal.interfaces.api.problems import problem

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Alive: answers as long as the process serves requests."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
def readyz(w: Wiring = Depends(wiring)) -> dict[str, Any] | JSONResponse:
    """Ready: the database is at the newest migration, the key store opens, storage writes."""
    checks = {"database": _check(w.require_schema),
              "key_store": _check(lambda: load_master_key(w.settings)),
              "storage": _check(lambda: _writable(w))}
    if all(v == "ok" for v in checks.values()):
        return {"status": "ok", "checks": checks}
    return problem(503, "NOT_READY", "not ready", checks=checks)


def _check(probe: Any) -> str:
    try:
        probe()
    except OpenSealError as exc:
        return exc.code
    except Exception as exc:  # noqa: BLE001 - a probe reports, never raises
        return type(exc).__name__
    return "ok"


def _writable(w: Wiring) -> None:
    probe = w.settings.home / ".readyz"
    probe.write_bytes(b"ok")
    probe.unlink()
