"""openseal batch: seal every PDF and OFD file of a folder, with worker processes;
resumable. A PDF is sealed with an ECDSA seal (PAdES), an OFD file with an SM2 seal
(GB/T 38540); a file of the other kind is refused on its own (SEAL_ALGORITHM_PDF /
SEAL_ALGORITHM_OFD), the others go on.

The guarantee (see docs/batch.md): run the same command again after any crash, kill -9
included, and every document is sealed exactly once, its output appears whole or not at
all, and no temporary file is left behind.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, replace
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

import typer

from openseal.bootstrap import Context, Wiring
from openseal.core.seals.service import find_seal
from openseal.core.signing.cross_page import cross_page
from openseal.core.signing.ltv import checked_level
from openseal.core.signing.ofd_service import OFD_LEVEL, refuse_pdf_only
from openseal.core.templates.apply import refuse_mixing
from openseal.core.templates.service import find_template
from openseal.errors import Conflict, InvalidInput
from openseal.interfaces.cli import batch_worker
from openseal.interfaces.cli.batch_group_worker import process_group
from openseal.interfaces.cli.batch_groups import StagedOutput, settle
from openseal.interfaces.cli.batch_journal import CSV_NAME, Journal
from openseal.interfaces.cli.batch_worker import Task
from openseal.interfaces.cli.files import write_atomically
from openseal.interfaces.cli.output import translated_errors

GROUP_MAX = 32  # documents per transaction
INPUT_SUFFIXES = (".pdf", ".ofd")  # what the batch seals (the kind is told by content)
CSV_FIELDS = ("file", "status", "document_id", "sha256_in", "sha256_out", "error")


def register(app: typer.Typer, wiring: Callable[[], Wiring]) -> None:
    @app.command()
    def batch(
        in_dir: Path = typer.Argument(..., metavar="IN_DIR"),
        out_dir: Path = typer.Option(..., "-o", "--out", metavar="OUT_DIR"),
        seal: str = typer.Option(None, help="Seal id or name"),
        template: str = typer.Option(None, "--template", help="A document template (id or "
                                     "name) instead of --seal: its seals, positions, level"),
        workers: int = typer.Option(2, "--workers", min=1, max=64),
        page: int = typer.Option(1, help="Page number, from 1"),
        x: float = typer.Option(None, help="mm from the page's left edge"),
        y: float = typer.Option(None, help="mm from the page's bottom edge"),
        level: str = typer.Option(None, "--level", help="PAdES level: B-T (default) | B-LT "
                                                        "| B-LTA (PDF only)"),
        keyword: str = typer.Option(None, help="Centre the seal on this text, e.g. "
                                               "甲方（盖章） (then --page/--x/--y are ignored)"),
        cross: bool = typer.Option(False, "--cross-page", help="Also a cross-page seal "
                                                                "(骑缝章) over the pages' edge"),
        pages: str = typer.Option(None, help="Pages of the cross-page seal, e.g. 1-5 "
                                             "(default: all)"),
        edge: str = typer.Option("right", help="Edge of the cross-page seal: right or left"),
        lock: bool = typer.Option(False, "--lock", help="OFD only (SM2 seal): the seal "
                                  "protects the signature list, so no later signature can "
                                  "be added"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Seal every *.pdf and *.ofd of IN_DIR into OUT_DIR (same names), as the trusted
        operator: PDFs with an ECDSA seal, OFD files with an SM2 seal (a file of the other
        kind is reported refused). Resumable: run the same command again after an
        interruption; each document is sealed once. Exit 0 when all are sealed, 1 when any
        failed."""
        with translated_errors(as_json):
            placing = _Placing(keyword, cross, pages, edge, lock)
            _exclusive(seal, template, page, x, y, level, placing)
            files = _inputs(in_dir, out_dir)
            w = wiring()
            w.require_schema()
            base = w.run(lambda c: _base_task(c, seal, template, page, x, y, level, placing))
            journal = Journal(out_dir)
            with _folder_locks(journal):
                recovered = settle(journal, lambda entry: _committed(w, entry))
                tasks = [replace(base, infile=str(f), out_dir=str(out_dir)) for f in files]
                w.engine.dispose()  # no connection of ours crosses into a worker
                started = time.monotonic()
                results = _run(tasks, workers, out_dir, show=not as_json
                               and sys.stderr.isatty())
                seconds = time.monotonic() - started
                recovered += settle(journal, lambda entry: _committed(w, entry))
            results = [_as_recovered(r) if r["file"] in recovered else r for r in results]
            summary = _summary(results, out_dir, seconds)
            write_atomically(out_dir / CSV_NAME, _csv(results))
        if as_json:
            typer.echo(json.dumps(summary, ensure_ascii=False))
        else:
            _print_human(summary)
        raise typer.Exit(1 if summary["failed"] else 0)


