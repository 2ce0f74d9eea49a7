"""Canonical bytes for the audit log: RFC 8785 JSON, and one fixed text form for times.

The same value always encodes to the same bytes, whatever the key order or the float
spelling it came with, so a leaf hash can be recomputed from an export by anyone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import rfc8785

_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")

CanonicalizationError = rfc8785.CanonicalizationError


def canonical_json(value: Any) -> bytes:
    """RFC 8785 (JCS) encoding of ``value``.

    Raises ``CanonicalizationError`` (a ValueError) for what JCS cannot encode: a non-string
    key, NaN or an infinity, an integer beyond +-(2**53 - 1), or a non-JSON type.
    """
    return rfc8785.dumps(value)


def format_time(moment: datetime) -> str:
    """``moment`` in UTC as "YYYY-MM-DDTHH:MM:SS.ffffffZ". Raises ValueError if naive."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("an audit time must be timezone-aware")
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="microseconds") + "Z"


def parse_time(text: str) -> datetime:
    """The inverse of ``format_time``: only that exact form. Raises ValueError otherwise."""
    if not isinstance(text, str) or not _TIME.fullmatch(text):
        raise ValueError(f"not an audit time: {text!r}")
    return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)


__all__ = ["CanonicalizationError", "canonical_json", "format_time", "parse_time"]
