"""What the web pages add to the application: the security headers on every HTML answer,
the static files (long-cached: their URLs carry a content hash), the console's routes and
its "log in first" redirect. ``install(app)`` is the one call app.py makes."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openseal.interfaces.web.rendering import STATIC, STATIC_PREFIX

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
       "base-uri 'none'; object-src 'none'")
PAGE_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "cross-origin-opener-policy": "same-origin",
    "cache-control": "no-store",
}
STATIC_CACHE = "public, max-age=31536000, immutable"


class PageHeaders:
    """Adds PAGE_HEADERS to every text/html response (keeping any a route set itself)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _with_page_headers(list(message.get("headers", [])))
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _with_page_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    names = {name.lower() for name, _ in headers}
    content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
    if not content_type.startswith(b"text/html"):
        return headers
    extra = [(k.encode(), v.encode()) for k, v in PAGE_HEADERS.items()
             if k.encode() not in names]
    return headers + extra


class CachedStatic(StaticFiles):
    """Static files for a year: every link to them carries the file's hash (``static()``)."""

    def file_response(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = STATIC_CACHE
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def install(app: FastAPI) -> None:
    """Mount the console and static files and add the page headers to ``app``."""
    from openseal.interfaces.web.console import routes

    app.add_middleware(PageHeaders)
    app.mount(STATIC_PREFIX, CachedStatic(directory=STATIC), name="static")
    routes.install(app)
