"""Public verification (and the report's page thumbnails) run in separate worker processes,
each with a time limit and a memory limit: a document that makes the verifier or the page
renderer run away, swell or crash costs one worker, which is killed and replaced, and the
visitor gets INDETERMINATE ``VERIFICATION_TIMEOUT`` / ``VERIFICATION_ABORTED`` (or a report
without thumbnails). The server's own memory and threads are never at the mercy of a file.

Workers are started on first use ("spawn": a fresh interpreter, safe beside the server's
threads), kept warm, and shared by every app of the process.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import queue
import resource
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from asn1crypto import crl, x509

from openseal.core.reports.render import RenderedDocument, render_document
from openseal.core.verification import VerificationReport, document_format, verify_document
from openseal.core.verification import reasons as R
from openseal.core.verification.policy import local_revocation_policy

TIMEOUT = R.VERIFICATION_TIMEOUT
ABORTED = R.VERIFICATION_ABORTED  # the worker died (its memory limit, a crash)
_SPAWN = multiprocessing.get_context("spawn")


@dataclass(frozen=True)
class Job:
    data: bytes
    filename: str | None
    roots: tuple[bytes, ...]
    test_roots: tuple[bytes, ...]
    crls: tuple[bytes, ...]
    sm2_anchors: tuple[bytes, ...] = ()
    """SM2 roots (DER) for OFD files."""
    sm2_crls: tuple[bytes, ...] = ()
    """CRLs (DER) of the instance's SM2 CAs, for OFD signers."""
    own_issuers: tuple[bytes, ...] = ()
    """The instance's own CA certificates (DER): their seals' revocation is required."""

    @classmethod
    def of(cls, data: bytes, filename: str | None, roots: list[x509.Certificate],
           test_roots: list[x509.Certificate], crls: list[crl.CertificateList],
           sm2_anchors: list[bytes] | tuple[bytes, ...] = (),
           sm2_crls: list[bytes] | tuple[bytes, ...] = (), *,
           own_issuers: list[x509.Certificate] | tuple[x509.Certificate, ...] = ()) -> Job:
        return cls(data, filename, tuple(r.dump() for r in roots),
                   tuple(r.dump() for r in test_roots), tuple(c.dump() for c in crls),
                   tuple(bytes(a) for a in sm2_anchors), tuple(bytes(c) for c in sm2_crls),
                   tuple(c.dump() for c in own_issuers))

    def run(self) -> VerificationReport:
        """A PDF or an OFD file (told apart by content), in the one report schema."""
        return verify_document(self.data, [x509.Certificate.load(r) for r in self.roots],
                               filename=self.filename,
                               policy=local_revocation_policy(
                                   [crl.CertificateList.load(c) for c in self.crls],
                                   own_issuers=[x509.Certificate.load(c)
                                                for c in self.own_issuers]),
                               test_roots=[x509.Certificate.load(r) for r in self.test_roots],
                               sm2_anchors=self.sm2_anchors, sm2_crls=self.sm2_crls)


@dataclass(frozen=True)
class RenderJob:
    """Page thumbnails with the seals outlined, for the report PDF."""

    data: bytes

    def run(self) -> RenderedDocument | None:
        return render_document(self.data)


def _serve(conn: Connection, memory_bytes: int) -> None:
    """A worker: verify each job it is sent, within ``memory_bytes`` of address space."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        conn.send(job.run())


class _Worker:
    def __init__(self, memory_bytes: int) -> None:
        self.conn, child = _SPAWN.Pipe()
        self.process = _SPAWN.Process(target=_serve, args=(child, memory_bytes), daemon=True)
        self.process.start()
        child.close()

    def run(self, job: Job | RenderJob, timeout: float) -> Any:
        """The job's result, or why there is none: TIMEOUT or ABORTED (a str; then the
        worker is gone)."""
        why = TIMEOUT
        try:
            self.conn.send(job)
            if self.conn.poll(timeout):
                why = ABORTED
                return self.conn.recv()
        except (EOFError, OSError):
            why = ABORTED
        self.stop()
        return why

    def stop(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class VerifierPool:
    """At most ``size`` workers; a verification takes an idle one or starts one."""

    def __init__(self, size: int, memory_bytes: int) -> None:
        self._size, self._memory = size, memory_bytes
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._started = 0
        self._lock = threading.Lock()

    def verify(self, job: Job, timeout: float) -> VerificationReport:
        report = self._run(job, timeout)
        if isinstance(report, str):
            return unfinished(job, report)
        result: VerificationReport = report
        return result

    def render(self, data: bytes, timeout: float) -> RenderedDocument | None:
        """Thumbnails, or None (no thumbnails) when rendering ran out of time or memory."""
        rendered = self._run(RenderJob(data), timeout)
        return None if isinstance(rendered, str) else rendered  # type: ignore[no-any-return]

    def _run(self, job: Job | RenderJob, timeout: float) -> Any:
        worker = self._take()
        result = worker.run(job, timeout)
        if isinstance(result, str):
            with self._lock:
                self._started -= 1
        else:
            self._idle.put(worker)
        return result

    def _take(self) -> _Worker:
        while True:
            try:
                return self._idle.get(timeout=0.5 if self._full() else 0)
            except queue.Empty:
                pass
            with self._lock:
                if self._started < self._size:
                    self._started += 1
                    break
        try:
            return _Worker(self._memory)
        except BaseException:
            with self._lock:
                self._started -= 1
            raise

    def _full(self) -> bool:
        with self._lock:
            return self._started >= self._size


def unfinished(job: Job, why: str) -> VerificationReport:
    return VerificationReport(verdict="INDETERMINATE", reasons=(why,), file=job.filename,
                              sha256=hashlib.sha256(job.data).hexdigest(),
                              format=document_format(job.data))


_POOLS: dict[tuple[int, int], VerifierPool] = {}
_POOLS_LOCK = threading.Lock()


def shared_pool(size: int, memory_bytes: int) -> VerifierPool:
    """The process's pool for these limits (every app of the process shares it)."""
    with _POOLS_LOCK:
        return _POOLS.setdefault((size, memory_bytes), VerifierPool(size, memory_bytes))
