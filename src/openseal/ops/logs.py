"""Structured logs: one JSON object per line (structlog over the standard library), with
the request id of the request being served, and secrets scrubbed before anything is written.

Scrubbed: values under any key naming a secret (password, passphrase, secret, token, pin,
totp, otp, private key, authorization, cookie, master key ...), PEM private keys, bearer
credentials, OpenSeal API secrets and session tokens anywhere in a message, and the values
of ``OPENSEAL_MASTER_KEY`` / ``OPENSEAL_PKCS11_PIN`` when they appear in a line. What a
request did is logged by route template (``/invitations/{token}``), never by raw path.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog

from openseal.core.audit.sanitize import is_secret_key

REDACTED = "[redacted]"
_PATTERNS = (
    re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?-----END [A-Z0-9 ]*PRIVATE KEY-----",
               re.S),
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"\bos[a-z]?_[A-Za-z0-9_-]{16,}"),  # OpenSeal tokens and client secrets
    re.compile(r"(?i)\b(password|passphrase|secret|token|pin|totp|otp|code)(\"?\s*[=:]\s*\"?)"
               r"[^\s\"',;&]+"),
)
_ENV_SECRETS = ("OPENSEAL_MASTER_KEY", "OPENSEAL_PKCS11_PIN")


def scrub_text(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(_replacement, text)
    for name in _ENV_SECRETS:
        value = os.environ.get(name)
        if value and len(value) >= 4:
            text = text.replace(value, REDACTED)
    return text


def scrub(value: Any, depth: int = 0) -> Any:
    if depth > 8:
        return REDACTED
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, Mapping):
        return {k: REDACTED if isinstance(k, str) and _secret_key(k) else scrub(v, depth + 1)
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v, depth + 1) for v in value]
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes>"
    return value


def configure_logging(level: str | None = None, stream: Any = None) -> None:
    """Route every standard-library logger (ours, uvicorn's, libraries') through structlog's
    JSON renderer on ``stream`` (stderr by default)."""
    chain = [structlog.contextvars.merge_contextvars, structlog.stdlib.ExtraAdder(),
             structlog.stdlib.add_log_level, structlog.stdlib.add_logger_name,
             structlog.processors.TimeStamper(fmt="iso", utc=True)]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=chain,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info, _scrub_event,
                    structlog.processors.JSONRenderer(ensure_ascii=False)])
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level or os.environ.get("OPENSEAL_LOG_LEVEL", "INFO").upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # our access line has the route
    logging.getLogger("alembic").setLevel(logging.WARNING)  # /readyz checks the schema


def route_structlog_to_logging() -> None:
    """structlog loggers hand their events to the standard library, which decides where
    (and whether) they are written: JSON on stderr under ``openseal serve``, nowhere in a
    library or test that configured nothing."""
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars,
                    structlog.stdlib.render_to_log_kwargs],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger, cache_logger_on_first_use=True)


route_structlog_to_logging()


def _scrub_event(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> Any:
    event.pop("color_message", None)  # uvicorn's ANSI-coloured copy of the message
    return scrub(dict(event))


def _secret_key(key: str) -> bool:
    flat = key.lower().replace("-", "_")
    return is_secret_key(key) or flat in {"authorization", "cookie", "set_cookie", "pin",
                                          "master_key", "passphrase", "x_api_key"}


def _replacement(match: re.Match[str]) -> str:
    if match.re is _PATTERNS[3]:
        return f"{match.group(1)}{match.group(2)}{REDACTED}"
    if match.re is _PATTERNS[1]:
        return f"{match.group(1)} {REDACTED}"
    return REDACTED
