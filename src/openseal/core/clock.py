"""Time comes in as a parameter: a Clock is injected wherever "now" matters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class FixedClock:
    """A clock that always says the same instant (for tests and reproducible runs)."""

    instant: datetime

    def now(self) -> datetime:
        return self.instant
