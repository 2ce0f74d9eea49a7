"""SQLite: the jobs run in one thread of the serving process.

Deferred jobs run first, in order, each name at most once in the queue; periodic jobs run
when their cron time comes (only once ``start(periodic=True)`` was called: ``openseal
serve`` does, a bare app in a test does not). Nothing survives the process: on start the
server defers ``batch.seal`` again, and unfinished documents are in the database.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Any

from croniter import croniter

from openseal.ops.jobs.catalogue import Job, JobEnv, run_job

log = logging.getLogger("openseal.jobs")
IDLE_WAIT = 30.0  # seconds between looks when nothing is pending or due


class LocalQueue:
    def __init__(self, env: JobEnv, jobs: dict[str, Job]) -> None:
        self.env, self.jobs = env, jobs
        self._cv = threading.Condition()
        self._pending: dict[str, float] = {}  # name -> monotonic time it is due
        self._due: dict[str, datetime] = {}  # periodic job -> next local time it runs
        self._running = False
        self._thread: threading.Thread | None = None
        self._stopped = False

    def defer(self, name: str, delay: float = 0.0) -> None:
        with self._cv:
            at = time.monotonic() + delay
            self._pending[name] = min(at, self._pending.get(name, at))
            self._cv.notify_all()
        self.start()

    def start(self, periodic: bool = False) -> None:
        with self._cv:
            if periodic and not self._due:
                now = datetime.now().astimezone()
                self._due = {n: croniter(j.cron, now).get_next(datetime)
                             for n, j in self.jobs.items() if j.cron}
            if self._stopped or (self._thread is not None and self._thread.is_alive()):
                self._cv.notify_all()
                return
            self._thread = threading.Thread(target=self._loop, name="openseal-jobs",
                                            daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        with self._cv:
            self._stopped = True
            self._cv.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing deferred is pending or running (or the queue is stopped and
        its thread gone); False on timeout."""
        end = time.monotonic() + timeout
        with self._cv:
            while (self._pending and not self._stopped) or self._running:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._cv.wait(min(left, 0.2))
        return True

    def _loop(self) -> None:
        while True:
            with self._cv:
                name = self._next()
                while name is None and not self._stopped:
                    self._cv.wait(self._sleep())
                    name = self._next()
                if self._stopped or name is None:
                    return
                self._running = True
            try:
                self._run(name)
            finally:
                with self._cv:
                    self._running = False
                    self._cv.notify_all()

    def _next(self) -> str | None:
        now = time.monotonic()
        for name, at in sorted(self._pending.items(), key=lambda kv: kv[1]):
            if at <= now:
                del self._pending[name]
                return name
        wall = datetime.now().astimezone()
        for name, when in self._due.items():
            if when <= wall:
                self._due[name] = croniter(self.jobs[name].cron, wall).get_next(datetime)
                return name
        return None

    def _sleep(self) -> float:
        waits = [at - time.monotonic() for at in self._pending.values()]
        wall = datetime.now().astimezone()
        waits += [(when - wall).total_seconds() for when in self._due.values()]
        return max(0.05, min([IDLE_WAIT, *waits]))

    def _run(self, name: str) -> None:
        result: dict[str, Any] = {}
        try:
            result = run_job(self.jobs[name], self.env)
        except Exception:  # noqa: BLE001 - logged and counted; the next run tries again
            log.warning("job %s failed", name, exc_info=True)
        again = result.get("again_in")
        if again:
            with self._cv:
                at = time.monotonic() + float(again)
                self._pending[name] = min(at, self._pending.get(name, at))
