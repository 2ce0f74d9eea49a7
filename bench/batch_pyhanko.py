"""The baseline: a plain pyHanko loop over the batch's files, in 1 or more processes.

Each process (multiprocessing "spawn") sets up pyHanko's standard use once
(``bench.workers.pyhanko_sealer``: per document ``SimpleSigner.load`` from the encrypted
PEM, a new ``PdfSigner``, ``sign_pdf``), seals one file as a warm-up (not written), waits for
the others (barrier), then reads, seals and writes its share of the files in order.
Throughput = files / (last process end - first process start).
"""

from __future__ import annotations

import multiprocessing as mp
import time
from pathlib import Path
from typing import Any

from bench.fixture import BenchHome
from bench.workers import pyhanko_sealer

DOC = "1-page"  # every file is an A4 one-page contract: one seal box for all


def pyhanko_loop(bench: BenchHome, files: list[Path], out_dir: Path,
                 procs: int) -> dict[str, Any]:
    """Seal ``files`` into ``out_dir`` with ``procs`` processes; wall and CPU figures."""
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = mp.get_context("spawn")
    barrier, queue = ctx.Barrier(procs), ctx.Queue()
    workers = [ctx.Process(target=_loop, args=(bench, files[n::procs], out_dir, barrier, queue))
               for n in range(procs)]
    for w in workers:
        w.start()
    runs = [queue.get(timeout=1800) for _ in workers]
    for w in workers:
        w.join()
        if w.exitcode != 0:
            raise SystemExit(f"a pyHanko loop process failed (exit {w.exitcode})")
    seconds = max(r["end"] for r in runs) - min(r["start"] for r in runs)
    cpu = sum(r["cpu"] for r in runs)
    return {"procs": procs, "docs": len(files), "seconds": round(seconds, 3),
            "docs_per_s": round(len(files) / seconds, 1),
            "cpu_ms_per_doc": round(1000 * cpu / len(files), 2),
            "setup_s": round(max(r["setup"] for r in runs), 2)}


def _loop(bench: BenchHome, files: list[Path], out_dir: Path, barrier: Any,
          queue: Any) -> None:
    began = time.monotonic()
    sign = pyhanko_sealer(bench)
    sign(DOC, files[0].read_bytes())  # warm-up, outside the timing
    setup = time.monotonic() - began
    barrier.wait()
    start, cpu = time.monotonic(), time.process_time()
    for path in files:
        (out_dir / path.name).write_bytes(sign(DOC, path.read_bytes()))
    queue.put({"start": start, "end": time.monotonic(), "setup": setup,
               "cpu": time.process_time() - cpu})
