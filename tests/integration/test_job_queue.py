"""Background work on a real queue (issue 10 item 7).

PostgreSQL: a batch job is a procrastinate job picked up by `openseal worker` processes. The
worker sealing it is killed with SIGKILL; another worker finds the job stalled (no heartbeat
for OPENSEAL_JOB_STALE_SECONDS), runs it again, and every document is sealed exactly once.
Periodic jobs run once per cron time however many workers there are. SQLite: the serving
process runs deferred and periodic jobs itself. Refusals: `openseal worker` on SQLite, an
unknown job name.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from openseal.ops.audit_check import verify_instance_log
from tests.support.api import World, make_world
from tests.support.pdfs import reportlab_pdf
from tests.support.server import Server
from tests.support.tools import require_tool

BATCHES = "/api/v1/batches"
DOCUMENTS = 40  # enough that the worker is still sealing when it is killed
STALE = "3"


def _env(world_home: Path, database_url: str | None, **extra: str) -> dict[str, str]:
    env = {**os.environ, "OPENSEAL_HOME": str(world_home), "OPENSEAL_LANG": "en",
           "OPENSEAL_JOB_STALE_SECONDS": STALE, **extra}
    env.pop("OPENSEAL_DATABASE_URL", None)
    if database_url:
        env["OPENSEAL_DATABASE_URL"] = database_url
    return env


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "openseal", "worker",
                                 "--concurrency", "1"], env=env, stdout=out,
                                stderr=subprocess.STDOUT)


def _batch(world: World) -> tuple[str, set[str]]:
    """A batch job of DOCUMENTS PDFs made through the API: its id and the PDFs' SHA-256."""
    party = world.parties["A"]
    client = world.bearer(party.client_secret)
    pdfs = [reportlab_pdf(title=f"合同 {n}") for n in range(DOCUMENTS)]
    files = [("files", (f"doc-{n:02d}.pdf", pdf, "application/pdf"))
             for n, pdf in enumerate(pdfs)]
    made = client.post(BATCHES, data={"seal_id": party.seal_id}, files=files)
    assert made.status_code == 202, made.text
    return str(made.json()["id"]), {hashlib.sha256(pdf).hexdigest() for pdf in pdfs}


def _counts(world: World, batch_id: str) -> dict[str, int]:
    with world.wiring.context() as c:
        return dict(c.repos.batch_counts(batch_id))


