"""The batch benchmark's machine description and printed table."""

from __future__ import annotations

import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def machine() -> dict[str, Any]:
    """When and where: date, CPUs, CPU model, load average at the start, Python, OS."""
    return {"date": datetime.now(UTC).isoformat(timespec="seconds"),
            "nproc": len(os.sched_getaffinity(0)), "cpu_model": _cpu_model(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(), "platform": platform.platform()}


def fsync_ms(folder: Path, count: int = 50) -> float:
    """Milliseconds to write and fsync a 30 kB file in ``folder`` (the disk's durability cost;
    ``openseal batch`` fsyncs files and folders several times per document)."""
    start = time.monotonic()
    for n in range(count):
        path = folder / f"fsync-probe-{n}"
        with path.open("wb") as f:
            f.write(b"\0" * 30_000)
            f.flush()
            os.fsync(f.fileno())
        path.unlink()
    return round(1000 * (time.monotonic() - start) / count, 2)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def print_report(report: dict[str, Any]) -> None:
    m = report["machine"]
    print(f"\n{report['command']}  ({m['date']}, {m['nproc']} cpus, {m['cpu_model']}, "
          f"load {m['load_average_at_start']}, fsync {m['fsync_ms']} ms, "
          f"{report['seconds']} s)\n")
    print(f"{'who':<34} {'docs':>5} {'wall s':>8} {'docs/s':>8} {'cpu ms/doc':>11}")
    startup, ours = report["openseal_startup"], report["openseal"]
    rows = [(f"openseal batch --workers {ours['workers']}", ours),
            ("pyHanko loop, 1 process", report["pyhanko_1_proc"]),
            ("pyHanko loop, 2 processes", report["pyhanko_2_procs"]),
            ("openseal batch, 1 document", startup)]
    for name, r in rows:
        print(f"{name:<34} {r['docs']:>5} {r['seconds']:>8} {r['docs_per_s']:>8} "
              f"{r['cpu_ms_per_doc']:>11}")
    ratio = report["ratio"]
    print(f"\nstart-up (1-document batch): {startup['seconds']} s; OpenSeal without it: "
          f"~{report['openseal_without_startup_docs_per_s']} docs/s")
    print(f"sealing phase of openseal batch: {ours['sealing_seconds']} s, "
          f"{ours['sealing_docs_per_s']} docs/s")
    print(f"GATED ratio, sealing phase / pyHanko loop (1 process): {ratio['sealing']}x")
    print(f"ratio openseal batch from start to exit / pyHanko loop (1 process): "
          f"{ratio['docs_per_s']}x docs/s, "
          f"{ratio['cpu_time']}x CPU time per doc; vs pyHanko on 2 processes: "
          f"{ratio['vs_pyhanko_2_procs']}x")
    checks = report["checks"]["openseal"]
    print(f"checked: {report['docs']} outputs per side, {len(checks['validated'])} per side "
          f"validated (pyHanko + pdfsig); registry: {checks['records']} records, "
          f"{checks['seal_use_entries']} seal.use entries")
    if report["gate"] is None:
        print("quick mode: the ratio is not gated")
    else:
        verdict = "PASS" if ratio["sealing"] >= report["gate"] else "FAIL"
        print(f"gate >= {report['gate']}x: {verdict}")
