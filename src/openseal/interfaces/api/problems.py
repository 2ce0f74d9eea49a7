"""Errors over HTTP: RFC 9457 problem details with a stable ``code``, translated once here.

No response ever carries a stack trace; unexpected faults are logged and answered as
INTERNAL_ERROR.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from openseal.bootstrap import storage_failure
from openseal.core.accounts.throttle import TooManyRequests
from openseal.errors import (
    Conflict,
    IntegrityViolation,
    InvalidInput,
    NotFound,
    OpenSealError,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
)

PROBLEM = "application/problem+json"


class Problem(BaseModel):
    """RFC 9457 problem details, with OpenSeal's stable error ``code``."""

    model_config = ConfigDict(extra="allow")
    type: str = "about:blank"
    title: str
    status: int
    code: str
    detail: str


def _documented(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


# Declared on every operation, so the OpenAPI document says what errors look like.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _documented("Malformed request"), 401: _documented("Not logged in"),
    403: _documented("Forbidden"), 404: _documented("Not found"),
    405: _documented("Method not allowed"),
    409: _documented("Conflict"), 413: _documented("Upload too large"),
    415: _documented("Unsupported media type"), 422: _documented("Invalid input"),
    500: _documented("Internal error (never with a stack trace)"),
    429: _documented("Too many attempts; see Retry-After"),
    503: _documented("Unavailable (e.g. DATABASE_UNAVAILABLE); see Retry-After"),
    507: _documented("DISK_FULL: the server's disk is full; nothing was kept"),
}
# The one error -> HTTP status table of the API.
STATUS: dict[type[OpenSealError], int] = {
    InvalidInput: 422, NotFound: 404, Conflict: 409, PermissionDenied: 403,
    IntegrityViolation: 409, Unavailable: 503, Unauthenticated: 401, TooManyRequests: 429,
}
# Codes whose status is more specific than their kind's.
STATUS_BY_CODE = {"NOT_A_PDF": 415, "UPLOAD_TOO_LARGE": 413, "NOT_INITIALISED": 503,
                  "DISK_FULL": 507}


def language(request: Request) -> str:
    """``?lang=`` (the pages' switch) first, then the pages' ``lang`` cookie, then
    Accept-Language; Chinese by default."""
    accepted = (request.query_params.get("lang") or request.cookies.get("lang")
                or request.headers.get("accept-language", "zh")).lower()
    return "en" if accepted.startswith("en") else "zh"


def problem(status: int, code: str, message: str, headers: dict[str, str] | None = None,
            **extra: object) -> JSONResponse:
    body = {"type": "about:blank", "title": code, "status": status, "code": code,
            "detail": message, **extra}
    all_headers = {**({"Retry-After": "5"} if status == 503 else {}), **(headers or {})}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=all_headers)


def status_of(exc: OpenSealError) -> int:
    if exc.code in STATUS_BY_CODE:
        return STATUS_BY_CODE[exc.code]
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """The methods the OpenAPI document lists for ``path``: its literal template if there is
    one (``/seals/upload``), else every template it matches (``/seals/{seal_id}``)."""
    paths = app.openapi().get("paths", {})
    if path in paths:
        return sorted(m.upper() for m in paths[path])
    methods: set[str] = set()
    for template, item in paths.items():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            methods.update(m.upper() for m in item)
    return sorted(methods)


# The framework's own errors, said to a person on a page (the API keeps the framework's text).
HTTP_MESSAGES = {404: ("找不到该页面", "Page not found"),
                 405: ("此地址不能这样打开，请从页面上的按钮操作",
                       "This address cannot be opened this way: use the page's buttons")}


def _http_message(exc: StarletteHTTPException, lang: str) -> str:
    known = HTTP_MESSAGES.get(exc.status_code)
    return known[0 if lang == "zh" else 1] if known else str(exc.detail)


# Keys of an error's dict that are not extra members (or would clash with the problem's own).
_NOT_EXTRA = frozenset({"error", "kind", "message", "type", "title", "status", "code",
                        "detail"})


# A page's own error view: (request, status, code, message, headers) -> a response, or None
# when the request is not for a page (then the problem+json answer is given).
PageError = Callable[[Request, int, str, str, dict[str, str]], Response | None]


def install(app: FastAPI, page_error: PageError | None = None) -> None:
    def answer(request: Request, status: int, code: str, message: str,
               headers: dict[str, str] | None = None, **extra: object) -> Response:
        page = page_error(request, status, code, message, headers or {}) if page_error \
            else None
        return page or problem(status, code, message, headers, **extra)

    @app.exception_handler(OpenSealError)
    async def domain_error(request: Request, exc: OpenSealError) -> Response:
        extra = {k: v for k, v in exc.to_dict(language(request)).items()
                 if k not in _NOT_EXTRA}
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) \
            else None
        return answer(request, status_of(exc), exc.code, exc.message(language(request)),
                      headers, **extra)

    @app.exception_handler(SQLAlchemyError)
    @app.exception_handler(OSError)
    async def storage_error(request: Request, exc: Exception) -> Response:
        """What escaped a unit of work (no database at all, a full disk outside one)."""
        failure = storage_failure(exc)
        if failure is None:
            return await internal(request, exc)
        return await domain_error(request, failure)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        fields = [".".join(str(p) for p in e.get("loc", ())) for e in exc.errors()]
        zh = language(request) == "zh"
        return answer(request, 422, "REQUEST_INVALID",
                      "请求参数不正确" if zh else "Invalid request", fields=fields)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        failure = storage_failure(exc.__cause__) if exc.__cause__ is not None else None
        if failure is not None:  # the framework's 400 for an upload spooled to a full TMPDIR
            return await domain_error(request, failure)
        # Keep the framework's headers: RFC 9110 requires Allow on 405, listing every
        # method of the path (the framework names only the first route it matched).
        headers = dict(exc.headers or {})
        methods = allowed_methods(app, request.url.path) if exc.status_code == 405 else []
        if methods:  # else (a console path: not in the OpenAPI document) the framework's
            headers["Allow"] = ", ".join(methods)
        code = f"HTTP_{exc.status_code}"
        page = page_error(request, exc.status_code, code,
                          _http_message(exc, language(request)), headers) if page_error \
            else None
        return page or problem(exc.status_code, code, str(exc.detail), headers=headers)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        logging.getLogger("openseal.api").error("unhandled error", exc_info=exc)
        zh = language(request) == "zh"
        return problem(500, "INTERNAL_ERROR", "内部错误，操作未完成" if zh
                       else "Internal error; nothing was changed")
