"""Login throttling: growing, capped delays; success resets; never a lockout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from openseal.core.accounts.throttle import (
    ThrottlePolicy,
    ThrottleState,
    TooManyRequests,
    after_failure,
    after_success,
    check_allowed,
    login_delay,
)

NOW = datetime(2025, 3, 1, 8, 0, 0, tzinfo=UTC)
POLICY = ThrottlePolicy()


def test_delays_start_after_the_free_failures_then_double_and_cap() -> None:
    delays = [login_delay(n, POLICY).total_seconds() for n in range(0, 20)]
    assert delays[:6] == [0] * 6
    assert delays[6:12] == [1, 2, 4, 8, 16, 32]
    assert all(a <= b for a, b in zip(delays, delays[1:], strict=False))
    assert delays[-1] == 900
    assert login_delay(10_000, POLICY) == timedelta(seconds=900)


def test_free_failures_are_allowed_immediately() -> None:
    state = ThrottleState()
    for _ in range(POLICY.free_failures):
        check_allowed(state, NOW, POLICY)
        state = after_failure(state, NOW)
    check_allowed(state, NOW, POLICY)


def test_after_too_many_failures_the_next_attempt_must_wait() -> None:
    state = ThrottleState()
    for _ in range(POLICY.free_failures + 3):
        state = after_failure(state, NOW)
    with pytest.raises(TooManyRequests) as caught:
        check_allowed(state, NOW + timedelta(seconds=1), POLICY)
    error = caught.value
    assert error.code == "LOGIN_THROTTLED" and error.kind == "too_many_requests"
    assert error.retry_after == 3 and error.to_dict("en")["retry_after"] == 3
    assert error.zh and error.en
    check_allowed(state, NOW + timedelta(seconds=4), POLICY)


def test_never_a_lockout_the_cap_always_expires() -> None:
    state = ThrottleState()
    for _ in range(1000):
        state = after_failure(state, NOW)
    with pytest.raises(TooManyRequests) as caught:
        check_allowed(state, NOW + timedelta(seconds=899), POLICY)
    assert caught.value.retry_after == 1
    check_allowed(state, NOW + timedelta(seconds=900), POLICY)


def test_success_resets() -> None:
    state = ThrottleState()
    for _ in range(20):
        state = after_failure(state, NOW)
    assert after_success() == ThrottleState(0, None)
    check_allowed(after_success(), NOW, POLICY)
    assert login_delay(after_failure(after_success(), NOW).failures, POLICY) == timedelta(0)


def test_a_custom_policy() -> None:
    policy = ThrottlePolicy(free_failures=0, base_delay_s=2, max_delay_s=5)
    assert [login_delay(n, policy).total_seconds() for n in range(5)] == [0, 2, 4, 5, 5]
