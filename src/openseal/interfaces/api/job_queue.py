"""The server's batch runner: one background thread per app, started when a job is created
and when the app starts (to resume unfinished jobs), gone when nothing is left to do.

Each document: claim it (its own short transaction), then seal it and mark it sealed in ONE
transaction (see core.batches.work); a refusal is recorded on the item and the job goes on.
A runner that dies leaves its claim behind; another runner retakes it once it is older than
``stale_after``. The thread is a daemon and is stopped on app shutdown.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from fastapi import FastAPI

from openseal.bootstrap import Wiring
from openseal.core.audit.recorder import Actor
from openseal.core.batches.model import BatchItemRecord
from openseal.core.batches.work import claim_lost, claim_next, fail_item, seal_item
from openseal.core.signing.service import SealerCache
from openseal.errors import NotFound, OpenSealError

STALE_CLAIM = timedelta(minutes=5)  # far longer than sealing one document takes
POLL_SECONDS = 5.0  # while other runners hold claims: look again this often
RETRIES = 12  # database errors in a row before the thread gives up (the next job or start
# of the server starts another)
RUNNER = Actor("batch-runner", "system", agent="batch")
log = logging.getLogger("openseal.batch")


class BatchRunner:
    def __init__(self, wiring: Wiring, sealers: SealerCache,
                 stale_after: timedelta = STALE_CLAIM) -> None:
        self.wiring, self.sealers, self.stale_after = wiring, sealers, stale_after
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again = False
        self._stop = threading.Event()

    def kick(self) -> None:
        """Make sure a thread is working (a new job, or the app started)."""
        with self._lock:
            if self._stop.is_set():
                return
            if self._thread is not None and self._thread.is_alive():
                self._again = True
                return
            self._again = False
            self._thread = threading.Thread(target=self._loop, name="openseal-batch",
                                            daemon=True)
            self._thread.start()

    def resume(self) -> None:
        """On startup: finish the jobs a stopped or crashed server left (nothing when the
        instance is not initialised yet)."""
        try:
            self.wiring.require_schema()
        except OpenSealError as exc:
            log.info("batch runner not started: %s", exc.code)
            return
        self.kick()

    def stop(self, timeout: float = 30.0) -> None:
        """No new document is started; the one being sealed is finished (or its claim
        goes stale)."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until the thread has nothing left to do and is gone; False on timeout."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def _loop(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                if self.step():
                    failures = 0
                    continue
                if self._others_working():
                    self._stop.wait(POLL_SECONDS)
                    continue
            except Exception:  # noqa: BLE001 - database gone: retried, then the claims go stale
                failures += 1
                log.warning("batch runner failed (%d)", failures, exc_info=True)
                if failures < RETRIES:
                    self._stop.wait(POLL_SECONDS)
                    continue
            with self._lock:
                if not self._again or failures >= RETRIES:
                    self._thread = None
                    return
                self._again = False

    def run_until_idle(self) -> int:
        """Seal in this thread until nothing is left to claim: how many items were done."""
        done = 0
        while not self._stop.is_set() and self.step():
            done += 1
        return done

    def step(self) -> bool:
        """Claim one document and seal it (or record why not); False when none is left."""
        with self.wiring.context(RUNNER) as c:
            now = c.clock.now()
            claimed = claim_next(c.repos, now, now - self.stale_after)
        if claimed is None:
            return False
        self.process(*claimed)
        return True

    def process(self, item: BatchItemRecord, claim: str) -> None:
        """Seal one claimed item; a refusal is recorded on it."""
        try:
            with self.wiring.context(RUNNER) as c:
                job = c.repos.get_batch(item.batch_id)
                if job is None:
                    raise NotFound("BATCH_NOT_FOUND", "找不到批量任务", "Batch job not found")
                seal_item(c.repos, c.pki, c.keystore, c.clock, self.sealers, c.documents,
                          job, item, claim, audit=c.audit)
        except OpenSealError as exc:
            if exc.code != claim_lost().code:
                self._fail(item, claim, exc)
        except Exception as exc:  # noqa: BLE001 - one document never stops the job
            log.error("batch item failed", exc_info=exc)
            self._fail(item, claim, OpenSealError(
                "INTERNAL_ERROR", "内部错误，该文件未盖章",
                f"Internal error ({type(exc).__name__}); the document was not sealed"))
        self._checkpoint()

    def _fail(self, item: BatchItemRecord, claim: str, exc: OpenSealError) -> None:
        with self.wiring.context(RUNNER) as c:
            job = c.repos.get_batch(item.batch_id)
            if job is not None:
                fail_item(c.repos, job, item, claim, exc, c.clock.now(), audit=c.audit)

    def _others_working(self) -> bool:
        with self.wiring.context(RUNNER) as c:
            return c.repos.running_batch_items() > 0

    def _checkpoint(self) -> None:
        try:
            self.wiring.checkpoint_if_due()
        except Exception:  # noqa: BLE001 - made by the next run or on demand
            log.warning("audit checkpoint failed", exc_info=True)


def install(app: FastAPI) -> None:
    """The app's runner (``app.state.batch_runner``): resumes on startup, stops on
    shutdown."""
    runner = BatchRunner(app.state.wiring, app.state.sealers)
    app.state.batch_runner = runner
    app.router.on_startup.append(runner.resume)
    app.router.on_shutdown.append(runner.stop)


def runner_of(app: FastAPI) -> BatchRunner:
    found: BatchRunner = app.state.batch_runner
    return found
