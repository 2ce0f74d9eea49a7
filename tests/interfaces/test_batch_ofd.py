"""openseal batch with OFD files (issue 9, item 7): a folder of OFD files sealed with an SM2
seal (each VALID, recorded and audited as single sealing), a rerun seals nothing twice, and
a folder mixing PDF, OFD and junk seals what matches the seal and refuses the rest per file;
SQLite and PostgreSQL, the CLI as a real process."""

from __future__ import annotations

import csv
import hashlib
import io
import signal
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from openseal.core.records import SealRecord
from openseal.core.seals.service import SealOrder, create_seal
from openseal.core.signing.service import SealerCache
from openseal.core.verification import verify_document
from openseal.interfaces.api.job_queue import jobs_of
from openseal.ops.jobs.batch_sealing import BatchSealing
from tests.acceptance import api_world
from tests.support.api import World
from tests.support.batch import batch_env, seal_uses, summary
from tests.support.batch_jobs import BATCHES, wait_done
from tests.support.instance import TestInstance, make_instance
from tests.support.ofd import make_ofd
from tests.support.pdfs import reportlab_pdf

API = "/api/v1"
OFD = "application/ofd"


@pytest.fixture(params=["sqlite", "postgresql"])
def instance(request: pytest.FixtureRequest, tmp_path: Path) -> TestInstance:
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    made = make_instance(tmp_path / "home", database_url=url)
    yield made  # type: ignore[misc]
    made.wiring.engine.dispose()


def sm2_seal(instance: TestInstance) -> SealRecord:
    with instance.wiring.context() as c:
        return create_seal(c.repos, c.pki, c.clock,
                           SealOrder(instance.org.id, "contract", "SM2合同专用章",
                                     algorithm="sm2"),
                           c.settings.base_url, audit=c.audit)


def batch(instance: TestInstance, in_dir: Path, out_dir: Path, seal_id: str,
          *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "openseal", "batch", str(in_dir), "-o", str(out_dir),
         "--seal", seal_id, "--json", *args],
        env=batch_env(instance), capture_output=True, text=True, timeout=600)


def sm2_anchors(instance: TestInstance) -> list[bytes]:
    with instance.wiring.context() as c:
        return [cert.dump() for cert in c.pki.sm2_anchors()]


