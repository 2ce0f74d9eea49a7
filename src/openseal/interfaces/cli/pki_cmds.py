"""openseal ca ..."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from asn1crypto import x509

from openseal.bootstrap import Context, Wiring
from openseal.core.pki.anchors import import_anchor, remove_anchor
from openseal.core.pki.issuance import certificate_to_pem
from openseal.core.records import TrustAnchorRecord
from openseal.errors import NotFound
from openseal.interfaces.cli.files import write_atomically
from openseal.interfaces.cli.operator import os_user
from openseal.interfaces.cli.output import emit, read_input, translated_errors


def register(app: typer.Typer, wiring: Callable[[], Wiring]) -> None:
    ca = typer.Typer(help="证书 / certificate authority", no_args_is_help=True)
    app.add_typer(ca, name="ca")
    trust = typer.Typer(help="受信任的外部根证书 / imported trust anchors",
                        no_args_is_help=True)
    ca.add_typer(trust, name="trust")
    _trust(trust, wiring)

    @ca.command("export")
    def export(out: Path = typer.Option(..., "--out"),
               sm2: bool = typer.Option(False, "--sm2", help=(
                   "The SM2 root instead: what OFD (GB/T 38540) seals chain to")),
               as_json: bool = typer.Option(False, "--json")) -> None:
        """Write the trust anchors (root certificates) an outside validator needs."""
        with translated_errors(as_json):
            w = wiring()
            w.require_schema()
            roots = w.run(lambda c: _sm2_roots(c) if sm2 else c.pki.trust_anchors())
            write_atomically(out, "".join(certificate_to_pem(r) for r in roots).encode())
            emit({"out": str(out), "count": len(roots)}, as_json, lambda: typer.echo(str(out)))


def _sm2_roots(c: Context) -> list[x509.Certificate]:
    roots = c.pki.sm2_anchors()
    if not roots:
        raise NotFound("SM2_ROOT_NOT_MADE", "尚无国密（SM2）根证书：它随第一枚 SM2 印章创建",
                       "There is no SM2 root yet: it is made with the first SM2 seal")
    return roots


def _trust(trust: typer.Typer, wiring: Callable[[], Wiring]) -> None:
    def run(use_case: Callable[[Context], dict[str, Any]], as_json: bool,
            human: Callable[[dict[str, Any]], str]) -> None:
        with translated_errors(as_json):
            w = wiring()
            w.require_schema()
            result = w.run(use_case)
            emit(result, as_json, lambda: typer.echo(human(result)))

    @trust.command("add")
    def add(certificate: Path = typer.Argument(..., metavar="ROOT.pem"),
            name: str = typer.Option("", help="A name people recognise (e.g. the CA's)"),
            as_json: bool = typer.Option(False, "--json")) -> None:
        """Trust signatures chaining to this root (a self-signed CA certificate)."""
        data = read_input(certificate)
        run(lambda c: _anchor(import_anchor(c.repos, c.clock, data, name, f"cli:{os_user()}",
                                            c.pki.trust_anchors(), audit=c.audit)),
            as_json, lambda r: f"{r['id']}  {r['name']}")

    @trust.command("list")
    def list_(as_json: bool = typer.Option(False, "--json")) -> None:
        """The imported trust anchors (OpenSeal's own roots are always trusted)."""
        run(lambda c: {"anchors": [_anchor(a) for a in c.repos.list_trust_anchors()]},
            as_json, lambda r: "\n".join(f"{a['id']}  {a['name']}  {a['sha256']}"
                                          for a in r["anchors"]) or "-")

    @trust.command("remove")
    def remove(anchor_id: str = typer.Argument(..., metavar="ANCHOR_ID"),
               as_json: bool = typer.Option(False, "--json")) -> None:
        """Stop trusting an imported root."""
        def use_case(c: Context) -> dict[str, Any]:
            remove_anchor(c.repos, anchor_id, audit=c.audit)
            return {"id": anchor_id, "removed": True}

        run(use_case, as_json, lambda r: r["id"])


def _anchor(a: TrustAnchorRecord) -> dict[str, Any]:
    return {"id": a.id, "name": a.name, "subject": a.subject, "sha256": a.sha256,
            "not_after": a.not_after.isoformat(), "added_by": a.added_by,
            "added_at": a.added_at.isoformat()}
