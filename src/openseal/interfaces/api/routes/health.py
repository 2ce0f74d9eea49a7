"""/healthz (the process is alive) and /readyz (it can do its work)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from openseal.bootstrap import Wiring, load_master_key
from openseal.errors import OpenSealError
from openseal.interfaces.api.deps import wiring
from openseal.interfaces.api.problems import problem
from openseal.ops import health
from openseal.ops.backup import restore_pending

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Alive: answers as long as the process serves requests."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
def readyz(w: Wiring = Depends(wiring)) -> dict[str, Any] | JSONResponse:
    """Ready: the database is at the newest migration, the key store opens (and the PKCS#11
    token, when one is configured), storage writes, the disk is not full, no certificate of
    the platform has expired, the audit trail verifies, no restore is pending. Warnings
    (``warn:...``: disk low, a certificate within 30 days of expiry, no backup for 26 hours)
    are reported without making the server unready."""
    checks = {"database": _check(w.require_schema),
              "key_store": _check(lambda: load_master_key(w.settings)),
              "storage": _check(lambda: _writable(w))}
    if w.settings.pkcs11_library:  # the token opens and the PIN is right
        checks["pkcs11_token"] = _check(lambda: w.keystore.check())
    checks |= _operations(w) if checks["database"] == "ok" else {}
    if restore_pending(w.settings.home):
        checks["restore"] = "RESTORE_PENDING"
    if all(v == "ok" or v.startswith("warn:") for v in checks.values()):
        return {"status": "ok", "checks": checks}
    return problem(503, "NOT_READY", "not ready", checks=checks)


def _operations(w: Wiring) -> dict[str, str]:
    """Free disk, certificate horizon, last backup, last audit verification (ops.health)."""
    return {"disk": _answer(lambda: health.disk(w)),
            "certificates": _answer(lambda: w.run(health.certificates)),
            "backup": _answer(lambda: w.run(health.backup)),
            "audit_chain": _answer(lambda: health.audit(w))}


def _answer(probe: Any) -> str:
    try:
        return str(probe())
    except OpenSealError as exc:
        return exc.code
    except Exception as exc:  # noqa: BLE001 - a probe reports, never raises
        return type(exc).__name__


def _check(probe: Any) -> str:
    """"ok" when ``probe()`` passes, else the error's code."""
    return _answer(lambda: [probe(), "ok"][1])


def _writable(w: Wiring) -> None:
    probe = w.settings.home / ".readyz"
    probe.write_bytes(b"ok")
    probe.unlink()
