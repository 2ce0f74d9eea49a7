"""``python -m bench.batch [--quick]``: batch sealing, ``openseal batch`` vs a plain pyHanko loop.

N one-page contracts (1,000; quick: 100), each with its own number, are sealed three ways
in the same run, on the same bench instance (same key, certificate, TSA and appearance):

* ``openseal batch IN -o OUT --seal S --workers 2 --json``, the real command as a process:
  its sealing phase (``sealing_seconds`` of its summary: from starting the workers to the
  last result) and, for information, from its start to its exit (Python start-up and
  imports included). A 1-document batch first measures the start-up.
* a plain pyHanko loop (bench.workers' standard use) over the same files in 1 process;
* the same loop split over 2 processes (for information: the per-core comparison).

Every figure counts only if the outputs check out (bench/batch_checks.py). The gated ratio
compares like with like, documents per second from the first document to the last: the
command's sealing phase (its worker start-up included) / the 1-process pyHanko loop (its
set-up and warm-up excluded); the full mode fails (exit 1) below ``GATE``. The ratio from
process start to exit is reported beside it.
Results: a printed table and bench/results/batch.json. The working folder
(bench/results/batch-*) is deleted after a successful run unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.batch_checks import check_all
from bench.batch_files import write_contracts
from bench.batch_openseal import openseal_batch
from bench.batch_pyhanko import pyhanko_loop
from bench.batch_report import fsync_ms, machine, print_report
from bench.fixture import build_home
from bench.inputs import RESULTS

GATE = 10.0
WORKERS = 2
DOCS = {"quick": 100, "full": 1000}
SIDES = ("openseal", "pyhanko-1", "pyhanko-2")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100 documents, not gated")
    parser.add_argument("--keep", action="store_true", help="keep the working folder")
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    RESULTS.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="batch-", dir=RESULTS))
    report = run(mode, work)  # on failure the folder stays, to look at
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    (RESULTS / "batch.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print_report(report)
    if mode == "full" and report["ratio"]["sealing"] < GATE:
        raise SystemExit(f"gate: {report['ratio']['sealing']}x < {GATE}x")


def run(mode: str, work: Path) -> dict[str, Any]:
    """Build the instance and the inputs under ``work``, measure, check; the report."""
    began, load = time.monotonic(), {**machine(), "fsync_ms": fsync_ms(work)}
    bench = build_home(work)
    files = write_contracts(work / "in", DOCS[mode])
    outs = {side: work / f"out-{side}" for side in SIDES}
    startup = openseal_batch(bench, _start_folder(work, len(files)), work / "start-out",
                             WORKERS)
    figures = {"pyhanko_1_proc": pyhanko_loop(bench, files, outs["pyhanko-1"], 1),
               "openseal": openseal_batch(bench, work / "in", outs["openseal"], WORKERS),
               "pyhanko_2_procs": pyhanko_loop(bench, files, outs["pyhanko-2"], 2)}
    checks = check_all(bench, files, outs)
    ours = figures["openseal"]
    command = "python -m bench.batch" + (" --quick" if mode == "quick" else "")
    return {"mode": mode, "command": command,
            "machine": load, "docs": len(files), "gate": GATE if mode == "full" else None,
            **figures, "openseal_startup": startup,
            "openseal_without_startup_docs_per_s": round(
                len(files) / (ours["seconds"] - startup["seconds"]), 1),
            "ratio": _ratios(figures), "checks": checks,
            "seconds": round(time.monotonic() - began, 1)}


def _start_folder(work: Path, number: int) -> Path:
    """A folder with one more contract (its own number): the 1-document start-up batch."""
    return write_contracts(work / "start-in", 1, first=number)[0].parent


def _ratios(figures: dict[str, dict[str, Any]]) -> dict[str, float]:
    ours, loop, loop_2 = (figures[k] for k in ("openseal", "pyhanko_1_proc",
                                                "pyhanko_2_procs"))
    return {"sealing": round(ours["sealing_docs_per_s"] / loop["docs_per_s"], 1),
            "docs_per_s": round(ours["docs_per_s"] / loop["docs_per_s"], 1),
            "vs_pyhanko_2_procs": round(ours["docs_per_s"] / loop_2["docs_per_s"], 1),
            "cpu_time": round(loop["cpu_ms_per_doc"] / ours["cpu_ms_per_doc"], 1)}


if __name__ == "__main__":
    main()
