"""Batch sealing as an API job (issue 7): POST /api/v1/batches, the status, summary.csv and
result.zip; each document sealed as the caller (grant spent, ``seal.use`` audited), exactly
once, also when a runner is killed -9 in the middle of a sealing transaction (SQLite and
PostgreSQL); and the refusals: no grant, another organisation, too many or too large files,
the result before the job is done."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import signal
import subprocess
import sys
import textwrap
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from openseal.bootstrap import Wiring
from openseal.core.batches.work import claim_next, seal_item
from openseal.core.signing.service import SealerCache
from openseal.interfaces.api.app import create_app
from openseal.interfaces.api.job_queue import jobs_of
from openseal.ops.jobs.batch_sealing import BatchSealing
from tests.acceptance import api_world
from tests.support.api import BASE, PASSWORD, World, invite
from tests.support.batch_jobs import BATCHES, wait_done
from tests.support.pdfs import reportlab_pdf
from tests.support.tools import require_tool

world = api_world.world
SQLITE = pytest.mark.parametrize("world", ["sqlite"], indirect=True)
PDF = "application/pdf"
NOW = timedelta(0)  # a runner for which every claim is stale (its runner died)
ROOT = Path(__file__).resolve().parents[2]


def pdfs(*titles: str) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (f"{t}.pdf", reportlab_pdf(title=f"批量 {t}"), PDF)) for t in titles]


def paused(http: TestClient) -> TestClient:
    """``http`` whose app's own runner never starts: the test runs the documents itself."""
    jobs_of(http.app).stop()  # type: ignore[arg-type]
    return http


def state(world: World) -> tuple[int, int, list[str]]:
    """(batch jobs, batch items, files in the document store)."""
    with world.wiring.engine.connect() as conn:
        jobs = conn.exec_driver_sql("SELECT COUNT(*) FROM batch_jobs").scalar_one()
        items = conn.exec_driver_sql("SELECT COUNT(*) FROM batch_items").scalar_one()
    store = world.wiring.settings.home / "documents"
    return jobs, items, sorted(str(p) for p in store.rglob("*") if p.is_file())


def seal_uses(world: World, outcome: str = "success") -> list[dict[str, Any]]:
    return [dict(e["details"]) for e in world.audit("seal.use")  # type: ignore[call-overload]
            if e["outcome"] == outcome]


@SQLITE
def test_job_seals_each_document_once_as_the_caller(world: World, tmp_path: Path) -> None:
    a = world.parties["A"]
    member = paused(world.login(a.member))
    files = pdfs("甲", "=HYPERLINK") + [("files", ("notes.pdf", b"just text", PDF))]
    files[1], files[2] = files[2], files[1]  # the non-PDF in the middle
    made = member.post(BATCHES, data={"seal_id": a.seal_id, "reason": "批量"}, files=files)
    assert made.status_code == 202, made.text
    job = made.json()
    assert made.headers["Location"] == f"{BATCHES}/{job['id']}"
    assert (job["status"], job["total"], job["created_by"]) == ("queued", 3, "user:member-a")
    assert job["counts"] == {"queued": 3, "running": 0, "sealed": 0, "error": 0}
    early = member.get(f"{BATCHES}/{job['id']}/result.zip")
    assert early.status_code == 409 and early.json()["code"] == "BATCH_NOT_DONE"

    before = len(seal_uses(world))
    runner = BatchSealing(world.wiring, SealerCache())
    assert runner.step()  # one document: the job is running
    running = member.get(f"{BATCHES}/{job['id']}").json()
    assert running["status"] == "running" and running["counts"]["sealed"] == 1
    assert runner.run_until_idle() == 2 and not runner.step()
    done = wait_done(member, job["id"], seconds=1)
    assert done["counts"] == {"queued": 0, "running": 0, "sealed": 2, "error": 1}
    assert done["finished_at"] and done["rate"] > 0
    bad = done["items"][1]
    assert (bad["file"], bad["status"], bad["error"]["code"]) == ("notes.pdf", "error",
                                                                   "NOT_A_PDF")
    assert bad["error"]["zh"] and bad["error"]["en"] and bad["document_id"] is None

    uses = seal_uses(world)[before:]
    sealed = {i["document_id"] for i in done["items"] if i["status"] == "sealed"}
    assert len(uses) == 2 and {u["document"] for u in uses} == sealed
    assert {u["grant"] for u in uses} == {a.grant_id}  # the member's grant, spent twice
    refused = [u for u in seal_uses(world, "refused") if u.get("batch") == job["id"]]
    assert [(u["file"], u["error"]) for u in refused] == [("notes.pdf", "NOT_A_PDF")]
    assert member.get(BATCHES).json()[0]["id"] == job["id"]  # newest first

    _check_summary(member.get(f"{BATCHES}/{job['id']}/summary.csv"), done)
    _check_zip(member.get(f"{BATCHES}/{job['id']}/result.zip"), done, tmp_path)