@dataclass(frozen=True)
class _Placing:
    """The keyword, riding seal and lock options (PDF and OFD alike; --lock OFD only)."""
    keyword: str | None
    cross: bool
    pages: str | None
    edge: str
    lock: bool

    def given(self) -> list[str]:
        on = {"--keyword": self.keyword is not None, "--cross-page": self.cross,
              "--pages": self.pages is not None, "--edge": self.edge != "right",
              "--lock": self.lock}
        return [name for name, yes in on.items() if yes]


def _exclusive(seal: str | None, template: str | None, page: int, x: float | None,
               y: float | None, level: str | None, placing: _Placing) -> None:
    """Either --seal (with its position and level) or --template, which says all that."""
    if template is None:
        if seal is None:
            raise InvalidInput("SEAL_REQUIRED", "请用 --seal 指定印章，或用 --template 指定模板",
                               "Give a seal (--seal) or a template (--template)",
                               field="seal")
        if placing.cross:
            cross_page(placing.pages, placing.edge)  # a bad range or edge: refused up front
        return
    given = {"--seal": seal is not None, "--page": page != 1, "--x": x is not None,
             "--y": y is not None, "--level": level is not None}
    refuse_mixing([name for name, on in given.items() if on] + placing.given())


def _base_task(c: Context, seal: str | None, template: str | None, page: int,
               x: float | None, y: float | None, level: str | None, placing: _Placing
               ) -> Task:
    """The task every document gets (file names apart). An SM2 seal seals the OFD files
    (its level is GB/T 38540: --level is refused); --lock needs an SM2 seal."""
    if template is not None:
        t = find_template(c.repos, template)
        return Task("", "", t.stamps[-1].seal_id, t.org_id, 1, None, None, t.level, t.id,
                    t.version)
    assert seal is not None
    found = find_seal(c.repos, seal)
    if found.algorithm == "sm2":
        refuse_pdf_only(["--level"] if level is not None else [])
        task_level = OFD_LEVEL
    else:
        if placing.lock:
            raise InvalidInput("LOCK_OFD_ONLY", "--lock 只用于 OFD 文件（须用 SM2 印章）",
                               "--lock is for OFD files (sealed with an SM2 seal)",
                               field="lock")
        task_level = checked_level(level)
    return Task("", "", found.id, found.org_id, page, x, y, task_level,
                keyword=placing.keyword, cross_page=placing.cross, pages=placing.pages,
                edge=placing.edge, lock=placing.lock)


def _committed(w: Wiring, entry: StagedOutput) -> bool:
    """Whether the group file's document committed: the database's answer."""
    def look(c: Context) -> bool:
        return any(r.seal_id == entry.seal_id and r.input_sha256 == entry.sha256_in
                   for r in c.repos.find_issued([entry.sha256_out]))
    return w.run(look)


def _as_recovered(result: dict[str, Any]) -> dict[str, Any]:
    """Sealed by an interrupted run (or in this one, with the commit's outcome unknown to
    its worker), put in place now."""
    if result["status"] not in ("already", "error"):
        return result
    return {**result, "status": "recovered", "error": None, "message": None}


