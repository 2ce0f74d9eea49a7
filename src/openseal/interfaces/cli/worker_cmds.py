"""openseal worker: run background jobs without serving HTTP (PostgreSQL), and
openseal jobs run NAME: run one job now, in this process (cron or by hand). The queue's
modules (procrastinate, the backup code) are imported by these commands only."""

from __future__ import annotations

from collections.abc import Callable

import structlog
import typer

from openseal.bootstrap import Wiring
from openseal.core.signing.service import SealerCache
from openseal.errors import InvalidInput
from openseal.interfaces.cli.output import emit, translated_errors
from openseal.ops.logs import configure_logging


def register(app: typer.Typer, wiring: Callable[[], Wiring]) -> None:
    @app.command()
    def worker(concurrency: int = typer.Option(2, min=1, help="Jobs run at once")) -> None:
        """Run background jobs (batch sealing, CRLs, archive timestamps, checkpoints,
        backups) until stopped. PostgreSQL only: on SQLite `openseal serve` runs them."""
        from openseal.ops.jobs.postgres import PostgresQueue
        from openseal.ops.jobs.queue import job_queue

        configure_logging()
        with translated_errors(False):
            w = wiring()
            w.require_schema()
            queue = job_queue(w, SealerCache())
            if not isinstance(queue, PostgresQueue):
                raise InvalidInput("WORKER_NEEDS_POSTGRESQL",
                                   "SQLite 实例的后台任务由 openseal serve 运行；"
                                   "openseal worker 需要 PostgreSQL（OPENSEAL_DATABASE_URL）",
                                   "On SQLite, openseal serve runs the background jobs; "
                                   "openseal worker needs PostgreSQL (OPENSEAL_DATABASE_URL)")
        structlog.get_logger("openseal.jobs").info("worker started", concurrency=concurrency)
        queue.run_forever(concurrency)

    jobs = typer.Typer(help="后台任务 / background jobs", no_args_is_help=True)
    app.add_typer(jobs, name="jobs")

    @jobs.command("list")
    def list_jobs(as_json: bool = typer.Option(False, "--json")) -> None:
        """The background jobs and when each runs by itself."""
        from openseal.ops.jobs.catalogue import catalogue

        with translated_errors(as_json):
            found = [{"name": j.name, "cron": j.cron,
                      "about": " ".join((j.run.__doc__ or "").split("\n\n")[0].split())}
                     for j in catalogue(wiring().settings).values()]
            emit({"jobs": found}, as_json, lambda: typer.echo("\n".join(
                f"{j['name']:<18} {j['cron'] or 'on demand':<16} {j['about']}"
                for j in found)))

    @jobs.command("run")
    def run(name: str = typer.Argument(..., help="A job name from `openseal jobs list`"),
            as_json: bool = typer.Option(False, "--json")) -> None:
        """Run one job now in this process and print its summary."""
        from openseal.ops.jobs.catalogue import JobEnv, catalogue, run_job

        with translated_errors(as_json):
            w = wiring()
            w.require_schema()
            known = catalogue(w.settings)
            if name not in known:
                raise InvalidInput("JOB_UNKNOWN",
                                   f"没有名为 {name} 的任务（见 openseal jobs list）",
                                   f"No job named {name} (see openseal jobs list)",
                                   field="name", allowed=sorted(known))
            result = run_job(known[name], JobEnv(w, SealerCache()))
            emit({"job": name, **result}, as_json, lambda: typer.echo(f"{name}: {result}"))
