"""Counters moved by what the audit trail records, once the transaction has committed.

Every sealing, verification and log-in is audited, whichever door it came through (API,
console, batch jobs), so counting committed audit entries counts them all and never counts
a rolled-back attempt. ``Wiring`` calls ``count_events`` after each commit.
"""

from __future__ import annotations

from collections.abc import Sequence

from openseal.core.audit import AuditEvent
from openseal.ops.metrics.instruments import (
    AUDIT_EVENTS,
    LOGIN_FAILURES,
    SEALS,
    TSA_TOKENS,
    VERIFICATIONS,
)


def count_events(events: Sequence[AuditEvent]) -> None:
    for event in events:
        AUDIT_EVENTS.labels(event.action).inc()
        _count(event)


def _count(event: AuditEvent) -> None:
    details = event.details or {}
    if event.action == "seal.use":
        seal = (event.target or "").removeprefix("seal:")
        SEALS.labels(event.org_id or "", seal, event.outcome).inc()
        if event.outcome == "success":
            TSA_TOKENS.labels("seal").inc()
    elif event.action == "document.verify":
        VERIFICATIONS.labels(str(details.get("verdict", "UNKNOWN"))).inc()
    elif event.action == "auth.login" and event.outcome != "success":
        LOGIN_FAILURES.labels(str(details.get("reason", event.outcome))).inc()
    elif event.action == "tsa.timestamp":
        TSA_TOKENS.labels("rfc3161").inc()
    elif event.action == "archive.timestamp":
        TSA_TOKENS.labels("archive").inc()