def groups(tasks: list[Task], workers: int) -> list[list[int]]:
    """Task indexes by group: documents of one seal share a transaction (up to GROUP_MAX,
    at least 4 groups per worker so the work spreads); a template's go one by one."""
    size = max(1, min(GROUP_MAX, len(tasks) // (workers * 4)))
    if tasks and tasks[0].template_id is not None:
        size = 1
    return [list(range(i, min(i + size, len(tasks)))) for i in range(0, len(tasks), size)]


def _inputs(in_dir: Path, out_dir: Path) -> list[Path]:
    if not in_dir.is_dir():
        raise InvalidInput("INPUT_DIR", f"输入目录不存在：{in_dir}",
                           f"The input folder does not exist: {in_dir}", field="in_dir")
    out_dir.mkdir(parents=True, exist_ok=True)
    if in_dir.resolve() == out_dir.resolve():
        raise InvalidInput("OUTPUT_DIR", "输出目录不能与输入目录相同",
                           "The output folder must differ from the input folder", field="out")
    return sorted(p for p in in_dir.iterdir() if p.is_file()
                  and p.suffix.lower() in INPUT_SUFFIXES)


@contextmanager
def _folder_locks(journal: Journal) -> Iterator[None]:
    """One batch per output folder; workers of an earlier, killed run are waited for."""
    journal.ensure()
    run_lock = journal.lock("run.lock", wait=False)
    if run_lock is None:
        raise Conflict("BATCH_BUSY", f"另一个批量盖章正在使用 {journal.out_dir}",
                       f"Another batch is working on {journal.out_dir}")
    try:
        workers_lock = journal.lock("workers.lock")  # orphans die with their parent
        assert workers_lock is not None
        journal.clean_stray_entries()
        workers_lock.close()
        yield
    finally:
        run_lock.close()


def _run(tasks: list[Task], workers: int, out_dir: Path, show: bool) -> list[dict[str, Any]]:
    results: dict[int, dict[str, Any]] = {}
    if not tasks:
        return []
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=_start_method(),
                             initializer=batch_worker.start, initargs=(str(out_dir),)) as pool, \
            _submitted(pool, tasks, workers) as futures, \
            _progress(len(tasks), show) as advance:  # its thread starts after the workers
        try:
            for future in as_completed(futures):
                group = futures[future]
                try:
                    results.update(zip(group, future.result(), strict=True))
                except BrokenProcessPool:
                    results.update((i, _interrupted(tasks[i])) for i in group)
                advance(len(group))
        except BrokenProcessPool:
            pass
    return [results.get(i) or _interrupted(task) for i, task in enumerate(tasks)]


@contextmanager
def _submitted(pool: ProcessPoolExecutor, tasks: list[Task], workers: int
               ) -> Iterator[dict[Future[list[dict[str, Any]]], list[int]]]:
    yield {pool.submit(process_group, [tasks[i] for i in group]): group
           for group in groups(tasks, workers)}


def _start_method() -> BaseContext:
    """Workers forked from this process (its modules already imported: no second start-up
    of a second or more) when that is safe: on Linux, with no other thread running; else
    spawned afresh."""
    if sys.platform == "linux" and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _interrupted(task: Task) -> dict[str, Any]:
    return {"file": Path(task.infile).name, "status": "error", "document_id": None,
            "sha256_in": None, "sha256_out": None, "error": "BATCH_INTERRUPTED",
            "message": "A worker process died; run the same command again to finish"}


@contextmanager
def _progress(total: int, show: bool) -> Iterator[Callable[[int], None]]:
    if not show:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    started = time.monotonic()
    columns = (TextColumn("[bold]batch"), BarColumn(), MofNCompleteColumn(),
               TaskProgressColumn(), TextColumn("{task.fields[rate]} doc/s"),
               TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True)) as progress:
        bar = progress.add_task("batch", total=total, rate="-")

        def advance(n: int) -> None:
            done = progress.tasks[0].completed + n
            rate = done / max(time.monotonic() - started, 1e-6)
            progress.update(bar, advance=n, rate=f"{rate:.1f}")
        yield advance


def _summary(results: list[dict[str, Any]], out_dir: Path, seconds: float
             ) -> dict[str, Any]:
    count = {s: sum(1 for r in results if r["status"] == s)
             for s in ("sealed", "recovered", "already", "error")}
    return {"total": len(results), "sealed": count["sealed"],
            "sealing_seconds": round(seconds, 3),  # the workers' part: start-up excluded
            "recovered": count["recovered"], "already": count["already"],
            "failed": count["error"], "csv": str(out_dir / CSV_NAME),
            "errors": [{"file": r["file"], "error": r["error"], "message": r["message"]}
                       for r in results if r["status"] == "error"],
            "documents": results}


def _csv(results: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for r in results:
        writer.writerow([r["file"], r["status"], r["document_id"] or "", r["sha256_in"] or "",
                         r["sha256_out"] or "", r["error"] or ""])
    return buf.getvalue().encode("utf-8")


def _print_human(summary: dict[str, Any]) -> None:
    for error in summary["errors"]:
        print(f"{error['file']}: {error['error']} {error['message']}", file=sys.stderr)
    typer.echo(f"sealed {summary['sealed']}, recovered {summary['recovered']}, already "
               f"sealed {summary['already']}, failed {summary['failed']} "
               f"(of {summary['total']}); report: {summary['csv']}")
