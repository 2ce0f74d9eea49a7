"""Batch sealing jobs for the route-table tests (issue 7): the Party's batch job."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient

from openseal.interfaces.api.job_queue import jobs_of
from tests.support.pdfs import reportlab_pdf

if TYPE_CHECKING:
    from tests.support.api import Party, World

BATCHES = "/api/v1/batches"
WAIT_SECONDS = 60.0


def seed_batch(world: World, party: Party) -> str:
    """A finished batch job of the party's organisation sealing one document: its id.

    Made by the party's API client (scope documents:seal, a use grant on the seal), not by
    the member: tests count the member's grant uses and ``seal.use`` entries (C3)."""
    client = world.bearer(party.client_secret)
    made = client.post(BATCHES, data={"seal_id": party.seal_id},
                       files=[("files", ("seed.pdf", reportlab_pdf(title="batch seed"),
                                         "application/pdf"))])
    assert made.status_code == 202, made.text
    job = wait_done(client, made.json()["id"])
    assert job["counts"]["sealed"] == 1, job
    # the runner's thread holds no connection once gone (the world's engine is disposed)
    assert jobs_of(client.app).wait_idle(WAIT_SECONDS)  # type: ignore[arg-type]
    return str(job["id"])


def wait_done(http: TestClient, batch_id: str, seconds: float = WAIT_SECONDS
              ) -> dict[str, Any]:
    """The job once done (its queue's jobs run, then polled; fails after ``seconds``). On
    PostgreSQL a bare app only defers: wait_idle runs the due jobs in this thread."""
    deadline = time.monotonic() + seconds
    jobs_of(http.app).wait_idle(seconds)  # type: ignore[arg-type]
    while True:
        answer = http.get(f"{BATCHES}/{batch_id}")
        assert answer.status_code == 200, answer.text
        job: dict[str, Any] = answer.json()
        if job["status"] == "done":
            return job
        assert time.monotonic() < deadline, f"batch {batch_id} not done: {job}"
        time.sleep(0.05)
