"""``python -m bench.audit [--quick]``: the cost of one audit append and of verifying an export.

Append: one event per transaction through ``Wiring.context`` + ``AuditRecorder.record`` (the
head-row lock, the hash chain, the insert, the commit), on SQLite and, when
OPENSEAL_TEST_DATABASE_URL is set, on PostgreSQL. The raw baseline in the same run: a plain
SQLAlchemy INSERT of a row of the same shape, one per transaction, on the same database.

Verify: ``read_export`` + ``verify_log`` on a synthetic export of 100,000 chained events,
next to the raw baseline of hashing the same 100,000 canonical leaves with hashlib.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.inputs import RESULTS
from openseal.core.audit import new_event, read_export, verify_log
from tests.support.instance import TestInstance, make_instance


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"median_ms": statistics.median(ordered) * 1000,
            "p99_ms": ordered[int(len(ordered) * 0.99) - 1] * 1000}


def _append_costs(instance: TestInstance, count: int) -> list[float]:
    samples = []
    for n in range(count):
        started = time.perf_counter()
        with instance.wiring.context() as c:
            c.audit.record("bench.append", target=f"doc:{n}",
                           details={"input_sha256": "ab" * 32, "n": n})
        samples.append(time.perf_counter() - started)
    return samples


def _raw_insert_costs(instance: TestInstance, count: int) -> list[float]:
    engine = instance.wiring.engine
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE bench_raw (seq INTEGER PRIMARY KEY, body TEXT)"))
    samples = []
    for n in range(count):
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO bench_raw (seq, body) VALUES (:s, :b)"),
                         {"s": n, "b": json.dumps({"n": n, "input_sha256": "ab" * 32})})
        samples.append(time.perf_counter() - started)
    return samples


def bench_append(name: str, url: str | None, count: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        instance = make_instance(Path(folder) / "home", database_url=url)
        ours = _percentiles(_append_costs(instance, count))
        raw = _percentiles(_raw_insert_costs(instance, count))
        instance.wiring.engine.dispose()
    return {"database": name, "appends": count, "openseal": ours, "raw_insert": raw,
            "ratio_median": ours["median_ms"] / raw["median_ms"]}


def _postgres_database() -> tuple[str, str] | None:
    base = os.environ.get("OPENSEAL_TEST_DATABASE_URL")
    if not base:
        return None
    name = f"openseal_bench_{uuid.uuid4().hex[:10]}"
    with create_engine(base, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return base, make_url(base).set(database=name).render_as_string(hide_password=False)


def _drop(base: str, url: str) -> None:
    name = make_url(url).database
    with create_engine(base, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def bench_verify(count: int) -> dict[str, Any]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    lines, prev = [], "00" * 32
    for n in range(count):
        event = new_event(n, start + timedelta(seconds=n), prev, actor="bench",
                          actor_kind="system", action="seal.use", outcome="success",
                          details={"input_sha256": "ab" * 32, "n": n})
        prev = event.entry_hash()
        lines.append(json.dumps(event.to_export()))
    started = time.perf_counter()
    events, checkpoints = read_export(lines)
    report = verify_log(events, checkpoints, [])
    ours = time.perf_counter() - started
    assert report.ok, report.problems
    started = time.perf_counter()
    for event in events:
        hashlib.sha256(b"\x00" + event.leaf_bytes()).digest()
    raw = time.perf_counter() - started
    return {"entries": count, "openseal_s": ours, "raw_leaf_hashing_s": raw,
            "ratio": ours / raw}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer appends, 10,000 entries")
    args = parser.parse_args(argv)
    appends, entries = (200, 10_000) if args.quick else (2_000, 100_000)
    results: dict[str, Any] = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
                               "append": [bench_append("sqlite", None, appends)]}
    postgres = _postgres_database()
    if postgres is None:
        print("PostgreSQL: skipped (set OPENSEAL_TEST_DATABASE_URL to include it)")
    else:
        try:
            results["append"].append(bench_append("postgresql", postgres[1], appends))
        finally:
            _drop(*postgres)
    results["verify"] = bench_verify(entries)
    _print(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "audit-latest.json").write_text(json.dumps(results, indent=2))


def _print(results: dict[str, Any]) -> None:
    print(f"python -m bench.audit  ({results['date']})")
    print(f"{'database':<11} {'appends':>7} {'median ms':>10} {'p99 ms':>8} "
          f"{'raw median':>11} {'raw p99':>8} {'ratio':>6}")
    for row in results["append"]:
        o, r = row["openseal"], row["raw_insert"]
        print(f"{row['database']:<11} {row['appends']:>7} {o['median_ms']:>10.2f} "
              f"{o['p99_ms']:>8.2f} {r['median_ms']:>11.2f} {r['p99_ms']:>8.2f} "
              f"{row['ratio_median']:>5.1f}x")
    v = results["verify"]
    print(f"verify export of {v['entries']:,} entries: {v['openseal_s']:.2f} s "
          f"(raw leaf hashing {v['raw_leaf_hashing_s']:.2f} s, {v['ratio']:.1f}x)")


if __name__ == "__main__":
    main()
