"""Sealing the documents of batch jobs, one claimed document at a time (the `batch.seal`
job's body, and what tests drive directly).

Each document: claim it (its own short transaction), then seal it and mark it sealed in ONE
transaction (core.batches.work); a refusal is recorded on the item and the work goes on. A
worker that dies leaves its claim behind; another takes it once it is older than
``stale_after``, and the dead worker's transaction never committed, so nothing is sealed
twice.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from openseal.bootstrap import Wiring
from openseal.core.audit.recorder import Actor
from openseal.core.batches.model import BatchItemRecord
from openseal.core.batches.work import claim_lost, claim_next, fail_item, seal_item
from openseal.core.signing.service import SealerCache
from openseal.errors import NotFound, OpenSealError

STALE_CLAIM = timedelta(minutes=5)  # far longer than sealing one document takes
RUNNER = Actor("batch-runner", "system", agent="batch")
log = logging.getLogger("openseal.batch")


class BatchSealing:
    def __init__(self, wiring: Wiring, sealers: SealerCache,
                 stale_after: timedelta = STALE_CLAIM) -> None:
        self.wiring, self.sealers, self.stale_after = wiring, sealers, stale_after
        self._stop = threading.Event()

    def stop(self) -> None:
        """No new document is started; the one being sealed is finished."""
        self._stop.set()

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

    def others_working(self) -> bool:
        """Documents claimed by other workers and not finished yet."""
        with self.wiring.context(RUNNER) as c:
            return c.repos.running_batch_items() > 0

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

    def _checkpoint(self) -> None:
        try:
            self.wiring.checkpoint_if_due()
        except Exception:  # noqa: BLE001 - made by the next run or on demand
            log.warning("audit checkpoint failed", exc_info=True)
