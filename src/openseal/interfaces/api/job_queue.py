"""The app's job queue (ops.jobs): ``batch.seal`` is deferred when a batch job is created and
when the app starts (to finish what a stopped or crashed server left). An app run by
``openseal serve`` also runs job workers (OPENSEAL_JOB_WORKERS) and the periodic jobs; a bare
app (tests, embedding) only defers, and on SQLite its deferred jobs run in a thread it starts
on the first one."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from openseal.errors import OpenSealError
from openseal.ops.jobs.catalogue import BATCH_SEAL
from openseal.ops.jobs.queue import JobQueue, job_queue

log = logging.getLogger("openseal.jobs")


def install(app: FastAPI, serve: bool = False) -> None:
    """``app.state.jobs``: started with the app, stopped on shutdown."""
    queue = job_queue(app.state.wiring, app.state.sealers)
    app.state.jobs = queue

    def started() -> None:
        wiring = app.state.wiring
        try:
            wiring.require_schema()
        except OpenSealError as exc:
            log.info("job queue not started: %s", exc.code)
            return
        if serve and wiring.settings.job_workers > 0:
            queue.start(periodic=True)
        queue.defer(BATCH_SEAL)  # finds nothing, or finishes what was left

    app.router.on_startup.append(started)
    app.router.on_shutdown.append(queue.stop)


def jobs_of(app: FastAPI) -> JobQueue:
    found: JobQueue = app.state.jobs
    return found
