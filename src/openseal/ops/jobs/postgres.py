"""PostgreSQL: the jobs run on procrastinate, picked up by the workers of every server
(``openseal serve``) and of ``openseal worker``.

- A deferred job is a row in procrastinate_jobs; ``batch.seal`` is queued at most once at a
  time (a queueing lock), and re-deferred by itself while other workers hold claims.
- Periodic jobs are deferred once per cron time across all workers (procrastinate's
  periodic_defers table).
- A worker sends a heartbeat; the ``jobs.retry_stalled`` job (every 15 s) puts a job whose
  worker stopped beating for OPENSEAL_JOB_STALE_SECONDS back in the queue, and another
  worker runs it again. Batch documents are claimed and sealed in one transaction each, so
  a job run twice seals each document once.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from procrastinate import App, JobContext, PsycopgConnector, SyncPsycopgConnector
from procrastinate.exceptions import AlreadyEnqueued, UniqueViolation
from procrastinate.jobs import Status
from psycopg_pool import NullConnectionPool
from sqlalchemy.engine import make_url

from openseal.ops.jobs.catalogue import BATCH_SEAL, Job, JobEnv, run_job

RETRY_STALLED = "jobs.retry_stalled"
RETRY_CRON = "* * * * * */15"  # the sixth column: every 15 seconds
log = logging.getLogger("openseal.jobs")


def libpq_url(database_url: str) -> str:
    """SQLAlchemy's ``postgresql+psycopg://...`` as libpq's ``postgresql://...``."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(
        hide_password=False)


class PostgresQueue:
    def __init__(self, env: JobEnv, jobs: dict[str, Job], database_url: str) -> None:
        self.env, self.jobs = env, jobs
        self.conninfo = libpq_url(database_url)
        self.stale = float(env.wiring.settings.job_stale_seconds)
        self._lock = threading.Lock()
        self._deferrer: App | None = None
        self._stopped = False
        self._worker: tuple[threading.Thread, asyncio.AbstractEventLoop,
                            asyncio.Task[None]] | None = None

    # ------------------------------------------------------------------ deferring

    def defer(self, name: str, delay: float = 0.0) -> None:
        task = self._deferring_app().configure_task(
            name, queueing_lock=name if name == BATCH_SEAL else None,
            schedule_in={"seconds": int(delay)} if delay else None)
        try:
            task.defer()
        except AlreadyEnqueued:
            pass  # one queued batch.seal seals every waiting document

    def _deferring_app(self) -> App:
        with self._lock:
            if self._deferrer is None:
                # a connection per deferral, closed after it: no idle connection is kept
                # (deferrals are rare: one per batch job created)
                app = self._app(SyncPsycopgConnector(), periodic=False)
                app.open(NullConnectionPool(self.conninfo, open=True))
                self._deferrer = app
            return self._deferrer

    # ------------------------------------------------------------------ working

    def start(self, periodic: bool = False, concurrency: int | None = None) -> None:
        """Run a worker in a thread of this process (``openseal serve``)."""
        started = threading.Event()
        holder: list[Any] = []

        def work() -> None:
            loop = asyncio.new_event_loop()
            task = loop.create_task(self._work(periodic, concurrency, wait=True))
            holder.extend([loop, task])
            started.set()
            try:
                loop.run_until_complete(task)
            except asyncio.CancelledError:
                pass
            except Exception:  # noqa: BLE001 - the server goes on; readyz shows the queue
                log.error("job worker stopped", exc_info=True)
            finally:
                loop.close()

        thread = threading.Thread(target=work, name="openseal-jobs", daemon=True)
        thread.start()
        started.wait(10)
        self._worker = (thread, holder[0], holder[1])

    def stop(self, timeout: float = 30.0) -> None:
        self._stopped = True
        if self._worker is not None:
            thread, loop, task = self._worker
            loop.call_soon_threadsafe(task.cancel)
            thread.join(timeout)
            self._worker = None
        with self._lock:
            if self._deferrer is not None:
                self._deferrer.close()
                self._deferrer = None

    def run_forever(self, concurrency: int) -> None:
        """``openseal worker``: work in the foreground until SIGINT/SIGTERM."""
        asyncio.run(self._work(True, concurrency, wait=True, signals=True))

    def wait_idle(self, timeout: float) -> bool:
        """Run every job that is due in this thread, then return (a worker in burst mode);
        nothing once stopped. False on timeout."""
        if self._stopped:
            return True
        try:
            asyncio.run(asyncio.wait_for(self._work(False, 1, wait=False), timeout))
        except TimeoutError:
            return False
        return True

    async def _work(self, periodic: bool, concurrency: int | None, *, wait: bool,
                    signals: bool = False) -> None:
        app = self._app(PsycopgConnector(conninfo=self.conninfo, min_size=1, max_size=4),
                        periodic=periodic)
        async with app.open_async():
            await app.run_worker_async(
                concurrency=concurrency or max(1, self.env.wiring.settings.job_workers),
                wait=wait, install_signal_handlers=signals, listen_notify=wait,
                additional_context={"env": self.env},
                update_heartbeat_interval=max(1.0, self.stale / 4),
                stalled_worker_timeout=self.stale, delete_jobs="successful")

    # ------------------------------------------------------------------ the app

    def _app(self, connector: Any, periodic: bool) -> App:
        app = App(connector=connector)
        for job in self.jobs.values():
            task = app.task(name=job.name, pass_context=True, retry=0)(_runner(job))
            if periodic and job.cron:
                app.periodic(cron=job.cron, periodic_id=job.name)(task)
        if periodic:
            retry = app.task(name=RETRY_STALLED, pass_context=True)(_retry_stalled(self.stale))
            app.periodic(cron=RETRY_CRON, periodic_id=RETRY_STALLED)(retry)
        return app


def _runner(job: Job) -> Any:
    async def run(context: JobContext, timestamp: int | None = None) -> None:
        env: JobEnv = context.additional_context["env"]
        result = await asyncio.to_thread(run_job, job, env)
        again = result.get("again_in")
        if again:
            try:
                await context.app.configure_task(
                    job.name, queueing_lock=job.name,
                    schedule_in={"seconds": int(again)}).defer_async()
            except AlreadyEnqueued:
                pass
    return run


def _retry_stalled(stale: float) -> Any:
    async def retry(context: JobContext, timestamp: int | None = None) -> None:
        manager = context.app.job_manager
        for job in await manager.get_stalled_jobs(seconds_since_heartbeat=stale):
            log.warning("job %s (%s) lost its worker: queued again", job.id, job.task_name)
            try:
                await manager.retry_job(job)
            except UniqueViolation:  # the same job is queued already: that one does it
                await manager.finish_job(job, Status.ABORTED, delete_job=False)
    return retry
