"""Every request gets a request id (``X-Request-ID``: the caller's, when it is a plain token
of at most 64 characters, else a new one), carried by every log line written while it is
served and echoed in the answer; one structured log line per request (route template, not
the raw path, so tokens in paths stay out of the logs); and the latency histograms."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog

import openseal.ops.logs  # noqa: F401 - structlog -> logging
from openseal.ops.metrics.instruments import HTTP_SECONDS, SEALING_SECONDS

SEALING_ROUTE = "/api/v1/documents/seal"
_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_log = structlog.get_logger("openseal.http")


class Observability:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        seen: dict[str, Any] = {"status": 500, "type": b""}

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
                headers = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
                seen["type"] = dict(headers).get(b"content-type", b"")
                message = {**message, "headers": headers}
            await send(message)

        started = time.perf_counter()
        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, sending)
            finally:
                _observe(scope, seen, time.perf_counter() - started)


def _request_id(scope: dict[str, Any]) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if _ID.fullmatch(text):
                return text
    return uuid.uuid4().hex


def _observe(scope: dict[str, Any], seen: dict[str, Any], seconds: float) -> None:
    route = getattr(scope.get("route"), "path", None) or "(unmatched)"
    status = int(seen["status"])
    HTTP_SECONDS.labels(route, scope["method"], f"{status // 100}xx").observe(seconds)
    if route == SEALING_ROUTE and status == 200:
        kind = "ofd" if b"ofd" in seen["type"] else "pdf"
        SEALING_SECONDS.labels(kind).observe(seconds)
    _log.info("request", method=scope["method"], route=route, status=status,
              ms=round(seconds * 1000, 1))
