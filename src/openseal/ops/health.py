"""What ``/readyz`` reports beyond "the database and the key store answer": free disk, the
certificate expiry horizon, the age of the last backup, and the last verification of the
audit trail (shared with the metrics, re-run at most every ``AUDIT_RECHECK`` seconds).

Each check answers "ok", "warn:<CODE>" (reported, still ready) or an error code (not ready).
"""

from __future__ import annotations

import shutil
import threading
import time
import weakref
from datetime import timedelta

from openseal.bootstrap import Context, Wiring
from openseal.core.records import CertificateRole
from openseal.ops.audit_check import verify_instance_log

AUDIT_RECHECK = 600.0
MIN_FREE_BYTES = 256 * 1024 * 1024
"""Below this, sealing could fail half-way: not ready."""
WARN_FREE_BYTES = 2 * 1024 * 1024 * 1024
CERT_HORIZON = timedelta(days=30)
BACKUP_WARN = timedelta(hours=26)
INFRASTRUCTURE = {CertificateRole.ROOT_CA, CertificateRole.ORG_CA, CertificateRole.TSA,
                  CertificateRole.AUDIT, CertificateRole.OCSP, CertificateRole.SM2_ROOT_CA,
                  CertificateRole.SM2_ORG_CA, CertificateRole.SEAL_MAKER}

_lock = threading.Lock()
_audit: weakref.WeakKeyDictionary[Wiring, tuple[float, bool]] = weakref.WeakKeyDictionary()


def audit_verified(w: Wiring) -> bool:
    """Whether the whole audit trail verified at its last check (re-checked when stale)."""
    with _lock:
        seen = _audit.get(w)
        if seen is None or time.monotonic() - seen[0] > AUDIT_RECHECK:
            try:
                ok = verify_instance_log(w).ok
            except Exception:  # noqa: BLE001 - cannot verify: not verified
                ok = False
            seen = _audit[w] = (time.monotonic(), ok)
        return seen[1]


def disk(w: Wiring) -> str:
    free = shutil.disk_usage(w.settings.home).free
    if free < MIN_FREE_BYTES:
        return "DISK_FULL"
    return "warn:DISK_LOW" if free < WARN_FREE_BYTES else "ok"


def certificates(c: Context) -> str:
    """The platform's own certificates (CAs, TSA, OCSP, audit): expired -> not ready;
    within 30 days of expiry -> a warning."""
    now = c.clock.now()
    ends = [r.not_after for r in c.repos.list_certificates()
            if r.revoked_at is None and r.role in INFRASTRUCTURE]
    if any(end <= now for end in ends):
        return "CERTIFICATE_EXPIRED"
    return "warn:CERTIFICATE_EXPIRING" if any(end - now < CERT_HORIZON for end in ends) \
        else "ok"


def backup(c: Context) -> str:
    made = c.repos.list_audit(action="backup.create")
    if not made:
        return "warn:NO_BACKUP"
    return "warn:BACKUP_OLD" if c.clock.now() - made[-1][0].time > BACKUP_WARN else "ok"


def audit(w: Wiring) -> str:
    return "ok" if audit_verified(w) else "AUDIT_CHAIN_BROKEN"
