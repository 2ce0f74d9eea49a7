"""openseal seal suspend|resume|revoke|destroy|renew|expiring: the seal lifecycle, through
the same service and audit trail as the API (the operator acts; the audit actor is cli:<user>)."""

from __future__ import annotations

from collections.abc import Callable

import typer

from openseal.bootstrap import Context, Refusal, Wiring
from openseal.core.pki.crl import REVOCATION_REASONS
from openseal.core.seals.lifecycle import SealLifecycle, Transition
from openseal.interfaces.cli.operator import say
from openseal.interfaces.cli.output import emit, translated_errors

SEAL = typer.Argument(..., metavar="SEAL", help="Seal id (or its unique name)")
REASON = typer.Option(..., "--reason", help="Why (kept in the record and the audit trail)")
JSON = typer.Option(False, "--json")


def register(seal: typer.Typer, wiring: Callable[[], Wiring]) -> None:
    def change(action: str, seal_ref: str, reason: str, as_json: bool,
               call: Callable[[SealLifecycle], Transition]) -> None:
        with translated_errors(as_json):
            w = wiring()
            w.require_schema()
            done = w.run(lambda c: call(_lifecycle(c)),
                         Refusal(f"seal.{action}", target=f"seal:{seal_ref}",
                                 details={"reason": reason[:500]}))
            emit(_transition(done), as_json, lambda: typer.echo(
                say(f"印章 {done.seal.id}：{done.before} → {done.seal.status}",
                    f"Seal {done.seal.id}: {done.before} -> {done.seal.status}")))

    @seal.command("suspend")
    def suspend(seal_ref: str = SEAL, reason: str = REASON, as_json: bool = JSON) -> None:
        """Suspend (挂失) a seal: uses refused, certificate on hold in CRL/OCSP."""
        change("suspend", seal_ref, reason, as_json, lambda s: s.suspend(seal_ref, reason))

    @seal.command("resume")
    def resume(seal_ref: str = SEAL, reason: str = REASON, as_json: bool = JSON) -> None:
        """Resume a suspended seal."""
        change("resume", seal_ref, reason, as_json, lambda s: s.resume(seal_ref, reason))

    @seal.command("revoke")
    def revoke(seal_ref: str = SEAL, reason: str = REASON,
               code: str = typer.Option("unspecified", "--code",
                                        help="|".join(REVOCATION_REASONS)),
               as_json: bool = JSON) -> None:
        """Revoke a seal for good: its certificates are revoked (CRL and OCSP) from now on."""
        change("revoke", seal_ref, reason, as_json,
               lambda s: s.revoke(seal_ref, reason, code.replace("-", "_")))

    @seal.command("destroy")
    def destroy(seal_ref: str = SEAL, reason: str = REASON, as_json: bool = JSON) -> None:
        """Destroy a revoked seal's private keys (the record is kept)."""
        change("destroy", seal_ref, reason, as_json, lambda s: s.destroy(seal_ref, reason))

    @seal.command("renew")
    def renew(seal_ref: str = SEAL, reason: str = REASON, as_json: bool = JSON) -> None:
        """Renew a seal's certificate (new key pair, same seal)."""
        def call(s: SealLifecycle) -> Transition:
            settings = wiring().settings
            return s.renew(seal_ref, reason, settings.public_url or settings.base_url)

        change("renew", seal_ref, reason, as_json, call)

    @seal.command("expiring")
    def expiring(days: int = typer.Option(30, "--days", help="Within this many days"),
                 org: str = typer.Option(None, help="Only this organisation's seals (id)"),
                 as_json: bool = JSON) -> None:
        """List active seals whose certificate expires soon. Exit 1 if there are any."""
        with translated_errors(as_json):
            w = wiring()
            w.require_schema()
            rows = w.run(lambda c: [{"id": e.seal.id, "name": e.seal.name,
                                     "org_id": e.seal.org_id,
                                     "not_after": e.not_after.isoformat()}
                                    for e in _lifecycle(c).expiring(days, org)])
            emit({"days": days, "seals": rows}, as_json, lambda: [
                typer.echo(f"{r['id']}  {r['name']}  {r['not_after']}") for r in rows])
        if rows:
            raise typer.Exit(1)


def _lifecycle(c: Context) -> SealLifecycle:
    return SealLifecycle(c.repos, c.pki, c.keystore, c.clock, c.audit)


def _transition(done: Transition) -> dict[str, object]:
    return {"id": done.seal.id, "name": done.seal.name, "before": done.before,
            "status": done.seal.status, "reason": done.reason, "at": done.at.isoformat()}
