"""openseal seal ..."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from openseal.bootstrap import Context, Refusal, Wiring
from openseal.core.keys.stores import key_store_of
from openseal.core.pki.issuance import certificate_to_pem
from openseal.core.records import SealRecord
from openseal.core.seals.service import SealOrder, create_seal, find_seal, seal_esl
from openseal.interfaces.cli import lifecycle_cmds, seal_import_cmds
from openseal.interfaces.cli.files import write_atomically
from openseal.interfaces.cli.output import emit, read_input, translated_errors


def register(app: typer.Typer, wiring: Callable[[], Wiring]) -> None:
    seal = typer.Typer(help="印章 / seals", no_args_is_help=True)
    app.add_typer(seal, name="seal")
    lifecycle_cmds.register(seal, wiring)
    seal_import_cmds.register(seal, wiring)

    @seal.command("create")
    def create(
        org: str = typer.Option(..., help="Organisation id, credit code or name"),
        seal_type: str = typer.Option(..., "--type",
                                      help="official|contract|finance|invoice|legal-rep|custom"),
        name: str = typer.Option(..., help="Seal name (legal-rep: the person's name)"),
        purpose: str = typer.Option(None, help="Text below the star, e.g. 合同专用章"),
        tax_id: str = typer.Option(None, "--tax-id", help="Invoice seal: 18-character tax ID"),
        code: str = typer.Option(None, help="Filing code along the lower arc (digits)"),
        image: Path = typer.Option(None, help="Use this PNG/JPEG instead of drawing"),
        white_transparent: bool = typer.Option(False, "--white-transparent",
                                               help="Uploaded image: white becomes clear"),
        algorithm: str = typer.Option("ecdsa", "--algorithm",
                                      help="ecdsa (PDF seals, default) | rsa (PDF seals "
                                      "for RSA-only verifiers) | sm2 (OFD seals, GB/T 38540)"),
        key_store: str = typer.Option(
            None, "--key-store",
            help="software (encrypted key file) | pkcs11 (made inside the PKCS#11 token, "
                 "never extractable; see docs/keys.md). Default: OPENSEAL_KEY_STORE or "
                 "software"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Create a seal: its image, its own key pair and its certificate (an SM2 seal also
        its GB/T 38540 electronic seal, see `seal export-esl`)."""
        with translated_errors(as_json):
            data = read_input(image) if image else None
            w = wiring()
            w.require_schema()

            def run(c: Context) -> SealRecord:
                order = SealOrder(org, seal_type, name, purpose, tax_id, code, data,
                                  white_transparent, algorithm,
                                  key_store or c.key_store_for(org))
                return create_seal(c.repos, c.pki, c.clock, order,
                                   c.settings.certificate_url, audit=c.audit)
            rec = w.run(run,
                        Refusal("seal.create", details={"org": org, "type": seal_type,
                                                        "name": name,
                                                        "algorithm": algorithm,
                                                        "key_store": key_store}))
            emit(_seal_dict(rec), as_json, lambda: typer.echo(rec.id))

    @seal.command("list")
    def list_(org: str = typer.Option(None, help="Only this organisation's seals"),
              as_json: bool = typer.Option(False, "--json")) -> None:
        """List seals."""
        with translated_errors(as_json):
            w = wiring()
            w.require_schema()
            seals = w.run(lambda c: _list(c, org))
            rows = [_seal_dict(s) for s in seals]
            emit({"seals": rows}, as_json, lambda: _table(rows))

    @seal.command("show")
    def show(seal_ref: str = typer.Argument(..., metavar="SEAL"),
             as_json: bool = typer.Option(False, "--json")) -> None:
        """One seal: type, status, algorithm, certificate (and an SM2 seal's esID)."""
        with translated_errors(as_json):
            w = wiring()
            w.require_schema()
            facts = w.run(lambda c: _show(c, seal_ref))
            emit(facts, as_json, lambda: typer.echo(
                "\n".join(f"{k}: {'-' if v is None else v}" for k, v in facts.items())))

    @seal.command("export-esl")
    def export_esl(seal_ref: str = typer.Argument(..., metavar="SEAL"),
                   out: Path = typer.Option(..., "--out", help="Where to write FILE.esl"),
                   as_json: bool = typer.Option(False, "--json")) -> None:
        """Write an SM2 seal's GB/T 38540 electronic seal (SES_Seal, DER): for OFD viewers
        and signers."""
        with translated_errors(as_json):
            w = wiring()
            w.require_schema()
            rec = w.run(lambda c: find_seal(c.repos, seal_ref))
            esl = seal_esl(rec)
            write_atomically(out, esl)
            emit({"id": rec.id, "es_id": rec.es_id, "out": str(out), "size": len(esl)},
                 as_json, lambda: typer.echo(str(out)))

    @seal.command("image")
    def image_(seal_ref: str = typer.Argument(..., metavar="SEAL"),
               out: Path = typer.Option(..., "--out"),
               svg: bool = typer.Option(False, "--svg", help="Write the vector form (SVG)"),
               as_json: bool = typer.Option(False, "--json")) -> None:
        """Write the seal's image: PNG at 300 dpi, or its vector form with --svg."""
        with translated_errors(as_json):
            w = wiring()
            w.require_schema()
            rec = w.run(lambda c: find_seal(c.repos, seal_ref))
            data = (rec.artwork.svg or "").encode() if svg and rec.artwork.svg \
                else rec.artwork.png
            write_atomically(out, data)
            emit({"id": rec.id, "out": str(out)}, as_json, lambda: typer.echo(str(out)))

    @seal.command("cert")
    def cert(seal_ref: str = typer.Argument(..., metavar="SEAL"),
             out: Path = typer.Option(..., "--out"),
             as_json: bool = typer.Option(False, "--json")) -> None:
        """Write the seal certificate, then its chain, as PEM."""
        with translated_errors(as_json):
            w = wiring()
            w.require_schema()
            pem = w.run(lambda c: _chain_pem(c, seal_ref))
            write_atomically(out, pem.encode())
            emit({"seal": seal_ref, "out": str(out)}, as_json, lambda: typer.echo(str(out)))


