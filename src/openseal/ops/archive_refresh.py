"""Keeping archived sealed PDFs verifiable (``openseal archive refresh`` and the
``archive.refresh`` job): each PDF whose latest document timestamp was signed by a TSA
certificate expiring within ``margin`` (or that has none yet) gets a new document timestamp
with the previous one's validation data, written in place atomically. One bad file is
reported and does not stop the others; each renewal is in the audit trail."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

from openseal.bootstrap import Context, Wiring
from openseal.core.pki.tsa import InProcessTimeStamper
from openseal.core.signing.archive import archive_state, renew
from openseal.core.signing.ltv import validation_context
from openseal.errors import OpenSealError
from openseal.ops.staged_files import read_input, write_atomically

RESULTS = ("renewed", "due", "current", "unsigned", "failed")


def refresh_folder(w: Wiring, folder: Path, margin: timedelta, dry_run: bool = False
                   ) -> dict[str, Any]:
    """Every *.pdf under ``folder``: {"files": [...], "summary": {result: count}}."""
    results = [refresh_file(w, path, margin, dry_run) for path in sorted(folder.rglob("*.pdf"))]
    return {"files": results,
            "summary": {k: sum(1 for r in results if r["result"] == k) for k in RESULTS}}


def refresh_file(w: Wiring, path: Path, margin: timedelta, dry_run: bool) -> dict[str, Any]:
    try:
        pdf = read_input(path)
        state = archive_state(pdf)
        if not state.signed:
            return {"file": str(path), "result": "unsigned"}
        if not state.due(w.clock.now(), margin):
            return {"file": str(path), "result": "current"}
        if dry_run:
            return {"file": str(path), "result": "due"}
        renewed = w.run(lambda c: _renewed(c, path, pdf))
        write_atomically(path, renewed)
        return {"file": str(path), "result": "renewed",
                "sha256": hashlib.sha256(renewed).hexdigest()}
    except OpenSealError as exc:
        return {"file": str(path), "result": "failed", "error": exc.code}


def _renewed(c: Context, path: Path, pdf: bytes) -> bytes:
    context = validation_context(c.pki.trust_anchors(), c.pki.revocation_lists())
    renewed = renew(pdf, context, InProcessTimeStamper(c.pki.timestamp_authority()))
    c.audit.record("archive.timestamp", target=f"sha256:{hashlib.sha256(pdf).hexdigest()}",
                   details={"file": path.name, "after": hashlib.sha256(renewed).hexdigest()})
    return renewed
