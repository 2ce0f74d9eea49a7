"""The FastAPI application: REST API under /api/v1, OpenAPI at /openapi.json, docs at /docs."""

from __future__ import annotations

from fastapi import FastAPI

from openseal import __version__
from openseal.bootstrap import Wiring
from openseal.config import Settings
from openseal.core.audit.recorder import Actor
from openseal.interfaces.api import problems
from openseal.interfaces.api.routes import health, pki, verify


def create_app(wiring: Wiring | None = None) -> FastAPI:
    """Build the app around ``wiring`` (by default from OPENSEAL_* settings)."""
    app = FastAPI(title="OpenSeal", version=__version__,
                  description="OpenSeal 电子印章 / electronic seals: REST API")
    app.state.wiring = wiring or Wiring(Settings(), actor=Actor("api"))
    problems.install(app)
    for router in (health.router, verify.router, pki.router):
        app.include_router(router)
    return app
