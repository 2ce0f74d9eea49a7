"""Verifying an uploaded document for anyone: the verdict, the registry's answer, fairly
shared (see ``fairness``), each verification in a worker process with a time and memory
limit (see ``verifier_pool``), recorded in the audit trail when configured. Used by
``POST /api/v1/verify`` and the public page ``/verify``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from openseal.bootstrap import Wiring
from openseal.core.audit.recorder import Actor
from openseal.core.pki.anchors import sm2_verification_anchors, verification_inputs
from openseal.core.pki.own_cas import available_sm2_revocation_lists, own_issuers
from openseal.core.registry.issued import RegistryMatch, registry_match
from openseal.core.verification import VerificationReport
from openseal.interfaces.api.fairness import VerifyGate
from openseal.interfaces.api.verifier_pool import Job, VerifierPool, shared_pool


@dataclass(frozen=True)
class Checked:
    report: VerificationReport
    registry: RegistryMatch

    def to_dict(self) -> dict[str, Any]:
        return {**self.report.to_dict(), "registry": self.registry.to_dict()}


def gate(request: Request) -> VerifyGate:
    found: VerifyGate = request.app.state.verify_gate
    return found


def address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def check_upload(request: Request, w: Wiring, data: bytes, filename: str | None,
                       actor: Actor) -> Checked:
    """Verify ``data`` within the caller's quota (429 / 503 otherwise)."""
    with gate(request).admit(address(request), len(data)):
        return await run_in_threadpool(check, w, data, filename, actor)


def verifier_pool(w: Wiring) -> tuple[VerifierPool, float]:
    """The process's worker pool for ``w``'s limits, and the time limit of one job."""
    s = w.settings
    return (shared_pool(s.verify_workers, s.verify_memory_mib * 1024 * 1024),
            s.verify_timeout_seconds)


def check(w: Wiring, data: bytes, filename: str | None, actor: Actor) -> Checked:
    roots, test_roots, crls, sm2_anchors, sm2_crls, own = w.run(lambda c: (
        *verification_inputs(c.pki, c.repos), sm2_verification_anchors(c.pki, c.repos),
        available_sm2_revocation_lists(c.pki, c.repos), own_issuers(c.repos)))
    pool, timeout = verifier_pool(w)
    report = pool.verify(Job.of(data, filename, roots, test_roots, crls, sm2_anchors,
                                sm2_crls, own_issuers=own), timeout)
    match = w.run(lambda c: registry_match(c.repos, data))
    if w.settings.audit_verifications:
        w.run(lambda c: c.audit.record(
            "document.verify", target=f"sha256:{report.sha256}",
            details={"verdict": report.verdict, "reasons": list(report.reasons),
                     "registry": match.status, "document": match.document_id}), actor=actor)
    return Checked(report, match)
