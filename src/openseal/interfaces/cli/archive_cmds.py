"""openseal archive refresh DIR: keep archived sealed documents verifiable (for cron).

Each PDF under DIR whose latest document timestamp was signed by a timestamp authority
certificate expiring within ``--days`` (or that has none yet) gets a new document timestamp
with the previous one's validation data, written in place atomically. One bad file is
reported and does not stop the others; each renewal is in the audit trail.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import typer

from openseal.bootstrap import Context, Wiring
from openseal.core.pki.tsa import InProcessTimeStamper
from openseal.core.signing.archive import archive_state, renew
from openseal.core.signing.ltv import validation_context
from openseal.errors import OpenSealError
from openseal.interfaces.cli.files import write_atomically
from openseal.interfaces.cli.output import emit, read_input, translated_errors


def register(app: typer.Typer, wiring: Callable[[], Wiring]) -> None:
    archive = typer.Typer(help="归档文件长期验证 / long-term archive", no_args_is_help=True)
    app.add_typer(archive, name="archive")

    @archive.command("refresh")
    def refresh(folder: Path = typer.Argument(..., metavar="DIR", exists=True,
                                              file_okay=False),
                days: int = typer.Option(365, min=1, help="Renew when the TSA certificate "
                                                          "expires within this many days"),
                dry_run: bool = typer.Option(False, "--dry-run", help="Only list what is due"),
                as_json: bool = typer.Option(False, "--json")) -> None:
        """Add a new document timestamp (B-LTA) to every archived PDF that needs one."""
        with translated_errors(as_json):
            w = wiring()
            w.require_schema()
            results = [_one(w, path, timedelta(days=days), dry_run)
                       for path in sorted(folder.rglob("*.pdf"))]
            summary = {k: sum(1 for r in results if r["result"] == k)
                       for k in ("renewed", "due", "current", "unsigned", "failed")}
            emit({"files": results, "summary": summary}, as_json, lambda: typer.echo(
                "\n".join(f"{r['result']:<8} {r['file']}" for r in results)
                + f"\n{summary}"))
            if summary["failed"]:
                raise typer.Exit(1)


def _one(w: Wiring, path: Path, margin: timedelta, dry_run: bool) -> dict[str, Any]:
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
