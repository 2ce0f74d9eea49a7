"""The console's routers, and the one call that adds them to the application."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from openseal.interfaces.web.console import (
    account,
    api_clients,
    audit_log,
    authorisations,
    errors,
    home,
    invitation,
    manual,
    members,
    org_review,
    registration,
    request_decisions,
    request_sealing,
    reviews,
    seal_detail,
    seal_import,
    seals,
    signin,
    use_requests,
)
from openseal.interfaces.web.console.layout import NAV
from openseal.interfaces.web.console.session import Redirect, Refused

# Each feature's router; a new console feature adds its own here. Order matters where
# paths overlap: /seals/import and /seals/new before /seals/{seal_id}, /requests/new before
# /requests/{request_id}.
ROUTERS: list[APIRouter] = [signin.router, home.router, account.router, invitation.router,
                            manual.router, seal_import.router, seals.router,
                            seal_detail.router, use_requests.router, request_decisions.router,
                            request_sealing.router, audit_log.router, registration.router,
                            org_review.router, members.router, api_clients.router,
                            authorisations.router, reviews.router]
FEATURES = (seals, authorisations, reviews, use_requests, audit_log, members, api_clients,
            registration, org_review)  # their NAV_ITEMS follow Home, in this order


def install(app: FastAPI) -> None:
    position = 1
    for item in (item for feature in FEATURES for item in feature.NAV_ITEMS):
        if item not in NAV:
            NAV.insert(position, item)
        position = NAV.index(item) + 1
    for router in ROUTERS:
        app.include_router(router)
    app.add_exception_handler(Redirect, errors.redirect)
    app.add_exception_handler(Refused, errors.refused)
