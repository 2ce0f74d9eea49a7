"""A refusal on a console page, as a page in the user's language (never a stack trace)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openseal.interfaces.api.problems import status_of
from openseal.interfaces.web.console.layout import Page, show
from openseal.interfaces.web.console.session import Redirect, Refused
from openseal.interfaces.web.i18n import language

ERROR = Page("console/error.html", "Something went wrong", "home#errors")
# Paths of the console (the public pages and the API answer their own way).
CONSOLE_PREFIXES = ("/login", "/logout", "/home", "/account", "/invitations/", "/help",
                    "/seals", "/requests", "/approvals", "/audit", "/grants", "/governance",
                    "/authorisations", "/reviews", "/register", "/organisation", "/admin/")


def is_console(path: str) -> bool:
    return path == "/" or path.startswith(CONSOLE_PREFIXES)


def console_error_page(request: Request, status: int, code: str, message: str,
                       headers: dict[str, str]) -> HTMLResponse | None:
    """The error page for a console path (None: not the console's)."""
    if not is_console(request.url.path):
        return None
    page = show(request, ERROR, status=status, code=code, message=message)
    page.headers.update(headers)
    return page


async def redirect(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Redirect)
    return RedirectResponse(exc.location, status_code=303)


async def refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    error = exc.error
    return show(request, ERROR, status=status_of(error), code=error.code,
                message=error.message(language(request)))
