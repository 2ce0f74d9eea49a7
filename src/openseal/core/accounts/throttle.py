"""Login throttling: growing delays after failed logins, never a lockout.

Design (C8):

* Two states are kept and both are checked before a password is even looked at: one per
  account (stops a distributed guess at one account) and one per client address (stops one
  address guessing across many accounts). Both are updated after a failure; a success resets
  the account state (and the address state of that address).
* Delays, not lockouts: after ``free_failures`` failures each further attempt must wait
  ``base_delay_s * 2**k`` seconds after the last failure, capped at ``max_delay_s``. An
  attacker can slow guessing to a few attempts an hour but can never lock an administrator
  out for good: after at most ``max_delay_s`` the account accepts an attempt again.
* The check happens before verification and applies to unknown accounts too (keyed by the
  name given), so timing and answers do not reveal which accounts exist.
* Everything here is pure: "now" is passed in from the injected Clock; storing the states
  (with an atomic increment) is the caller's business.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from openseal.errors import OpenSealError

_MAX_DOUBLINGS = 40  # beyond this the cap applies anyway; keeps 2**k small


class TooManyRequests(OpenSealError):
    """Too many attempts; ``retry_after`` says after how many seconds to try again."""

    kind = "too_many_requests"

    def __init__(self, code: str, zh: str, en: str, *, retry_after: int, **fields: Any) -> None:
        super().__init__(code, zh, en, retry_after=retry_after, **fields)
        self.retry_after = retry_after


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int = 5
    base_delay_s: float = 1
    max_delay_s: float = 900


@dataclass(frozen=True)
class ThrottleState:
    failures: int = 0
    last_failure: datetime | None = None


def login_delay(failures: int, policy: ThrottlePolicy = ThrottlePolicy()) -> timedelta:
    """How long after the last failure the next attempt must wait."""
    extra = failures - policy.free_failures
    if extra <= 0:
        return timedelta(0)
    seconds = policy.base_delay_s * 2 ** min(extra - 1, _MAX_DOUBLINGS)
    return timedelta(seconds=min(seconds, policy.max_delay_s))


def check_allowed(
    state: ThrottleState, now: datetime, policy: ThrottlePolicy = ThrottlePolicy()
) -> None:
    """Raise TooManyRequests LOGIN_THROTTLED while ``state`` still has to wait."""
    if state.last_failure is None:
        return
    wait = state.last_failure + login_delay(state.failures, policy) - now
    if wait > timedelta(0):
        retry_after = max(1, math.ceil(wait.total_seconds()))
        raise TooManyRequests(
            "LOGIN_THROTTLED", f"登录失败次数过多，请在 {retry_after} 秒后重试",
            f"too many failed logins; try again in {retry_after} seconds",
            retry_after=retry_after)


def after_failure(state: ThrottleState, now: datetime) -> ThrottleState:
    return ThrottleState(failures=state.failures + 1, last_failure=now)


def after_success() -> ThrottleState:
    return ThrottleState()
