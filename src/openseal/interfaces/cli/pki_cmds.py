"""openseal ca ..."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer

from openseal.bootstrap import Wiring
from openseal.core.pki.issuance import certificate_to_pem
from openseal.interfaces.cli.files import write_atomically
from openseal.interfaces.cli.output import emit, translated_errors


def register(app: typer.Typer, wiring: Callable[[], Wiring]) -> None:
    ca = typer.Typer(help="证书 / certificate authority", no_args_is_help=True)
    app.add_typer(ca, name="ca")

    @ca.command("export")
    def export(out: Path = typer.Option(..., "--out"),
               as_json: bool = typer.Option(False, "--json")) -> None:
        """Write the trust anchors (root certificates) an outside validator needs."""
        with translated_errors(as_json):
            w = wiring()
            w.require_schema()
            roots = w.run(lambda c: c.pki.trust_anchors())
            write_atomically(out, "".join(certificate_to_pem(r) for r in roots).encode())
            emit({"out": str(out), "count": len(roots)}, as_json, lambda: typer.echo(str(out)))
