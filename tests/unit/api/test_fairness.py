"""The verification quota per client address: requests and bytes per minute, verifications
in flight; another address is never affected."""

from __future__ import annotations

import pytest

from openseal.core.accounts.throttle import TooManyRequests
from openseal.interfaces.api.fairness import MIB, Quota, VerifyGate


def test_requests_per_minute_then_429_for_that_address_only() -> None:
    gate = VerifyGate(Quota(requests_per_minute=3, bytes_per_minute=100 * MIB))
    for _ in range(3):
        with gate.admit("a", 1000):
            pass
    with pytest.raises(TooManyRequests) as caught, gate.admit("a", 1000):
        pass
    assert caught.value.code == "VERIFY_QUOTA" and caught.value.retry_after >= 1
    with gate.admit("b", 1000):
        pass


def test_bytes_per_minute() -> None:
    gate = VerifyGate(Quota(requests_per_minute=100, bytes_per_minute=10 * MIB))
    with gate.admit("a", 8 * MIB):
        pass
    with pytest.raises(TooManyRequests), gate.admit("a", 8 * MIB):
        pass


def test_in_flight_per_address() -> None:
    gate = VerifyGate(Quota(in_flight=1))
    with gate.admit("a", 10):
        with pytest.raises(TooManyRequests), gate.admit("a", 10):
            pass
        with gate.admit("b", 10):
            pass
    with gate.admit("a", 10):  # released
        pass
