"""E1 concurrent_sealing: 20 concurrent sealers x 25 documents on the default SQLite (one
server), and on PostgreSQL with two `openseal serve` processes behind nginx, one of them
killed (SIGKILL) in the middle of the load.

Expected: every answer is a success or a clean 502/503 to retry (never a 500, never
"database is locked"); every acknowledged seal is in the registry and verifies VALID; one
successful ``seal.use`` audit entry per registry record; the audit chain verifies (linear: no
fork, no gap); the timestamp serials are unique across servers; p95 latency and the memory of
the surviving server are recorded."""

from __future__ import annotations

import hashlib
import io
import statistics
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from openseal.bootstrap import Wiring
from openseal.config import Settings
from openseal.core.verification import verify_pdf
from openseal.ops.audit_check import verify_instance_log
from tests.support.api import make_world
from tests.support.nginx import start_nginx
from tests.support.pdfs import reportlab_pdf
from tests.support.server import Server

SEALERS, DOCS = 20, 25
RETRYABLE = {502, 503}


def _sealer(url: str, secret: str, seal_id: str, n: int, results: list[tuple[int, float,
                                                                              bytes, str]],
            statuses: Counter[int]) -> None:
    with httpx.Client(base_url=url, timeout=120,
                      headers={"Authorization": f"Bearer {secret}"}) as http:
        for i in range(DOCS):
            pdf = reportlab_pdf(title=f"E1 {n}-{i}")
            for _attempt in range(5):
                started = time.monotonic()
                try:
                    answer = http.post("/api/v1/documents/seal", data={"seal_id": seal_id},
                                       files={"file": ("e1.pdf", pdf, "application/pdf")})
                except httpx.TransportError:
                    statuses[0] += 1
                    time.sleep(0.2)
                    continue
                statuses[answer.status_code] += 1
                if answer.status_code == 200:
                    results.append((n, time.monotonic() - started, answer.content,
                                    answer.headers["X-OpenSeal-Document-Id"]))
                    break
                assert answer.status_code in RETRYABLE, answer.text
                time.sleep(float(answer.headers.get("Retry-After", "0.2")))


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _tsa_serial(pdf: bytes) -> int:
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    token = signature.signer_info["unsigned_attrs"][0]["values"][0]
    return int(token["content"]["encap_content_info"]["content"].parsed["serial_number"].native)


@pytest.mark.parametrize("layout", ["sqlite-one-server", "postgresql-two-servers-nginx"])
def test_E1_concurrent_sealing(layout: str, tmp_path: Path,
                               request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("postgres_url") if layout.startswith("postgresql") else None
    world = make_world(tmp_path / "home", url)
    party = world.parties["A"]
    roots = world.wiring.run(lambda c: c.pki.trust_anchors())
    world.wiring.engine.dispose()
    servers = [Server(tmp_path / "home", url) for _ in range(1 if url is None else 2)]
    processes = [s.start() for s in servers]
    proxy = None
    try:
        target = servers[0].url
        if url is not None:
            proxy, target = start_nginx(tmp_path / "nginx", [s.port for s in servers])
        results: list[tuple[int, float, bytes, str]] = []
        statuses: Counter[int] = Counter()
        threads = [threading.Thread(target=_sealer, args=(target, party.client_secret,
                                                          party.seal_id, n, results, statuses))
                   for n in range(SEALERS)]
        for t in threads:
            t.start()
        survivor = processes[0].pid
        while len(results) < SEALERS * DOCS // 10:
            time.sleep(0.05)
        warm_rss = _rss_kib(survivor)
        if len(processes) == 2:
            while len(results) < SEALERS * DOCS * 2 // 5:
                time.sleep(0.05)
            processes[1].kill()  # one server dies in the middle of the load
        for t in threads:
            t.join()
        end_rss = _rss_kib(survivor)
    finally:
        for p in processes:
            p.kill()
        if proxy is not None:
            proxy.kill()

    assert len(results) == SEALERS * DOCS, statuses  # every document sealed in the end
    assert set(statuses) <= {200, 0, *RETRYABLE}, statuses  # no 500, no "database is locked"
    latencies = sorted(r[1] for r in results)
    p95 = latencies[int(len(latencies) * 0.95)]
    print(f"\nE1 {layout}: {len(results)} seals, p95 {p95:.3f} s, median "
          f"{statistics.median(latencies):.3f} s, statuses {dict(statuses)}, survivor RSS "
          f"{warm_rss} -> {end_rss} KiB")
    assert end_rss < warm_rss * 1.5, (warm_rss, end_rss)  # no leak (growth recorded above)

    check = Wiring(Settings(home=tmp_path / "home", database_url=url))
    try:
        registry = check.run(lambda c: {d.id: d.output_sha256 for d in
                                        c.repos.list_sealed_documents(party.org_id, 100_000)})
        total = check.run(lambda c: c.repos.count_sealed_documents())
        uses = check.run(lambda c: [e for e, _ in c.repos.list_audit(action="seal.use")
                                    if e.outcome == "success"])
        for _, _, pdf, doc_id in results:  # every acknowledged seal committed, these bytes
            assert registry[doc_id] == hashlib.sha256(pdf).hexdigest()
        assert len(uses) == total  # one audit entry per sealed document
        assert verify_instance_log(check).ok  # linear chain: no fork, no gap
    finally:
        check.engine.dispose()
    serials = [_tsa_serial(r[2]) for r in results]
    assert len(set(serials)) == len(serials)  # unique across servers
    for _, _, pdf, _ in results[:: 10]:
        assert verify_pdf(pdf, roots).verdict == "VALID"
