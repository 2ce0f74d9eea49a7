"""``python -m bench.run [--quick]``: sealing throughput, OpenSeal vs pyHanko's standard use.

For 1 and then 2 processes, fresh worker processes open the instance once and set up both
ways of sealing. They then run short *rounds* that alternate pyHanko and OpenSeal on the
same document, all workers starting each round together (a barrier). A round's throughput
is documents sealed / (last worker end - first worker start). Alternating rounds keep both
sides under the same machine load; each side's figure is its best round (as ``timeit``
does), the median is recorded too. Results: a printed table and bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asn1crypto import pem, x509

from bench.fixture import BenchHome, build_home
from bench.inputs import RESULTS, load_inputs
from bench.validate import check_output
from bench.workers import Task, run_worker

DOCS = ("1-page", "100-page", "20-MB")
WHO = ("pyhanko", "openseal")
# per mode: rounds, and documents per worker per round as {doc: (pyhanko, openseal)}
PLAN = {"quick": (3, {"1-page": (8, 100), "100-page": (4, 30), "20-MB": (1, 2)}),
        "full": (5, {"1-page": (40, 500), "100-page": (20, 150), "20-MB": (3, 6)})}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="few iterations, < 60 s")
    mode = "quick" if parser.parse_args(argv).quick else "full"
    began = time.monotonic()
    load_inputs()
    bench = build_home(RESULTS)
    out_dir = RESULTS / "outputs"
    out_dir.mkdir(exist_ok=True)
    rounds, counts = PLAN[mode]
    tasks = [Task(who, doc, counts[doc][who == "openseal"])
             for doc in DOCS for _ in range(rounds) for who in WHO]
    rows = []
    for procs in (1, 2):
        results = _run(procs, bench, tasks, out_dir if procs == 1 else None)
        rows += [_row(who, procs, doc, results) for doc in DOCS for who in WHO]
    roots = [x509.Certificate.load(der) for _, _, der in
             pem.unarmor(bench.roots_pem.read_bytes(), multiple=True)]
    checks = {p.stem: check_output(p, roots) for p in sorted(out_dir.glob("*.pdf"))}
    report = _report(mode, rows, checks, time.monotonic() - began)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    _print(report)


def _run(procs: int, bench: BenchHome, tasks: list[Task],
         out_dir: Path | None) -> list[list[dict[str, Any]]]:
    """Run ``tasks`` on ``procs`` workers; one list of worker results per task."""
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(procs)
    queue = ctx.Queue()
    workers = [ctx.Process(target=run_worker,
                           args=(bench, tasks, barrier, queue, out_dir if n == 0 else None))
               for n in range(procs)]
    for w in workers:
        w.start()
    flat = [queue.get(timeout=600) for _ in range(procs * len(tasks))]
    for w in workers:
        w.join()
        if w.exitcode != 0:
            raise SystemExit(f"a benchmark worker failed (exit {w.exitcode})")
    grouped: list[list[dict[str, Any]]] = [[] for _ in tasks]
    for r in flat:
        grouped[r["task"]].append(r)
    return grouped


def _row(who: str, procs: int, doc: str, results: list[list[dict[str, Any]]]) -> dict[str, Any]:
    """One line of the table: ``who`` sealing ``doc`` on ``procs`` processes, over all rounds."""
    rounds = [r for r in results if r[0]["who"] == who and r[0]["doc"] == doc]
    rates = []
    for workers in rounds:
        seconds = max(w["end"] for w in workers) - min(w["start"] for w in workers)
        rates.append(sum(w["count"] for w in workers) / seconds)
    best = max(rates)
    return {"who": who, "procs": procs, "doc": doc, "rounds": len(rates),
            "docs": sum(w["count"] for workers in rounds for w in workers),
            "docs_per_s": round(best, 1), "median_docs_per_s": round(statistics.median(rates), 1),
            "ms_per_doc_per_proc": round(1000 * procs / best, 2),
            "cpu_ms_per_doc": round(1000 * min(w["cpu"] / w["count"] for ws in rounds
                                               for w in ws), 2),
            "peak_added_mb": round(max(w.get("added_mb", 0.0) for ws in rounds for w in ws), 2)}


def _report(mode: str, rows: list[dict[str, Any]], checks: dict[str, Any],
            seconds: float) -> dict[str, Any]:
    rate = {(r["who"], r["procs"], r["doc"]): r for r in rows}
    ratios = {f"{doc} x{procs}": {
        key: round(rate["openseal", procs, doc][key] / rate["pyhanko", procs, doc][key], 1)
        for key in ("docs_per_s", "median_docs_per_s")} for doc in DOCS for procs in (1, 2)}
    for name, ratio in ratios.items():
        doc, procs = name.split(" x")
        ratio["cpu_time"] = round(rate["pyhanko", int(procs), doc]["cpu_ms_per_doc"]
                                  / rate["openseal", int(procs), doc]["cpu_ms_per_doc"], 1)
    return {"date": datetime.now(UTC).isoformat(timespec="seconds"), "mode": mode,
            "command": "python -m bench.run" + (" --quick" if mode == "quick" else ""),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                        "platform": platform.platform()},
            "seconds": round(seconds, 1), "rows": rows, "ratio_openseal_over_pyhanko": ratios,
            "validation": checks}


def _print(report: dict[str, Any]) -> None:
    print(f"\n{report['command']}  ({report['date']}, {report['machine']['cpus']} cpus, "
          f"{report['seconds']} s)\n")
    print(f"{'who':<9} {'procs':>5} {'document':<9} {'docs':>6} {'best/s':>8} {'median/s':>9} "
          f"{'ms/doc':>7} {'cpu ms':>7} {'peak MB':>8}")
    for r in report["rows"]:
        print(f"{r['who']:<9} {r['procs']:>5} {r['doc']:<9} {r['docs']:>6} "
              f"{r['docs_per_s']:>8} {r['median_docs_per_s']:>9} "
              f"{r['ms_per_doc_per_proc']:>7} {r['cpu_ms_per_doc']:>7} {r['peak_added_mb']:>8}")
    print("\nratio openseal / pyhanko:  best rounds  medians  CPU time per doc")
    for name, r in report["ratio_openseal_over_pyhanko"].items():
        print(f"  {name:<14} {r['docs_per_s']:>16}x {r['median_docs_per_s']:>7}x "
              f"{r['cpu_time']:>8}x")
    print("\nvalidated (pyHanko: intact, valid, trusted, timestamp, whole file; pdfsig): "
          + ", ".join(report["validation"]))


if __name__ == "__main__":
    main()
