"""D1: kill -9 during `openseal batch` (a worker after staging, after commit, after the
rename; then the whole batch), run the same command again: every document sealed exactly
once, every output whole and VALID, one successful seal.use per document, no temp file."""

from __future__ import annotations

import hashlib
import signal
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from openseal.core.verification import verify_pdf
from tests.support.batch import batch_env, run_batch, seal_uses, summary, write_pdfs
from tests.support.instance import make_instance

CRASHES = ("3:staged", "2:committed", "2:renamed", "1:committed:all", "2:staged:all")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_D1_kill9_during_batch_then_resume_seals_each_document_once(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("postgres_url") if backend == "postgresql" else None
    instance = make_instance(tmp_path / "home", database_url=url)
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    inputs = write_pdfs(in_dir, 30)
    journal = out_dir / ".openseal-batch"

    for hook in CRASHES:
        env = batch_env(instance, OPENSEAL_BATCH_CRASH_AFTER=hook)
        done = run_batch(instance, in_dir, out_dir, "--workers", "2", env=env)
        assert "Traceback" not in done.stderr, done.stderr
        if hook.endswith(":all"):
            assert done.returncode == -signal.SIGKILL, done.stdout + done.stderr
        else:
            assert done.returncode == 1, done.stdout + done.stderr
            interrupted = [e for e in summary(done)["errors"]
                           if e["error"] == "BATCH_INTERRUPTED"]
            assert interrupted, done.stdout
        if hook == "1:committed:all":  # 30 documents on 2 workers: groups of 3
            assert list(journal.glob("group-*.stage")), "a committed group stays staged"

    final = run_batch(instance, in_dir, out_dir, "--workers", "2")
    assert final.returncode == 0, final.stdout + final.stderr
    result = summary(final)
    assert result["failed"] == 0 and result["total"] == 30

    outputs = sorted(p.name for p in out_dir.iterdir() if p.suffix == ".pdf")
    assert outputs == sorted(inputs)
    for name in outputs:
        report = verify_pdf((out_dir / name).read_bytes(), trust_roots=instance.roots)
        assert report.verdict == "VALID", (name, report.reasons)
    uses = Counter(d["input_sha256"] for d in seal_uses(instance))
    assert uses == Counter(hashlib.sha256(data).hexdigest() for data in inputs.values())
    sealed_outputs = {d["output_sha256"] for d in seal_uses(instance)}
    assert {hashlib.sha256((out_dir / n).read_bytes()).hexdigest()
            for n in outputs} <= sealed_outputs
    assert not list(out_dir.rglob("*.part"))
    assert not [p for p in out_dir.rglob("*") if p.name.startswith(".") and p != journal]

    again = summary(run_batch(instance, in_dir, out_dir))
    assert again["already"] == 30 and len(seal_uses(instance)) == 30

    if backend == "sqlite":
        db = sqlite3.connect(instance.wiring.settings.home / "openseal.db")
        try:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            db.close()


@pytest.mark.parametrize("point,status", [("committed", "recovered"), ("renamed", "already"),
                                          ("staged", "sealed")])
def test_D1_each_crash_window_is_closed_on_resume(point: str, status: str,
                                                  tmp_path: Path) -> None:
    """One worker, killed on its 2nd document at ``point``: the rerun treats that document
    as committed-and-staged (publish), committed-and-renamed (journal only) or rolled back
    (seal it), and the registry holds exactly one sealing of it."""
    instance = make_instance(tmp_path / "home")
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    inputs = write_pdfs(in_dir, 3)
    env = batch_env(instance, OPENSEAL_BATCH_CRASH_AFTER=f"2:{point}")
    crashed = run_batch(instance, in_dir, out_dir, "--workers", "1", env=env)
    assert crashed.returncode == 1, crashed.stdout + crashed.stderr
    staged = list((out_dir / ".openseal-batch").glob("*.pdf.part"))
    assert len(staged) == (0 if point == "renamed" else 1)
    assert (out_dir / "doc-001.pdf").exists() == (point == "renamed")
    assert len(seal_uses(instance)) == (1 if point == "staged" else 2)

    resumed = summary(run_batch(instance, in_dir, out_dir, "--workers", "1"))
    by_file = {d["file"]: d["status"] for d in resumed["documents"]}
    assert by_file == {"doc-000.pdf": "already", "doc-001.pdf": status,
                       "doc-002.pdf": "sealed"}
    uses = Counter(d["input_sha256"] for d in seal_uses(instance))
    assert uses == Counter(hashlib.sha256(data).hexdigest() for data in inputs.values())
    for name in inputs:
        report = verify_pdf((out_dir / name).read_bytes(), trust_roots=instance.roots)
        assert report.verdict == "VALID", name
    assert not list(out_dir.rglob("*.part"))


@pytest.mark.parametrize("point,status", [("committed", "recovered"), ("renamed", "recovered"),
                                          ("staged", "sealed")])
def test_D1_each_crash_window_of_a_group_is_closed_on_resume(point: str, status: str,
                                                             tmp_path: Path) -> None:
    """Eight documents on one worker go in groups of two, one transaction each. The whole
    batch is killed in the second group at ``point``: the group file stays, and the rerun
    puts back and journals a committed group (whether or not its outputs were placed) or
    seals a rolled-back one; the registry holds exactly one sealing of each document."""
    instance = make_instance(tmp_path / "home")
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    inputs = write_pdfs(in_dir, 8)
    env = batch_env(instance, OPENSEAL_BATCH_CRASH_AFTER=f"3:{point}:all")
    crashed = run_batch(instance, in_dir, out_dir, "--workers", "1", env=env)
    assert crashed.returncode == -signal.SIGKILL, crashed.stdout + crashed.stderr
    assert len(list((out_dir / ".openseal-batch").glob("group-*.stage"))) == 2
    assert (out_dir / "doc-002.pdf").exists() == (point == "renamed")
    assert len(seal_uses(instance)) == (2 if point == "staged" else 4)

    resumed = summary(run_batch(instance, in_dir, out_dir, "--workers", "1"))
    by_file = {d["file"]: d["status"] for d in resumed["documents"]}
    assert by_file == {"doc-000.pdf": "already", "doc-001.pdf": "already",
                       "doc-002.pdf": status, "doc-003.pdf": status,
                       **{f"doc-00{n}.pdf": "sealed" for n in range(4, 8)}}
    uses = Counter(d["input_sha256"] for d in seal_uses(instance))
    assert uses == Counter(hashlib.sha256(data).hexdigest() for data in inputs.values())
    for name in inputs:
        report = verify_pdf((out_dir / name).read_bytes(), trust_roots=instance.roots)
        assert report.verdict == "VALID", name
    assert not list(out_dir.rglob("*.part")) and not list(out_dir.rglob("*.stage"))
