"""OpenSeal's side: the real ``openseal batch`` command, run as a process on the bench instance.

Wall time from the command's start to its exit (Python start-up, imports, opening the
instance and the worker processes included). CPU time is the command's and its workers'
(``RUSAGE_CHILDREN``: descendants that exited and were waited for).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.fixture import BenchHome


def batch_command(bench: BenchHome, in_dir: Path, out_dir: Path, workers: int) -> list[str]:
    """``openseal batch IN -o OUT --seal S --workers N --json``, the installed console script."""
    script = Path(sys.executable).with_name("openseal")
    program = [str(script)] if script.exists() else [sys.executable, "-m", "openseal"]
    return [*program, "batch", str(in_dir), "-o", str(out_dir), "--seal", bench.seal_id,
            "--workers", str(workers), "--json"]


def batch_env(bench: BenchHome) -> dict[str, str]:
    """The environment pointing the command at the bench instance (SQLite in its home)."""
    env = {**os.environ, "OPENSEAL_HOME": str(bench.home), "OPENSEAL_LANG": "en"}
    for name in ("OPENSEAL_DATABASE_URL", "OPENSEAL_MASTER_KEY", "OPENSEAL_BATCH_CRASH_AFTER"):
        env.pop(name, None)
    return env


def openseal_batch(bench: BenchHome, in_dir: Path, out_dir: Path,
                   workers: int) -> dict[str, Any]:
    """Run the command once; its figures. Fails unless it sealed every document."""
    docs = sum(1 for p in in_dir.iterdir() if p.suffix == ".pdf")
    command = batch_command(bench, in_dir, out_dir, workers)
    cpu_before = _children_cpu()
    start = time.monotonic()
    done = subprocess.run(command, env=batch_env(bench), capture_output=True, text=True,
                          timeout=3600, check=False)
    seconds = time.monotonic() - start
    cpu = _children_cpu() - cpu_before
    if done.returncode != 0:
        raise SystemExit(f"openseal batch failed (exit {done.returncode}):\n"
                         f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    summary = json.loads(done.stdout)
    if summary["sealed"] != docs or summary["total"] != docs:
        raise SystemExit(f"openseal batch sealed {summary['sealed']} of {docs}")
    sealing = float(summary["sealing_seconds"])
    return {"workers": workers, "docs": docs, "seconds": round(seconds, 3),
            "docs_per_s": round(docs / seconds, 1), "sealing_seconds": sealing,
            "sealing_docs_per_s": round(docs / sealing, 1),
            "cpu_ms_per_doc": round(1000 * cpu / docs, 2)}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
