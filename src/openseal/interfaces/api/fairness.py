"""Fair sharing of public verification (``/verify`` and ``POST /api/v1/verify``).

Verifying is free and needs no account, so one client must not starve the others. Each
client address gets a quota: requests and uploaded bytes per minute (token buckets) and a
few verifications in flight at once; over it, 429 with ``Retry-After`` before any work is
done. All clients together run at most ``slots`` verifications at a time; a request waits
for a slot, never longer than ``wait_seconds`` (then 503 with ``Retry-After``). Behind a
reverse proxy, run the server with uvicorn's ``--forwarded-allow-ips`` so the address is the
client's, not the proxy's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from openseal.core.accounts.throttle import TooManyRequests
from openseal.errors import Unavailable

MIB = 1024 * 1024


@dataclass(frozen=True)
class Quota:
    requests_per_minute: float = 30
    bytes_per_minute: float = 200 * MIB
    in_flight: int = 2
    slots: int = 4
    wait_seconds: float = 30


@dataclass
class _Bucket:
    requests: float
    bytes: float
    stamp: float
    in_flight: int = 0


@dataclass
class VerifyGate:
    quota: Quota = Quota()
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _slots: threading.BoundedSemaphore | None = None

    def __post_init__(self) -> None:
        self._slots = threading.BoundedSemaphore(self.quota.slots)

    @contextmanager
    def admit(self, address: str, size: int) -> Iterator[None]:
        """Hold one verification of ``size`` bytes for ``address``: 429 when over its
        quota, 503 when no slot frees in time."""
        self._take(address, size)
        try:
            assert self._slots is not None
            if not self._slots.acquire(timeout=self.quota.wait_seconds):
                raise Unavailable("VERIFY_BUSY", "验证服务繁忙，请稍后再试",
                                  "Verification is busy; try again shortly")
            try:
                yield
            finally:
                self._slots.release()
        finally:
            with self._lock:
                self._buckets[address].in_flight -= 1

    def _take(self, address: str, size: int) -> None:
        q = self.quota
        now = time.monotonic()
        with self._lock:
            b = self._buckets.get(address) or _Bucket(q.requests_per_minute,
                                                      q.bytes_per_minute, now)
            self._buckets[address] = b
            elapsed = (now - b.stamp) / 60
            b.requests = min(q.requests_per_minute, b.requests + elapsed * q.requests_per_minute)
            b.bytes = min(q.bytes_per_minute, b.bytes + elapsed * q.bytes_per_minute)
            b.stamp = now
            short = _short_of(b, q, size)
            if short is not None:
                raise TooManyRequests(
                    "VERIFY_QUOTA", "验证请求过于频繁或文件过多，请稍后再试",
                    "Too many verifications from your address; try again shortly",
                    retry_after=short)
            b.requests -= 1
            b.bytes -= size
            b.in_flight += 1
            if len(self._buckets) > 10_000:
                self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, v in self._buckets.items()
                    if v.in_flight == 0 and now - v.stamp > 120]:
            del self._buckets[key]


def _short_of(b: _Bucket, q: Quota, size: int) -> int | None:
    """Seconds until the bucket allows this request, or None if it does now."""
    if b.in_flight >= q.in_flight:
        return 5
    if b.requests < 1:
        return max(1, int((1 - b.requests) * 60 / q.requests_per_minute) + 1)
    need = min(size, q.bytes_per_minute)
    if b.bytes < need:
        return max(1, int((need - b.bytes) * 60 / q.bytes_per_minute) + 1)
    return None
