"""openseal audit ...: the tamper-evident log, its checkpoints and proofs."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from openseal.bootstrap import Context, Wiring
from openseal.core.audit import Checkpoint, inclusion_proof, read_export, verify_log
from openseal.core.audit.checkpointing import tree_root
from openseal.core.pki.pem import load_pem_certificates
from openseal.core.pki.profiles import AUDIT_LOG_EKU
from openseal.errors import InvalidInput, NotFound
from openseal.interfaces.cli.files import write_atomically
from openseal.interfaces.cli.output import emit, lang, read_input, translated_errors
from openseal.ops.audit_check import export_lines, verify_instance_log


def register(app: typer.Typer, wiring: Callable[[], Wiring]) -> None:
    audit = typer.Typer(help="审计日志 / audit trail", no_args_is_help=True)
    app.add_typer(audit, name="audit")

    @audit.command("list")
    def list_(action: str = typer.Option(None), since: datetime = typer.Option(None),
              as_json: bool = typer.Option(False, "--json")) -> None:
        """List audit events (newest last)."""
        with translated_errors(as_json):
            rows = _ready(wiring).run(lambda c: [e.to_export() | {"entry_hash": h} for e, h in
                                                 c.repos.list_audit(action=action,
                                                                    since=since)])
            emit({"events": rows}, as_json, lambda: _table(rows))

    @audit.command("export")
    def export(out: Path = typer.Option(..., "--out"),
               first: int = typer.Option(0, "--from"), last: int = typer.Option(None, "--to"),
               as_json: bool = typer.Option(False, "--json")) -> None:
        """Write the log as JSON lines (events, then the signed checkpoints)."""
        with translated_errors(as_json):
            lines = _ready(wiring).run(lambda c: export_lines(c, first, last))
            write_atomically(out, "".join(line + "\n" for line in lines).encode())
            emit({"out": str(out), "lines": len(lines)}, as_json, lambda: typer.echo(str(out)))

    @audit.command("checkpoint")
    def checkpoint(out: Path = typer.Option(..., "--out"),
                   as_json: bool = typer.Option(False, "--json")) -> None:
        """Make a signed, timestamped checkpoint now and write it (keep a copy elsewhere)."""
        with translated_errors(as_json):
            made = _ready(wiring).make_checkpoint()
            write_atomically(out, json.dumps(made.to_json(), ensure_ascii=False,
                                             sort_keys=True).encode())
            emit({"out": str(out), "size": made.size, "root_hash": made.root_hash}, as_json,
                 lambda: typer.echo(f"{out}  size={made.size} root={made.root_hash}"))

    @audit.command("proof")
    def proof(seq: int = typer.Option(..., "--seq"),
              as_json: bool = typer.Option(False, "--json")) -> None:
        """Inclusion proof of entry SEQ in the latest signed tree."""
        with translated_errors(as_json):
            result = _proof(_ready(wiring), seq)
            emit(result, as_json, lambda: typer.echo(json.dumps(result, indent=2)))

    @audit.command("verify")
    def verify(export_file: Path = typer.Option(None, "--export"),
               roots: Path = typer.Option(None, "--roots"),
               kept: Path = typer.Option(None, "--checkpoint"),
               as_json: bool = typer.Option(False, "--json")) -> None:
        """Check the log: every entry, the hash chain, the checkpoints. Exit 0 consistent."""
        with translated_errors(as_json):
            report = _verify(wiring, export_file, roots, kept)
            emit(report.to_dict(), as_json, lambda: typer.echo(report.summary(lang())))
        raise typer.Exit(0 if report.ok else 1)


def _ready(wiring: Callable[[], Wiring]) -> Wiring:
    w = wiring()
    w.require_schema()
    return w


def _proof(w: Wiring, seq: int) -> dict[str, Any]:
    def latest(c: Context) -> tuple[list[str], str | None]:
        latest = c.repos.latest_checkpoint()
        return c.repos.audit_entry_hashes(), latest.document if latest else None
    hashes, document = w.run(latest)
    if not 0 <= seq < len(hashes):
        raise NotFound("AUDIT_SEQ_NOT_FOUND", f"审计日志中没有序号 {seq}",
                       f"There is no audit entry {seq}", field="seq")
    if document is None or json.loads(document)["size"] <= seq:
        document = json.dumps(w.make_checkpoint().to_json(), sort_keys=True)
    head = Checkpoint.from_json(json.loads(document))
    leaves = [bytes.fromhex(h) for h in hashes[:head.size]]
    return {"seq": seq, "entry_hash": hashes[seq], "tree_size": head.size,
            "root_hash": tree_root(hashes[:head.size]),
            "proof": [p.hex() for p in inclusion_proof(seq, leaves)],
            "checkpoint": head.to_json()}


def _verify(wiring: Callable[[], Wiring], export_file: Path | None, roots: Path | None,
            kept: Path | None) -> Any:
    kept_cp = Checkpoint.from_json(_json(read_input(kept))) if kept else None
    if export_file is not None:
        if roots is None:
            raise InvalidInput("ROOTS_REQUIRED", "验证导出文件需要 --roots（平台根证书）",
                               "Verifying an export needs --roots (the platform root)",
                               field="roots")
        events, checkpoints = read_export(read_input(export_file).decode().splitlines())
        return verify_log(events, checkpoints, load_pem_certificates(read_input(roots)),
                          kept=kept_cp, signer_eku=AUDIT_LOG_EKU)
    anchors = load_pem_certificates(read_input(roots)) if roots else None
    return verify_instance_log(_ready(wiring), kept_cp, anchors)


def _json(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise InvalidInput("AUDIT_CHECKPOINT_MALFORMED", "检查点文件不是有效的 JSON",
                           "The checkpoint file is not valid JSON", field="checkpoint")
    return value


def _table(rows: list[dict[str, Any]]) -> None:
    table = Table("seq", "time", "actor", "action", "outcome", "target")
    for r in rows:
        table.add_row(str(r["seq"]), str(r["time"]), str(r["actor"]), str(r["action"]),
                      str(r["outcome"]), str(r.get("target") or ""))
    Console().print(table)
