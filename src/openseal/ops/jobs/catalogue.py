"""The background jobs: their names, what each does, and when it runs by itself.

A job is a function of the process's ``JobEnv`` returning a small JSON-able summary. The
same functions run on PostgreSQL (procrastinate workers) and on SQLite (a thread in the
serving process); see the package docstring.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from asn1crypto import crl

from openseal.bootstrap import Wiring
from openseal.config import Settings
from openseal.core.signing.service import SealerCache
from openseal.errors import OpenSealError
from openseal.ops.archive_refresh import refresh_folder
from openseal.ops.backup.create import backup_name, create_backup
from openseal.ops.backup.retention import prune
from openseal.ops.jobs.batch_sealing import BatchSealing
from openseal.ops.metrics.instruments import JOBS
from openseal.ops.staged_files import write_atomically

BATCH_SEAL = "batch.seal"
LOOK_AGAIN_SECONDS = 5
ARCHIVE_MARGIN = timedelta(days=365)
log = logging.getLogger("openseal.jobs")


@dataclass
class JobEnv:
    """What a job runs with: the worker process's Wiring and its sealer cache."""

    wiring: Wiring
    sealers: SealerCache


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[JobEnv], dict[str, Any]]
    cron: str | None = None
    """When it is deferred by itself (cron, the server's local time); None: on demand."""


def seal_batches(env: JobEnv) -> dict[str, Any]:
    """Seal every unclaimed document of every batch job (and documents whose worker died).

    While other workers hold claims, ``again_in``: look again then (a claim of a dead
    worker is taken once it is stale)."""
    stale = timedelta(seconds=env.wiring.settings.job_stale_seconds)
    sealing = BatchSealing(env.wiring, env.sealers, stale)
    done = sealing.run_until_idle()
    waiting = sealing.others_working()
    return {"documents": done, **({"again_in": LOOK_AGAIN_SECONDS} if waiting else {})}


def make_checkpoint(env: JobEnv) -> dict[str, Any]:
    """Sign an audit checkpoint when one is due (entries or time since the last)."""
    made = env.wiring.checkpoint_if_due()
    return {"checkpoint": None if made is None else made.size}


def refresh_crls(env: JobEnv) -> dict[str, Any]:
    """Sign every CA's CRL for the current period ahead of requests, and write it under
    OPENSEAL_HOME/crl/ (named by the SHA-256 of its issuer) for a static mirror."""
    folder = env.wiring.settings.home / "crl"
    folder.mkdir(parents=True, exist_ok=True)
    lists = env.wiring.run(lambda c: [*(one.dump() for one in c.pki.revocation_lists()),
                                      *c.pki.sm2_revocation_lists()])
    for der in lists:
        write_atomically(folder / f"{_issuer_name(der)}.crl", der)
    return {"crls": len(lists)}


def renew_archive(env: JobEnv) -> dict[str, Any]:
    """`openseal archive refresh` over OPENSEAL_ARCHIVE_DIR (nothing when unset)."""
    folder = env.wiring.settings.archive_dir
    if folder is None or not folder.is_dir():
        return {"skipped": "OPENSEAL_ARCHIVE_DIR"}
    done = refresh_folder(env.wiring, folder, ARCHIVE_MARGIN)
    summary: dict[str, Any] = done["summary"]
    return summary


def scheduled_backup(env: JobEnv) -> dict[str, Any]:
    """A dated backup in OPENSEAL_BACKUP_DIR, keeping the newest OPENSEAL_BACKUP_KEEP."""
    settings = env.wiring.settings
    folder = settings.backup_dir
    if folder is None:
        return {"skipped": "OPENSEAL_BACKUP_DIR"}
    folder.mkdir(parents=True, exist_ok=True)
    made = create_backup(env.wiring, folder / backup_name(env.wiring.clock.now()))
    removed = prune(folder, settings.backup_keep) if settings.backup_keep else []
    return {"backup": str(made.path), "removed": len(removed)}


def catalogue(settings: Settings) -> dict[str, Job]:
    jobs = (Job(BATCH_SEAL, seal_batches),
            Job("audit.checkpoint", make_checkpoint, "*/10 * * * *"),
            Job("crl.refresh", refresh_crls, "17 * * * *"),
            Job("archive.refresh", renew_archive, "40 3 * * *"),
            Job("backup", scheduled_backup, settings.backup_cron))
    return {job.name: job for job in jobs}


def run_job(job: Job, env: JobEnv) -> dict[str, Any]:
    """Run one job, counted (openseal_jobs_total) and logged; its errors go to the caller."""
    started = time.monotonic()
    outcome = "failed"
    try:
        result = job.run(env)
        outcome = "done"
        return result
    except OpenSealError as exc:
        outcome = "refused"
        log.warning("job %s refused: %s", job.name, exc.code)
        raise
    finally:
        JOBS.labels(job.name, outcome).inc()
        log.info("job %s %s in %.3f s", job.name, outcome, time.monotonic() - started)


def _issuer_name(crl_der: bytes) -> str:
    issuer = crl.CertificateList.load(crl_der)["tbs_cert_list"]["issuer"]
    return hashlib.sha256(issuer.dump()).hexdigest()[:32]