def _check_summary(answer: Any, done: dict[str, Any]) -> None:
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0] == ["file", "status", "document_id", "sha256_in", "sha256_out", "error"]
    assert [r[:2] for r in rows[1:]] == [["甲.pdf", "sealed"], ["notes.pdf", "error"],
                                         ["'=HYPERLINK.pdf", "sealed"]]  # formula defused
    assert rows[2][5] == "NOT_A_PDF" and rows[3][4] == done["items"][2]["sha256_out"]


def _check_zip(answer: Any, done: dict[str, Any], tmp_path: Path) -> None:
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    assert sorted(archive.namelist()) == ["=HYPERLINK.pdf", "summary.json", "甲.pdf"]
    for item in done["items"]:
        if item["status"] == "sealed":
            data = archive.read(item["file"])
            assert hashlib.sha256(data).hexdigest() == item["sha256_out"]
    out = tmp_path / "sealed.pdf"
    out.write_bytes(archive.read("甲.pdf"))
    said = subprocess.run([require_tool("pdfsig"), str(out)], capture_output=True, text=True,
                          timeout=60).stdout
    assert "Signature Validation: Signature is Valid." in said, said
    assert '"failed": 1' in archive.read("summary.json").decode()


@SQLITE
def test_who_may_read_a_job(world: World) -> None:
    a, b = world.parties["A"], world.parties["B"]
    paths = [f"{BATCHES}/{a.batch_id}{end}" for end in ("", "/summary.csv", "/result.zip")]
    for http in (world.login(b.member), world.login(b.admin), world.bearer(b.client_secret)):
        for path in paths:
            answer = http.get(path)
            assert answer.status_code == 404, f"{path}: {answer.text}"
            assert answer.json()["code"] == "BATCH_NOT_FOUND"
        assert a.batch_id not in http.get(BATCHES).text
    custodian, admin = world.login(a.custodian), world.login(a.admin)
    denied = custodian.get(paths[0])  # same organisation, not a reader
    assert denied.status_code == 403 and denied.json()["code"] == "BATCH_FORBIDDEN"
    assert custodian.get(BATCHES).json() == []
    assert admin.get(paths[1]).status_code == 200
    assert admin.get(BATCHES).json()[0]["id"] == a.batch_id
    creator = world.bearer(a.client_secret)  # the API client made it (scope documents:seal)
    assert creator.get(paths[2]).status_code == 200
    assert creator.get(paths[0]).json()["created_by"] == "client:ERP A"


@SQLITE
def test_refused_jobs_store_nothing(world: World) -> None:
    a, b = world.parties["A"], world.parties["B"]
    admin = world.login(a.admin)
    outsider, _ = invite(world, admin, "no-grant", "seal_user")  # seal user without grant
    before = state(world)
    cases = [(world.login("no-grant"), a.seal_id, 403, "GRANT_REQUIRED"),
             (admin, a.seal_id, 403, "FORBIDDEN"),  # no seals:use at all
             (world.login(a.member), b.seal_id, 404, "SEAL_NOT_FOUND")]
    for http, seal_id, status, code in cases:
        answer = http.post(BATCHES, data={"seal_id": seal_id}, files=pdfs("x"))
        assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text
    member = world.login(a.member)
    many = [("files", (f"{n}.pdf", b"%PDF-1.4", PDF)) for n in range(201)]
    answer = member.post(BATCHES, data={"seal_id": a.seal_id}, files=many)
    assert (answer.status_code, answer.json()["code"]) == (422, "BATCH_FILES")
    bad_level = member.post(BATCHES, data={"seal_id": a.seal_id, "level": "B-B"},
                            files=pdfs("y"))
    assert bad_level.status_code == 422, bad_level.text
    none = member.post(BATCHES, data={"seal_id": a.seal_id})
    assert none.status_code == 422
    assert state(world) == before
    assert outsider


@SQLITE
def test_a_file_over_the_upload_limit_refuses_the_job(world: World) -> None:
    a = world.parties["A"]
    settings = world.wiring.settings.model_copy(update={"max_upload_bytes": 40_000})
    small = TestClient(create_app(Wiring(settings, clock=world.clock)), base_url=BASE)
    login = small.post("/api/v1/auth/login", json={"username": a.member, "password": PASSWORD})
    small.headers["X-CSRF-Token"] = login.json()["csrf_token"]
    before = state(world)
    big = ("files", ("big.pdf", reportlab_pdf() + b"%" * 50_000, PDF))
    answer = small.post(BATCHES, data={"seal_id": a.seal_id}, files=[*pdfs("ok"), big])
    assert (answer.status_code, answer.json()["code"]) == (413, "UPLOAD_TOO_LARGE")
    assert state(world) == before
    small.app.state.wiring.engine.dispose()  # type: ignore[attr-defined]


