"""openseal demo: a demo instance with every kind of seal, a sealed contract, its verdict."""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import typer

from openseal.bootstrap import Context, Wiring, load_master_key
from openseal.core.identity.service import create_organization
from openseal.core.pki.issuance import certificate_to_pem
from openseal.core.records import OrganizationRecord, SealRecord
from openseal.core.seals.service import SealOrder, create_seal
from openseal.core.signing.pdf import SealRequest
from openseal.core.signing.placement import Placement
from openseal.core.signing.service import SealerCache, seal_document
from openseal.core.verification import verify_pdf
from openseal.interfaces.cli.files import write_atomically
from openseal.interfaces.cli.output import lang, translated_errors

DEMO_ORG = ("北京开源印章示例科技有限公司", "91350100M000100Y43")
DEMO_SEALS = [  # (type, seal name, extra)
    ("official", "公章", {"code": "3501000012345"}),
    ("contract", "合同专用章", {}),
    ("finance", "财务专用章", {}),
    ("invoice", "发票专用章", {}),
    ("legal-rep", "张三", {}),
    ("custom", "人事专用章", {"purpose": "人事专用章"}),
]


def register(app: typer.Typer, wiring: Callable[[], Wiring]) -> None:
    @app.command()
    def demo() -> None:
        """Prepare a demo instance, seal a sample contract and verify it."""
        with translated_errors(False):
            w = wiring()
            w.migrate()
            load_master_key(w.settings, create=True)
            out = w.settings.home / "out"
            out.mkdir(parents=True, exist_ok=True)
            seals = w.run(_prepare)
            _write_images(seals, out)
            sealed = _seal_sample(w, seals, out / "contract-sealed.pdf")
            roots = out / "openseal-roots.pem"
            write_atomically(roots, "".join(
                certificate_to_pem(r) for r in w.run(lambda c: c.pki.trust_anchors())).encode())
            report = verify_pdf(sealed.read_bytes(), w.run(lambda c: c.pki.trust_anchors()),
                                filename=str(sealed))
            _print_result(out, sealed, roots, report.summary(lang()))


def _prepare(c: Context) -> dict[str, SealRecord]:
    if c.repos.get_instance() is None:
        c.pki.init_instance(c.settings.instance_name)
    org = c.repos.get_organization(DEMO_ORG[1]) or create_organization(
        c.repos, c.pki, c.clock, *DEMO_ORG, audit=c.audit)
    return {kind: _seal(c, org, kind, name, extra) for kind, name, extra in DEMO_SEALS}


def _seal(c: Context, org: OrganizationRecord, kind: str, name: str,
          extra: dict[str, str]) -> SealRecord:
    existing = [s for s in c.repos.list_seals(org.id) if s.name == name]
    if existing:
        return existing[0]
    return create_seal(c.repos, c.pki, c.clock, SealOrder(org.id, kind, name, **extra),
                       c.settings.base_url, audit=c.audit)


def _write_images(seals: dict[str, SealRecord], out: Path) -> None:
    for kind, seal in seals.items():
        write_atomically(out / f"seal-{kind}.png", seal.artwork.png)
        if seal.artwork.svg:
            write_atomically(out / f"seal-{kind}.svg", seal.artwork.svg.encode())


def _seal_sample(w: Wiring, seals: dict[str, SealRecord], target: Path) -> Path:
    pdf = resources.files("openseal.interfaces.cli").joinpath("samples/contract.pdf")
    data = pdf.read_bytes()
    cache = SealerCache()
    for kind, page, x, y in (("contract", 1, 130, 40), ("official", 2, 130, 40)):
        def step(c: Context, data: bytes = data, kind: str = kind, page: int = page,
                 x: float = x, y: float = y) -> bytes:
            request = SealRequest(Placement(page, x, y), "同意 / approved", "北京 Beijing")
            return seal_document(c.repos, c.pki, c.keystore, c.clock, cache,
                                 seals[kind].id, data, request, audit=c.audit).pdf
        data = w.run(step)
    write_atomically(target, data)
    return target


def _print_result(out: Path, sealed: Path, roots: Path, summary: str) -> None:
    zh = lang() == "zh"
    typer.echo("OpenSeal 演示实例已就绪 / demo instance ready" if zh else "Demo instance ready")
    typer.echo(f"  {'印章图片' if zh else 'seal images'}: {out}/seal-*.png, seal-*.svg")
    typer.echo(f"  {'已盖章合同' if zh else 'sealed contract'}: {sealed}")
    typer.echo(f"  {'信任根证书' if zh else 'trust anchors'}: {roots}")
    typer.echo(summary)
    command = Path(sys.executable).parent / "openseal"
    home = sealed.parent.parent
    typer.echo(("试试：" if zh else "Try: ")
               + f"OPENSEAL_HOME={home} {command} verify {sealed} --json")
    typer.echo(("审计日志：" if zh else "Audit trail: ")
               + f"OPENSEAL_HOME={home} {command} audit list")
