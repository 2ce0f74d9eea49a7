"""The validation time a caller asks for ("verify as of"), from its ISO 8601 text."""

from __future__ import annotations

from datetime import UTC, datetime

from openseal.errors import InvalidInput


def validation_time(text: str) -> datetime:
    """``2036-01-01T00:00:00Z`` (or with an offset; a date, or no zone, means UTC) as an
    aware datetime. Raises InvalidInput ``VALIDATION_TIME`` for anything else."""
    try:
        moment = datetime.fromisoformat(text.strip().upper())
    except ValueError:
        raise InvalidInput("VALIDATION_TIME",
                           "验证时间格式应为 ISO 8601，例如 2036-01-01T00:00:00Z",
                           "The validation time is ISO 8601, e.g. 2036-01-01T00:00:00Z",
                           field="at", value=text) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