def _list(c: Context, org: str | None) -> list[SealRecord]:
    from openseal.core.identity.service import find_organization

    org_id = find_organization(c.repos, org).id if org else None
    return c.repos.list_seals(org_id)


def _chain_pem(c: Context, seal_ref: str) -> str:
    rec = find_seal(c.repos, seal_ref)
    certs = [c.pki.certificate(rec.cert_id), *c.pki.chain(rec.cert_id)]
    return "".join(certificate_to_pem(x) for x in certs)


def _show(c: Context, seal_ref: str) -> dict[str, object]:
    rec = find_seal(c.repos, seal_ref)
    cert = c.repos.get_certificate(rec.cert_id)
    assert cert is not None
    return {**_seal_dict(rec), "sandbox": rec.sandbox, "es_id": rec.es_id,
            "certificate_serial": cert.serial_hex,
            "certificate_subject": cert.subject,
            "certificate_not_after": cert.not_after.isoformat(),
            "created_at": rec.created_at.isoformat()}


def _seal_dict(s: SealRecord) -> dict[str, object]:
    return {"id": s.id, "org_id": s.org_id, "name": s.name, "type": s.design.seal_type.value,
            "purpose": s.design.purpose, "status": s.status, "algorithm": s.algorithm,
            "width_mm": round(s.artwork.width_mm, 2), "height_mm": round(s.artwork.height_mm, 2),
            "origin": s.origin, "maker": s.maker, "key_store": key_store_of(s.key_id)}


def _table(rows: list[dict[str, object]]) -> None:
    table = Table("id", "name", "type", "algorithm", "status")
    for r in rows:
        table.add_row(str(r["id"]), str(r["name"]), str(r["type"]), str(r["algorithm"]),
                      str(r["status"]))
    Console().print(table)