@SQLITE
def test_revoked_grant_mid_job_fails_the_rest(world: World) -> None:
    a = world.parties["A"]
    member = paused(world.login(a.member))
    made = member.post(BATCHES, data={"seal_id": a.seal_id}, files=pdfs("一", "二"))
    runner = BatchSealing(world.wiring, SealerCache())
    assert runner.step()
    revoked = world.login(a.custodian).post(f"/api/v1/grants/{a.grant_id}/revoke",
                                            json={"reason": "离职 / left"})
    assert revoked.status_code == 200, revoked.text
    assert runner.run_until_idle() == 1
    items = wait_done(member, made.json()["id"], seconds=1)["items"]
    assert [i["status"] for i in items] == ["sealed", "error"]
    assert items[1]["error"]["code"] == "GRANT_REQUIRED"


KILLED_RUNNER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from openseal.bootstrap import Wiring
    from openseal.config import Settings
    from openseal.core.batches.work import claim_next, seal_item
    from openseal.core.signing.service import SealerCache

    home, url = Path(sys.argv[1]), sys.argv[2] or None
    w = Wiring(Settings(home=home, database_url=url, audit_checkpoint_every=10_000))
    with w.context() as c:
        item, claim = claim_next(c.repos, c.clock.now(), c.clock.now())
    with w.context() as c:
        job = c.repos.get_batch(item.batch_id)
        seal_item(c.repos, c.pki, c.keystore, c.clock, SealerCache(), c.documents, job,
                  item, claim, audit=c.audit)
        print(item.id, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)  # sealed, stored, recorded: not committed
""")


def test_killed_runner_then_resume_seals_each_exactly_once(world: World) -> None:
    a = world.parties["A"]
    member = paused(world.login(a.member))
    made = member.post(BATCHES, data={"seal_id": a.seal_id}, files=pdfs("k1", "k2", "k3"))
    assert made.status_code == 202, made.text
    settings = world.wiring.settings
    killed = subprocess.run([sys.executable, "-c", KILLED_RUNNER, str(settings.home),
                             settings.database_url or ""], capture_output=True, text=True,
                            timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    job = member.get(f"{BATCHES}/{made.json()['id']}").json()
    assert job["counts"] == {"queued": 2, "running": 1, "sealed": 0, "error": 0}
    assert job["items"][0]["document_id"] is None  # the killed transaction left nothing

    live = BatchSealing(world.wiring, SealerCache())  # the claim is fresh: not retaken
    assert live.run_until_idle() == 2
    assert live.step() is False
    assert BatchSealing(world.wiring, SealerCache(), stale_after=NOW).run_until_idle() == 1
    done = wait_done(member, made.json()["id"], seconds=1)
    assert [i["status"] for i in done["items"]] == ["sealed"] * 3
    inputs = {i["sha256_in"] for i in done["items"]}
    uses = [u for u in seal_uses(world) if u["input_sha256"] in inputs]
    assert sorted(u["input_sha256"] for u in uses) == sorted(inputs)  # once each
    with world.wiring.context() as c:
        records = [d for d in c.repos.list_sealed_documents(a.org_id, 1000)
                   if d.input_sha256 in inputs]
    assert len(records) == 3


def test_a_retaken_claim_cannot_commit(world: World) -> None:
    """Two runners: the first is too slow, its claim goes stale and is retaken; the second
    seals and commits; the first's transaction then fails and leaves nothing."""
    a = world.parties["A"]
    member = paused(world.login(a.member))
    made = member.post(BATCHES, data={"seal_id": a.seal_id}, files=pdfs("slow"))
    w, cache = world.wiring, SealerCache()
    with w.context() as c:
        claimed = claim_next(c.repos, c.clock.now(), c.clock.now())
    assert claimed is not None
    assert BatchSealing(w, cache, stale_after=NOW).run_until_idle() == 1
    with pytest.raises(Exception) as lost, w.context() as c:
        job = c.repos.get_batch(claimed[0].batch_id)
        assert job is not None
        seal_item(c.repos, c.pki, c.keystore, c.clock, cache, c.documents, job,
                  claimed[0], claimed[1], audit=c.audit)
    assert getattr(lost.value, "code", None) == "BATCH_CLAIM_LOST"
    done = wait_done(member, made.json()["id"], seconds=1)
    sha = done["items"][0]["sha256_in"]
    assert [u["input_sha256"] for u in seal_uses(world)].count(sha) == 1


@SQLITE
def test_a_starting_server_resumes_queued_jobs(world: World) -> None:
    a = world.parties["A"]
    client = paused(world.bearer(a.client_secret))  # this "server" stops before sealing
    made = client.post(BATCHES, data={"seal_id": a.seal_id}, files=pdfs("恢复"))
    assert client.get(made.headers["Location"]).json()["status"] == "queued"
    with TestClient(create_app(world.wiring), base_url=BASE) as restarted:  # startup
        restarted.headers["Authorization"] = f"Bearer {a.client_secret}"
        assert wait_done(restarted, made.json()["id"])["counts"]["sealed"] == 1
    assert jobs_of(restarted.app).wait_idle(0)  # type: ignore[arg-type]  # shut down
