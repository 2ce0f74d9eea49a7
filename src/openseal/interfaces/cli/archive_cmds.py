"""openseal archive refresh DIR: keep archived sealed documents verifiable (for cron).

Every PDF under DIR whose latest document timestamp is due gets a new one, written in place
atomically (ops.archive_refresh; the archive.refresh background job does the same for
OPENSEAL_ARCHIVE_DIR).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import typer

from openseal.bootstrap import Wiring
from openseal.interfaces.cli.output import emit, translated_errors
from openseal.ops.archive_refresh import refresh_folder


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
            done = refresh_folder(w, folder, timedelta(days=days), dry_run)
            results, summary = done["files"], done["summary"]
            emit(done, as_json, lambda: typer.echo(
                "\n".join(f"{r['result']:<8} {r['file']}" for r in results)
                + f"\n{summary}"))
            if summary["failed"]:
                raise typer.Exit(1)
