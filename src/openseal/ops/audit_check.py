"""The instance's own audit log checked in full: every entry, the hash chain, every stored
checkpoint and, when given, a checkpoint kept outside (``openseal audit verify``, restore
and the drill share this)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from asn1crypto import x509

from openseal.bootstrap import Context, Wiring
from openseal.core.audit import AuditReport, Checkpoint, read_export, verify_log
from openseal.core.pki.profiles import AUDIT_LOG_EKU


def export_lines(c: Context, first: int = 0, last: int | None = None) -> list[str]:
    """The log as export lines: its entries (with their stored hashes), then checkpoints."""
    events = [json.dumps(e.to_export() | {"entry_hash": h}, ensure_ascii=False, sort_keys=True)
              for e, h in c.repos.list_audit(first=first, last=last)]
    return events + [cp.document for cp in c.repos.list_checkpoints()]


def verify_instance_log(w: Wiring, kept: Checkpoint | None = None,
                        anchors: Sequence[x509.Certificate] | None = None) -> AuditReport:
    """The whole log of ``w``'s database against its own trust anchors (or ``anchors``)."""
    lines = w.run(export_lines)
    roots = list(anchors) if anchors is not None else w.run(lambda c: c.pki.trust_anchors())
    events, checkpoints = read_export(lines)
    return verify_log(events, checkpoints, roots, kept=kept, signer_eku=AUDIT_LOG_EKU)
