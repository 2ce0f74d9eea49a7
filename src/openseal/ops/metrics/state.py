"""Gauges read from the database at scrape time, the same on every server: days until each
certificate expires, the age of the last backup, the audit trail's size, the age of its
last checkpoint and whether it verified (``ops.health.audit_verified``, at most every 10
minutes).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from openseal.bootstrap import Context, Wiring
from openseal.ops.health import audit_verified


class InstanceState(Collector):
    def __init__(self, wiring: Wiring) -> None:
        self._wiring = wiring

    def collect(self) -> Iterator[Metric]:
        try:
            facts = self._wiring.run(_facts)
        except Exception:  # noqa: BLE001 - a scrape reports what it can, never fails
            yield _gauge("openseal_database_up", "Whether the database answered the scrape", 0)
            return
        yield _gauge("openseal_database_up", "Whether the database answered the scrape", 1)
        expiry = GaugeMetricFamily("openseal_certificate_expiry_days",
                                   "Days until each unrevoked certificate expires",
                                   labels=["role", "org", "cert"])
        for role, org, cert, days in facts["certificates"]:
            expiry.add_metric([role, org, cert], days)
        yield expiry
        yield _gauge("openseal_backup_age_seconds",
                     "Seconds since the last backup (+Inf: never)", facts["backup_age"])
        yield _gauge("openseal_audit_entries", "Entries in the audit trail", facts["audit_size"])
        yield _gauge("openseal_audit_checkpoint_age_seconds",
                     "Seconds since the last signed audit checkpoint (+Inf: none)",
                     facts["checkpoint_age"])
        yield _gauge("openseal_audit_chain_ok",
                     "1 when the audit trail verified at its last check, else 0",
                     1 if audit_verified(self._wiring) else 0)


def _facts(c: Context) -> dict[str, object]:
    now = c.clock.now()
    certs = [(str(r.role.value if hasattr(r.role, "value") else r.role), r.org_id or "",
              r.id, (r.not_after - now).total_seconds() / 86400)
             for r in c.repos.list_certificates() if r.revoked_at is None]
    backups = c.repos.list_audit(action="backup.create")
    checkpoint = c.repos.latest_checkpoint()
    return {"certificates": certs,
            "backup_age": _age(now, backups[-1][0].time if backups else None),
            "audit_size": c.repos.audit_size(),
            "checkpoint_age": _age(now, checkpoint.time if checkpoint else None)}


def _age(now: datetime, then: datetime | None) -> float:
    return math.inf if then is None else max(0.0, (now - then).total_seconds())


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, value=value)
