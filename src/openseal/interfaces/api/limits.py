"""A cap on every request body, enforced while it streams in (ACCEPTANCE B5).

A body declared larger than the cap (``Content-Length``) is refused before any of it is
read; a body that turns out larger (chunked, or a lying ``Content-Length``) is refused the
moment it passes the cap. Either way the answer is 413 ``UPLOAD_TOO_LARGE`` and the app sees
a disconnected client, so nothing partial is parsed, spooled further or stored.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MULTIPART_OVERHEAD = 1024 * 1024


class BodyLimit:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            await _reject(scope, send, self.limit)
            return
        await _Guard(self.app, self.limit, scope, receive, send).run()


class _Guard:
    def __init__(self, app: ASGIApp, limit: int, scope: Scope, receive: Receive,
                 send: Send) -> None:
        self.app, self.limit, self.scope = app, limit, scope
        self._receive, self._send = receive, send
        self.received = 0
        self.started = False
        self.rejected = False

    async def run(self) -> None:
        await self.app(self.scope, self.receive, self.send)

    async def receive(self) -> Message:
        if self.rejected:
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit and not self.started:
                self.rejected = True
                await _reject(self.scope, self._send, self.limit)
                return {"type": "http.disconnect"}
        return message

    async def send(self, message: Message) -> None:
        if self.rejected:
            return  # the 413 went out already; whatever the app says now is moot
        self.started = True
        await self._send(message)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _english(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"accept-language":
            return bytes(value).lower().startswith(b"en")
    return False


async def _reject(scope: Scope, send: Send, limit: int) -> None:
    mib = f"{limit / (1024 * 1024):g}"
    detail = (f"The request body exceeds the {mib} MiB limit" if _english(scope)
              else f"请求内容超过 {mib} MiB 上限")
    body: dict[str, Any] = {"type": "about:blank", "title": "UPLOAD_TOO_LARGE", "status": 413,
                            "code": "UPLOAD_TOO_LARGE", "detail": detail, "field": "file"}
    payload = json.dumps(body, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": 413, "headers": [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(payload)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": payload})
