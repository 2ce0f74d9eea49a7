"""The console's routers, and the one call that adds them to the application."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from openseal.interfaces.web.console import account, errors, home, invitation, manual, signin
from openseal.interfaces.web.console.session import Redirect, Refused

# Each feature's router; a new console feature adds its own here.
ROUTERS: list[APIRouter] = [signin.router, home.router, account.router, invitation.router,
                            manual.router]


def install(app: FastAPI) -> None:
    for router in ROUTERS:
        app.include_router(router)
    app.add_exception_handler(Redirect, errors.redirect)
    app.add_exception_handler(Refused, errors.refused)
