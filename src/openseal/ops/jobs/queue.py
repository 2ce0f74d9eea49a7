"""The process's job queue: procrastinate on PostgreSQL, a thread on SQLite."""

from __future__ import annotations

from typing import Protocol

from openseal.bootstrap import Wiring
from openseal.core.signing.service import SealerCache
from openseal.ops.jobs.catalogue import JobEnv, catalogue
from openseal.ops.jobs.local import LocalQueue
from openseal.ops.jobs.postgres import PostgresQueue


class JobQueue(Protocol):
    def defer(self, name: str, delay: float = 0.0) -> None: ...
    def start(self, periodic: bool = False) -> None: ...
    def stop(self, timeout: float = 30.0) -> None: ...
    def wait_idle(self, timeout: float) -> bool: ...


def job_queue(wiring: Wiring, sealers: SealerCache) -> LocalQueue | PostgresQueue:
    env = JobEnv(wiring, sealers)
    jobs = catalogue(wiring.settings)
    url = wiring.settings.resolved_database_url
    if url.startswith("postgresql"):
        return PostgresQueue(env, jobs, url)
    return LocalQueue(env, jobs)
