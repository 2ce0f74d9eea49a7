"""Public verification in worker processes: a verification over its time limit answers
INDETERMINATE VERIFICATION_TIMEOUT (never an error), its worker is killed and replaced, and
the next verification is served normally; the API stays a 200 with a verdict."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from openseal.bootstrap import Wiring
from openseal.config import Settings
from openseal.interfaces.api.app import create_app
from openseal.interfaces.api.verifier_pool import ABORTED, TIMEOUT, Job, VerifierPool
from tests.support.instance import TestInstance
from tests.support.pdfs import reportlab_pdf

GIB = 1024**3


def test_time_limit_kills_and_replaces_the_worker(sealing_instance: TestInstance) -> None:
    job = Job.of(sealing_instance.seal(reportlab_pdf()), "s.pdf", sealing_instance.roots,
                 [], [])
    pool = VerifierPool(1, 2 * GIB)
    assert pool.verify(job, 120).verdict == "VALID"
    worker = pool._idle.queue[0]
    late = pool.verify(job, 0.0001)
    assert late.verdict == "INDETERMINATE" and late.reasons == (TIMEOUT,)
    assert late.sha256 and not worker.process.is_alive()
    assert pool.verify(job, 120).verdict == "VALID"  # a fresh worker


def test_memory_limit_turns_into_a_verdict(sealing_instance: TestInstance) -> None:
    """A document bigger than a worker's address space kills that worker, not the server:
    INDETERMINATE VERIFICATION_ABORTED, and the next document is verified by a new one."""
    sealed = sealing_instance.seal(reportlab_pdf())
    pool = VerifierPool(1, 200 * 1024 * 1024)
    huge = Job.of(sealed + b"%" + b"x" * (250 * 1024 * 1024), None, sealing_instance.roots,
                  [], [])
    report = pool.verify(huge, 120)
    assert report.verdict == "INDETERMINATE" and report.reasons == (ABORTED,)
    fine = Job.of(sealed, None, sealing_instance.roots, [], [])
    assert pool.verify(fine, 120).verdict == "VALID"


def test_api_answers_a_timeout_as_a_verdict(sealing_instance: TestInstance,
                                            tmp_path: Path) -> None:
    settings = sealing_instance.wiring.settings
    wiring = Wiring(Settings(home=settings.home, database_url=settings.database_url,
                             verify_timeout_seconds=0.0001))
    http = TestClient(create_app(wiring), base_url="https://testserver")
    answer = http.post("/api/v1/verify", files={
        "file": ("s.pdf", sealing_instance.seal(reportlab_pdf()), "application/pdf")})
    assert answer.status_code == 200, answer.text
    assert answer.json()["verdict"] == "INDETERMINATE"
    assert answer.json()["reasons"] == [TIMEOUT]


def test_thumbnails_render_in_a_worker_or_not_at_all(sealing_instance: TestInstance) -> None:
    sealed = sealing_instance.seal(reportlab_pdf())
    pool = VerifierPool(1, 2 * GIB)
    rendered = pool.render(sealed, 120)
    assert rendered is not None and rendered.pages and rendered.pages[0].png.startswith(
        b"\x89PNG")
    assert pool.render(sealed, 0.0001) is None  # out of time: a report without thumbnails
    assert pool.render(sealed, 120) is not None