def _wait(condition: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def _queue_rows(url: str) -> list[tuple[str, str]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [(r[0], r[1]) for r in conn.execute(text(
                "SELECT task_name, status::text FROM procrastinate_jobs"))]
    finally:
        engine.dispose()


def test_a_batch_job_survives_its_worker_and_seals_each_document_once(
        tmp_path: Path, postgres_url: str) -> None:
    home = tmp_path / "home"
    world = make_world(home, postgres_url)
    with world.wiring.context() as c:
        sealed_before = c.repos.count_sealed_documents()
    batch_id, inputs = _batch(world)
    assert ("batch.seal", "todo") in _queue_rows(postgres_url)  # deferred, not run by the API
    env = _env(home, postgres_url)
    first = _worker(env, tmp_path / "worker-1.log")
    try:
        _wait(lambda: _counts(world, batch_id).get("sealed", 0) >= 1, 90,
              "the first worker never sealed: " + (tmp_path / "worker-1.log").read_text())
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    at_kill = _counts(world, batch_id).get("sealed", 0)
    assert at_kill < DOCUMENTS, "the worker finished before it could be killed"
    assert _counts(world, batch_id).get("queued", 0) > 0  # work left for the next worker
    second = _worker(env, tmp_path / "worker-2.log")
    try:
        _wait(lambda: _counts(world, batch_id).get("sealed", 0) == DOCUMENTS, 120,
              "the job was not taken up again: " + (tmp_path / "worker-2.log").read_text())
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    counts = _counts(world, batch_id)
    assert counts.get("error", 0) == 0 and counts.get("running", 0) == 0, counts
    log = (tmp_path / "worker-2.log").read_text()
    assert "lost its worker: queued again" in log  # the stalled job was retried ...
    uses = [e["details"]["input_sha256"] for e in world.audit("seal.use")  # type: ignore[index]
            if e["outcome"] == "success" and e["details"]["input_sha256"] in inputs]  # type: ignore[index]
    assert sorted(uses) == sorted(inputs)  # ... and each document sealed once
    with world.wiring.context() as c:
        assert c.repos.count_sealed_documents() == sealed_before + DOCUMENTS
    assert verify_instance_log(world.wiring).ok
    assert not [r for r in _queue_rows(postgres_url) if r[1] in ("todo", "doing")]


def test_periodic_jobs_run_once_per_time_across_workers(tmp_path: Path,
                                                        postgres_url: str) -> None:
    home, backups = tmp_path / "home", tmp_path / "backups"
    world = make_world(home, postgres_url)
    world.wiring.engine.dispose()
    env = _env(home, postgres_url, OPENSEAL_BACKUP_DIR=str(backups),
               OPENSEAL_BACKUP_CRON="* * * * * */4")  # every 4 seconds
    workers = [_worker(env, tmp_path / f"worker-{n}.log") for n in (1, 2)]
    started = time.monotonic()
    try:
        _wait(lambda: len(list(backups.glob("openseal-*.osbak"))) >= 2, 60,
              "no scheduled backups: " + (tmp_path / "worker-1.log").read_text())
        time.sleep(4)
    finally:
        for process in workers:
            process.send_signal(signal.SIGTERM)
        for process in workers:
            process.wait(30)
    window = time.monotonic() - started
    made = sorted(backups.glob("openseal-*.osbak"))
    ticks = int(window // 4) + 2  # the ticks in the window, the one before start deferred
    assert 2 <= len(made) <= ticks, (len(made), window)  # one per tick, not one per worker
    # each run is audited: as many runs as files (two runs in one second would share a name)
    assert len(world.audit("backup.create")) == len(made)
    assert all(p.stat().st_size > 0 for p in made)
    rows = _queue_rows(postgres_url)
    assert ("backup", "failed") not in rows


def test_on_sqlite_the_server_runs_the_jobs(tmp_path: Path) -> None:
    home, backups = tmp_path / "home", tmp_path / "backups"
    world = make_world(home)
    party = world.parties["A"]
    world.wiring.engine.dispose()
    server = Server(home, None)
    process = server.start(OPENSEAL_BACKUP_DIR=str(backups),
                           OPENSEAL_BACKUP_CRON="* * * * * */2")
    try:
        with httpx.Client(base_url=server.url, timeout=60,
                          headers={"Authorization": f"Bearer {party.client_secret}"}) as http:
            made = http.post(BATCHES, data={"seal_id": party.seal_id}, files=[
                ("files", ("a.pdf", reportlab_pdf(), "application/pdf"))])
            assert made.status_code == 202, made.text
            _wait(lambda: http.get(made.headers["Location"]).json()["status"] == "done", 60,
                  "the batch job did not run")
        _wait(lambda: any(backups.glob("openseal-*.osbak")), 30, "no scheduled backup")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "openseal", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_jobs_by_hand_and_refusals(tmp_path: Path) -> None:
    require_tool("openssl")
    home = tmp_path / "home"
    make_world(home).wiring.engine.dispose()
    env = _env(home, None)
    refused = _cli(env, "worker")
    assert refused.returncode != 0 and "needs PostgreSQL" in refused.stderr + refused.stdout
    assert "Traceback" not in refused.stderr
    unknown = _cli(env, "jobs", "run", "nope", "--json")
    assert unknown.returncode != 0 and json.loads(unknown.stdout)["error"] == "JOB_UNKNOWN"
    listed = json.loads(_cli(env, "jobs", "list", "--json").stdout)["jobs"]
    assert {j["name"] for j in listed} >= {"batch.seal", "audit.checkpoint", "crl.refresh",
                                           "archive.refresh", "backup"}
    done = _cli(env, "jobs", "run", "crl.refresh", "--json")
    assert done.returncode == 0, done.stderr
    crls = sorted((home / "crl").glob("*.crl"))
    assert len(crls) == json.loads(done.stdout)["crls"] >= 2
    for path in crls:  # openssl reads each as a CRL
        shown = subprocess.run(["openssl", "crl", "-inform", "DER", "-in", str(path),
                                "-noout", "-nextupdate"], capture_output=True, text=True)
        assert shown.returncode == 0 and "nextUpdate" in shown.stdout, shown.stderr
    skipped = json.loads(_cli(env, "jobs", "run", "backup", "--json").stdout)
    assert skipped["skipped"] == "OPENSEAL_BACKUP_DIR"
