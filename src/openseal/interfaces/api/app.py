"""The FastAPI application: REST API under /api/v1, OpenAPI at /openapi.json, docs at /docs."""

from __future__ import annotations

from fastapi import FastAPI

from openseal import __version__
from openseal.bootstrap import Wiring
from openseal.config import Settings
from openseal.core.audit.recorder import Actor
from openseal.core.signing.service import SealerCache
from openseal.interfaces.api import job_queue, problems
from openseal.interfaces.api.fairness import Quota, VerifyGate
from openseal.interfaces.api.limits import MULTIPART_OVERHEAD, BodyLimit
from openseal.interfaces.api.observability import Observability
from openseal.interfaces.api.routes import (
    approvals,
    audit,
    auth,
    batch_jobs,
    clients,
    documents,
    grants,
    health,
    lifecycle,
    metrics,
    orgs,
    pki,
    reviews,
    seals,
    templates,
    users,
    verify,
    verify_report,
)
from openseal.interfaces.web import pages, site
from openseal.ops.logs import configure_logging
from openseal.ops.metrics import count_events


def create_app(wiring: Wiring | None = None, serve: bool = False) -> FastAPI:
    """Build the app around ``wiring`` (by default from OPENSEAL_* settings); ``serve``: it
    also runs the background job workers (``openseal serve``)."""
    app = FastAPI(title="OpenSeal", version=__version__,
                  description="OpenSeal 电子印章 / electronic seals: REST API",
                  responses=problems.ERROR_RESPONSES)
    app.openapi_schema = None
    _publish_problem_schema(app)
    app.state.wiring = wiring or Wiring(Settings(), actor=Actor("api"))
    app.state.sealers = SealerCache()  # one sealer per seal for the process: no key reloads
    app.state.verify_gate = VerifyGate(Quota(slots=max(1, app.state.wiring.settings
                                                       .verify_workers)))
    problems.install(app, page_error=pages.error_page)
    if count_events not in app.state.wiring.observers:  # counters move on committed entries
        app.state.wiring.observers.append(count_events)
    settings = app.state.wiring.settings
    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes + MULTIPART_OVERHEAD)
    app.add_middleware(Observability)  # outermost: request id, access line, latency
    for router in (health.router, metrics.router, verify.router, pki.router, auth.router,
                   orgs.router, users.router, clients.router, seals.router, documents.router,
                   audit.router, lifecycle.router, grants.router, approvals.router,
                   reviews.router, templates.router, batch_jobs.router,
                   verify_report.router, pages.router):
        app.include_router(router)
    site.install(app)  # the console, /static and the pages' security headers
    job_queue.install(app, serve)  # the job queue; resumes unfinished batch jobs
    return app


def create_served_app() -> FastAPI:
    """The app as ``openseal serve`` runs it (in each worker): JSON logs on stderr first."""
    configure_logging()
    return create_app(serve=True)


def _publish_problem_schema(app: FastAPI) -> None:
    """Add the Problem schema the error responses refer to."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict[str, object]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes)
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components["Problem"] = problems.Problem.model_json_schema()
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    operation.get("responses", {}).pop("422", None)
                    operation["responses"]["422"] = problems.ERROR_RESPONSES[422]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
