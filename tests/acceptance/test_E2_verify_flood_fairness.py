"""E2 verify_flood_fairness: one client floods the public verification with 20 MB PDFs while
others verify normally. The flooder's quota engages (429 with Retry-After, before its files
are verified); the others are all served, none refused, none starved.

One server app, clients told apart by address (as uvicorn reports them, behind a proxy with
``--forwarded-allow-ips``). The bound on the others' p95 is generous on purpose: it catches
starvation (waiting behind the flood), not speed, which lives in the benchmarks."""

from __future__ import annotations

import statistics
import threading
import time

import httpx
from fastapi.testclient import TestClient

from openseal.interfaces.api.app import create_app
from tests.acceptance import api_world
from tests.support.api import BASE, World
from tests.support.approvals import contract, seal_with

world = api_world.world  # the fixture each test takes (sqlite, postgresql)
FLOOD_REQUESTS = 16
FLOOD_MB = 20
NORMAL_REQUESTS = 8
P95_BOUND_SECONDS = 30.0


def _verify(http: TestClient, data: bytes) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    answer = http.post("/api/v1/verify", files={"file": ("doc.pdf", data, "application/pdf")})
    return answer, time.monotonic() - started


def test_E2_verify_flood_fairness(world: World) -> None:
    a = world.parties["A"]
    sealed = seal_with(world.login(a.member), a.seal_id, contract("E2")).content
    big = sealed + b"%" + b"x" * (FLOOD_MB * 1024 * 1024)  # 20 MB: verified, then flagged
    app = create_app(world.wiring)
    flood: list[httpx.Response] = []
    normal: list[tuple[httpx.Response, float]] = []

    def flooder() -> None:
        http = TestClient(app, base_url=BASE, client=("203.0.113.9", 40000),
                          raise_server_exceptions=False)
        flood.append(_verify(http, big)[0])

    def other(n: int) -> None:
        http = TestClient(app, base_url=BASE, client=(f"198.51.100.{n}", 40000),
                          raise_server_exceptions=False)
        normal.append(_verify(http, sealed))

    threads = [threading.Thread(target=flooder) for _ in range(FLOOD_REQUESTS)]
    threads += [threading.Thread(target=other, args=(n % 4,)) for n in range(NORMAL_REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)

    limited = [r for r in flood if r.status_code == 429]
    assert limited, [r.status_code for r in flood]
    assert all(r.json()["code"] == "VERIFY_QUOTA" and int(r.headers["Retry-After"]) >= 1
               for r in limited)
    assert {r.status_code for r in flood} <= {200, 429}
    assert [r.status_code for r, _ in normal] == [200] * NORMAL_REQUESTS
    assert all(r.json()["verdict"] == "VALID" for r, _ in normal)
    times = sorted(t for _, t in normal)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    assert p95 < P95_BOUND_SECONDS, (p95, statistics.mean(times))
