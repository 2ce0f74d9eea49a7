"""openseal batch: a folder with good and bad files; errors listed, CSV, idempotent rerun."""

from __future__ import annotations

import csv
from pathlib import Path

from openseal.core.verification import verify_pdf
from tests.support.batch import run_batch, seal_uses, summary, write_pdfs
from tests.support.instance import make_instance


def test_batch_seals_good_files_reports_bad_ones_and_reruns_idempotently(
        tmp_path: Path) -> None:
    instance = make_instance(tmp_path / "home")
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    write_pdfs(in_dir, 5)
    (in_dir / "notes.pdf").write_bytes(b"just some text, not a PDF\n")
    good = (in_dir / "doc-000.pdf").read_bytes()
    (in_dir / "damaged.pdf").write_bytes(good[: len(good) // 2])
    (in_dir / "ignored.txt").write_text("not a pdf name")

    first = run_batch(instance, in_dir, out_dir, "--workers", "2")
    assert first.returncode == 1, first.stdout + first.stderr
    result = summary(first)
    assert (result["total"], result["sealed"], result["failed"]) == (7, 5, 2)
    errors = {e["file"]: e["error"] for e in result["errors"]}
    assert set(errors) == {"notes.pdf", "damaged.pdf"}
    assert all(code and code.isupper() for code in errors.values()), errors
    sealed = sorted(p.name for p in out_dir.glob("*.pdf"))
    assert sealed == [f"doc-{n:03d}.pdf" for n in range(5)]
    for name in sealed:
        report = verify_pdf((out_dir / name).read_bytes(), trust_roots=instance.roots)
        assert report.verdict == "VALID", name
    rows = list(csv.DictReader((out_dir / "_openseal-batch.csv").open(encoding="utf-8")))
    assert [r["file"] for r in rows] == sorted(p.name for p in in_dir.glob("*.pdf"))
    assert {r["file"]: r["status"] for r in rows}["notes.pdf"] == "error"
    assert all(r["document_id"] and len(r["sha256_out"]) == 64 for r in rows
               if r["status"] == "sealed")
    assert len(seal_uses(instance)) == 5

    second = run_batch(instance, in_dir, out_dir)
    assert second.returncode == 1
    again = summary(second)
    assert (again["sealed"], again["recovered"], again["already"], again["failed"]) == \
        (0, 0, 5, 2)
    assert len(seal_uses(instance)) == 5
    assert not list(out_dir.rglob("*.part"))

    (in_dir / "notes.pdf").unlink()
    (in_dir / "damaged.pdf").unlink()
    third = run_batch(instance, in_dir, out_dir)
    assert third.returncode == 0, third.stdout + third.stderr
    assert summary(third)["already"] == 5


def test_batch_refuses_a_folder_another_batch_holds_and_an_unknown_seal(
        tmp_path: Path) -> None:
    import fcntl
    import json

    instance = make_instance(tmp_path / "home")
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    write_pdfs(in_dir, 1)
    (out_dir / ".openseal-batch").mkdir(parents=True)
    with open(out_dir / ".openseal-batch" / "run.lock", "ab") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        busy = run_batch(instance, in_dir, out_dir)
    assert busy.returncode == 2 and json.loads(busy.stdout)["error"] == "BATCH_BUSY"
    assert not list(out_dir.glob("*.pdf")) and not seal_uses(instance)

    unknown = run_batch(instance, in_dir, out_dir, "--seal", "no-such-seal")
    assert unknown.returncode == 2, unknown.stdout + unknown.stderr
    assert "Traceback" not in unknown.stderr