def write_ofds(folder: Path, count: int) -> dict[str, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    made = {}
    for n in range(count):
        data = make_ofd(pages=2 + n % 2, texts={0: [(f"合同 {n:03d}", 20.0, 20.0, 6.0)],
                                                1: [("甲方（盖章）", 30.0, 200.0, 5.0)]})
        (folder / f"doc-{n:03d}.ofd").write_bytes(data)
        made[f"doc-{n:03d}.ofd"] = data
    return made


def test_batch_seals_a_folder_of_ofd_files_once(instance: TestInstance,
                                               tmp_path: Path) -> None:
    seal = sm2_seal(instance)
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    inputs = write_ofds(in_dir, 5)

    first = batch(instance, in_dir, out_dir, seal.id, "--workers", "2", "--keyword",
                  "甲方（盖章）", "--cross-page")
    assert first.returncode == 0, first.stdout + first.stderr
    result = summary(first)
    assert (result["total"], result["sealed"], result["failed"]) == (5, 5, 0), result
    assert sorted(p.name for p in out_dir.glob("*.ofd")) == sorted(inputs)
    anchors = sm2_anchors(instance)
    assert anchors
    docs = {d["file"]: d for d in result["documents"]}
    for name, data in inputs.items():
        sealed = (out_dir / name).read_bytes()
        report = verify_document(sealed, [], filename=name, sm2_anchors=anchors).to_dict()
        assert report["verdict"] == "VALID", (name, report)
        [sig] = report["signatures"]
        assert sig["seal_name"] == seal.name and sig["trusted"]
        assert len(sig["stamps"]) > 1  # the keyword's seal and the riding seal
        assert docs[name]["sha256_out"] == hashlib.sha256(sealed).hexdigest()
        assert docs[name]["sha256_in"] == hashlib.sha256(data).hexdigest()
    uses = [u for u in seal_uses(instance) if u["level"] == "GB/T 38540"]
    assert len(uses) == 5
    assert {u["document"] for u in uses} == {d["document_id"] for d in docs.values()}
    with instance.wiring.context() as c:
        assert c.repos.count_sealed_documents(seal.id) == 5
        issued = c.repos.find_issued([d["sha256_out"] for d in docs.values()])
    assert {r.id for r in issued} == {d["document_id"] for d in docs.values()}
    assert all(r.seal_id == seal.id for r in issued)
    rows = list(csv.DictReader((out_dir / "_openseal-batch.csv").open(encoding="utf-8")))
    assert [r["status"] for r in rows] == ["sealed"] * 5

    second = batch(instance, in_dir, out_dir, seal.id, "--keyword", "甲方（盖章）",
                   "--cross-page")
    assert second.returncode == 0, second.stdout + second.stderr
    again = summary(second)
    assert (again["sealed"], again["recovered"], again["already"], again["failed"]) == \
        (0, 0, 5, 0)
    assert len(seal_uses(instance)) == 5
    with instance.wiring.context() as c:
        assert c.repos.count_sealed_documents(seal.id) == 5
    assert not list(out_dir.rglob("*.part"))
    assert not list((out_dir / ".openseal-batch").glob("group-*"))


def test_batch_of_a_mixed_folder_refuses_what_the_seal_cannot_seal(
        instance: TestInstance, tmp_path: Path) -> None:
    seal = sm2_seal(instance)
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    write_ofds(in_dir, 2)
    (in_dir / "contract.pdf").write_bytes(reportlab_pdf(title="合同 PDF"))
    (in_dir / "junk.ofd").write_bytes(b"this is neither an OFD nor a PDF")
    (in_dir / "ignored.txt").write_text("not a document name")

    done = batch(instance, in_dir, out_dir, seal.id)
    assert done.returncode == 1, done.stdout + done.stderr
    result = summary(done)
    assert (result["total"], result["sealed"], result["failed"]) == (4, 2, 2), result
    errors = {e["file"]: e for e in result["errors"]}
    assert set(errors) == {"contract.pdf", "junk.ofd"}
    assert errors["contract.pdf"]["error"] == "SEAL_ALGORITHM_PDF"
    assert "OFD" in errors["contract.pdf"]["message"]
    assert errors["junk.ofd"]["error"] == "OFD_NOT_ZIP"
    assert sorted(p.name for p in out_dir.iterdir() if not p.name.startswith(("_", "."))) \
        == ["doc-000.ofd", "doc-001.ofd"]
    assert len(seal_uses(instance)) == 2
    with instance.wiring.context() as c:
        refused = [e for e, _ in c.repos.list_audit(action="seal.use")
                   if e.outcome == "refused"]
    assert {e.details.get("file") for e in refused} >= {"contract.pdf", "junk.ofd"}

    ecdsa = batch(instance, in_dir, tmp_path / "out-ecdsa", instance.seals["contract"].id)
    assert ecdsa.returncode == 1, ecdsa.stdout + ecdsa.stderr
    by_file = {d["file"]: d for d in summary(ecdsa)["documents"]}
    assert by_file["contract.pdf"]["status"] == "sealed"
    assert by_file["doc-000.ofd"]["error"] == "SEAL_ALGORITHM_OFD"

    rerun = batch(instance, in_dir, out_dir, seal.id)
    assert rerun.returncode == 1
    again = summary(rerun)
    assert (again["sealed"], again["already"], again["failed"]) == (0, 2, 2)
    assert len([u for u in seal_uses(instance) if u["level"] == "GB/T 38540"]) == 2


def test_batch_option_checks(instance: TestInstance, tmp_path: Path) -> None:
    seal = sm2_seal(instance)
    in_dir = tmp_path / "in"
    write_ofds(in_dir, 1)
    level = batch(instance, in_dir, tmp_path / "o1", seal.id, "--level", "B-LT")
    assert level.returncode == 2 and summary(level)["error"] == "OFD_OPTION_UNSUPPORTED"
    lock = batch(instance, in_dir, tmp_path / "o2", instance.seals["contract"].id, "--lock")
    assert lock.returncode == 2 and summary(lock)["error"] == "LOCK_OFD_ONLY"
    locked = batch(instance, in_dir, tmp_path / "o3", seal.id, "--lock", "--page", "2",
                   "--x", "120", "--y", "40")
    assert locked.returncode == 0, locked.stdout + locked.stderr
    report = verify_document((tmp_path / "o3" / "doc-000.ofd").read_bytes(), [],
                             sm2_anchors=sm2_anchors(instance)).to_dict()
    assert report["verdict"] == "VALID", report
    assert [s["page"] for s in report["signatures"][0]["stamps"]] == [2]


# ---------------------------------------------------------------- API jobs


world = api_world.world


def test_api_job_seals_ofd_files_with_an_sm2_seal(world: World, tmp_path: Path) -> None:
    a = world.parties["A"]
    custodian, member = world.login(a.custodian), world.login(a.member)
    jobs_of(member.app).stop()  # type: ignore[arg-type]  # the test runs the documents
    made = custodian.post(f"{API}/seals", json={"type": "contract", "name": "SM2批量章",
                                                "algorithm": "sm2"})
    assert made.status_code == 201, made.text
    seal_id = str(made.json()["id"])
    granted = custodian.post(f"{API}/seals/{seal_id}/grants", json={
        "user_id": a.member_id, "level": "use", "reason": "OFD 批量 / OFD batch"})
    assert granted.status_code == 201, granted.text
    refused = member.post(BATCHES, data={"seal_id": seal_id, "reason": "批量"},
                          files=[("files", ("a.ofd", make_ofd(), OFD))])
    assert refused.status_code == 422 and refused.json()["code"] == "OFD_OPTION_UNSUPPORTED"

    files = [("files", (f"合同{n}.ofd", make_ofd(pages=2 + n), OFD)) for n in range(2)]
    files.append(("files", ("contract.pdf", reportlab_pdf(title="PDF"), "application/pdf")))
    made = member.post(BATCHES, data={"seal_id": seal_id, "keyword": "甲方（盖章）"},
                       files=files)
    assert made.status_code == 202, made.text
    job_id = made.json()["id"]
    assert BatchSealing(world.wiring, SealerCache()).run_until_idle() == 3
    done = wait_done(member, job_id, seconds=1)
    assert done["counts"] == {"queued": 0, "running": 0, "sealed": 2, "error": 1}, done
    assert done["items"][2]["error"]["code"] == "SEAL_ALGORITHM_PDF"
    archive = zipfile.ZipFile(io.BytesIO(member.get(f"{BATCHES}/{job_id}/result.zip").content))
    assert sorted(archive.namelist()) == ["summary.json", "合同0.ofd", "合同1.ofd"]
    with world.wiring.context() as c:
        anchors = [cert.dump() for cert in c.pki.sm2_anchors()]
    for item in done["items"][:2]:
        data = archive.read(item["file"])
        assert hashlib.sha256(data).hexdigest() == item["sha256_out"]
        report = verify_document(data, [], sm2_anchors=anchors).to_dict()
        assert report["verdict"] == "VALID", report
    uses = [dict(e["details"]) for e in world.audit("seal.use")  # type: ignore[call-overload]
            if e["outcome"] == "success" and e["details"].get("level") == "GB/T 38540"]
    assert {u["document"] for u in uses} == {i["document_id"] for i in done["items"][:2]}


@pytest.mark.parametrize("instance", ["sqlite"], indirect=True)
def test_batch_of_ofd_files_killed_after_a_commit_resumes_without_sealing_twice(
        instance: TestInstance, tmp_path: Path) -> None:
    """The whole batch killed -9 right after a group's commit (outputs not placed): the
    rerun puts that group's OFD files back (``recovered``) and seals the rest, each once."""
    seal = sm2_seal(instance)
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    inputs = write_ofds(in_dir, 8)
    env = batch_env(instance, OPENSEAL_BATCH_CRASH_AFTER="3:committed:all")
    crashed = subprocess.run(
        [sys.executable, "-m", "openseal", "batch", str(in_dir), "-o", str(out_dir),
         "--seal", seal.id, "--json", "--workers", "1"],
        env=env, capture_output=True, text=True, timeout=600)
    assert crashed.returncode == -signal.SIGKILL, crashed.stdout + crashed.stderr
    assert not (out_dir / "doc-002.ofd").exists() and len(seal_uses(instance)) == 4

    resumed = summary(batch(instance, in_dir, out_dir, seal.id, "--workers", "1"))
    by_file = {d["file"]: d["status"] for d in resumed["documents"]}
    assert by_file == {"doc-000.ofd": "already", "doc-001.ofd": "already",
                       "doc-002.ofd": "recovered", "doc-003.ofd": "recovered",
                       **{f"doc-00{n}.ofd": "sealed" for n in range(4, 8)}}
    uses = Counter(d["input_sha256"] for d in seal_uses(instance))
    assert uses == Counter(hashlib.sha256(data).hexdigest() for data in inputs.values())
    anchors = sm2_anchors(instance)
    for name in inputs:
        report = verify_document((out_dir / name).read_bytes(), [], sm2_anchors=anchors)
        assert report.verdict == "VALID", name
    assert not list(out_dir.rglob("*.part")) and not list(out_dir.rglob("*.stage"))
