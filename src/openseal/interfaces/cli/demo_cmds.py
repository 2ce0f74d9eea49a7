"""openseal demo: a demo instance with every kind of seal, a sealed contract, its verdict,
and the people to log in with (their random passwords are printed once): the platform and
organisation administrators, a seal custodian, an approver and a clerk (seal user). The
contract's 公章 goes through the approval workflow: the clerk requests, the approver
approves, and the ticket seals it (the verdict names both)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import typer

from openseal.bootstrap import Context, Wiring, load_master_key
from openseal.core.accounts.principal import ORG_ADMIN, PLATFORM_ADMIN
from openseal.core.accounts.users import new_user, random_password
from openseal.core.governance.decisions import decide
from openseal.core.governance.grants import GrantTerms, create_grant
from openseal.core.governance.requests import RequestForm, create_request
from openseal.core.governance.roles import APPROVER, CUSTODIAN, ROLE_NAMES, SEAL_USER
from openseal.core.identity.service import create_organization
from openseal.core.pki.issuance import certificate_to_pem
from openseal.core.pki.own_cas import own_issuers
from openseal.core.records import OrganizationRecord, SealRecord
from openseal.core.seals.service import SealOrder, create_seal
from openseal.core.signing.pdf import SealRequest
from openseal.core.signing.placement import Placement
from openseal.core.signing.service import SealerCache, seal_document
from openseal.core.verification import verify_pdf
from openseal.core.verification.policy import local_revocation_policy
from openseal.interfaces.cli.files import write_atomically
from openseal.interfaces.cli.operator import as_user, operator, say
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
# (username, role, e-mail): made once, with a random password printed that once.
DEMO_ADMINS = [
    ("admin", PLATFORM_ADMIN, "admin@example.com"),
    ("demo-admin", ORG_ADMIN, "demo-admin@example.com"),
    ("demo-custodian", CUSTODIAN, "demo-custodian@example.com"),
    ("demo-approver", APPROVER, "demo-approver@example.com"),
    ("demo-clerk", SEAL_USER, "demo-clerk@example.com"),
]
CLERK, APPROVING = "demo-clerk", "demo-approver"
# The clerk's grants: (seal type, level). 公章 needs approval whatever the grant says.
CLERK_GRANTS = (("contract", "use"), ("official", "request"))


def register(app: typer.Typer, wiring: Callable[[], Wiring]) -> None:
    @app.command()
    def demo(serve: bool = typer.Option(False, "--serve",
                                        help="Then run the server in the foreground"),
             host: str = typer.Option("127.0.0.1", help="--serve: address to listen on"),
             port: int = typer.Option(8000, help="--serve: port")) -> None:
        """Prepare a demo instance with two administrators, seal a sample contract and
        verify it; with --serve, then run the server."""
        with translated_errors(False):
            w = wiring()
            w.migrate()
            load_master_key(w.settings, create=True)
            out = w.settings.home / "out"
            out.mkdir(parents=True, exist_ok=True)
            seals, admins = w.run(_prepare)
            _write_images(seals, out)
            sealed = _seal_sample(w, seals, out / "contract-sealed.pdf")
            roots = out / "openseal-roots.pem"
            write_atomically(roots, "".join(
                certificate_to_pem(r) for r in w.run(lambda c: c.pki.trust_anchors())).encode())
            anchors, crls, own = w.run(lambda c: (c.pki.trust_anchors(),
                                                  c.pki.revocation_lists(), own_issuers(c.repos)))
            report = verify_pdf(sealed.read_bytes(), anchors, filename=str(sealed),
                                policy=local_revocation_policy(crls, own_issuers=own))
            _print_result(out, sealed, roots, report.summary(lang()))
            _print_admins(admins, w.settings.home, host, port, serve)
        if serve:
            _serve(host, port)


def _prepare(c: Context) -> tuple[dict[str, SealRecord], list[tuple[str, str, str | None]]]:
    if c.repos.get_instance() is None:
        c.pki.init_instance(c.settings.instance_name)
    # Made by the operator, so verified: no registration profile, production CA.
    org = c.repos.get_organization(DEMO_ORG[1]) or create_organization(
        c.repos, c.pki, c.clock, *DEMO_ORG, audit=c.audit)
    seals = {kind: _seal(c, org, kind, name, extra) for kind, name, extra in DEMO_SEALS}
    admins = [(username, role, _admin(c, org, username, role, email))
              for username, role, email in DEMO_ADMINS]
    _grant_clerk(c, seals)
    return seals, admins


def _grant_clerk(c: Context, seals: dict[str, SealRecord]) -> None:
    clerk = c.repos.find_user(CLERK)
    assert clerk is not None
    for kind, level in CLERK_GRANTS:
        seal = seals[kind]
        if c.repos.list_grants(seal.org_id, seal.id, ("user", clerk.id)):
            continue
        create_grant(c.repos, c.clock, operator(seal.org_id), seal, ("user", clerk.id),
                     GrantTerms(level), "演示：合同专员 / demo: contract clerk", audit=c.audit)


def _admin(c: Context, org: OrganizationRecord, username: str, role: str,
           email: str) -> str | None:
    """Create the administrator unless it exists; its new password, or None if it existed."""
    if c.repos.find_user(username) is not None:
        return None
    password = random_password()
    org_id = None if role == PLATFORM_ADMIN else org.id
    user = new_user(c.repos, c.accounts, c.clock, org_id=org_id, username=username,
                    display_name=username, email=email, role=role, password=password)
    c.audit.record("user.create", org_id=org_id, target=f"user:{user.id}",
                   details={"username": user.username, "role": role, "demo": True})
    return password


def _seal(c: Context, org: OrganizationRecord, kind: str, name: str,
          extra: dict[str, str]) -> SealRecord:
    existing = [s for s in c.repos.list_seals(org.id) if s.name == name]
    if existing:
        return existing[0]
    return create_seal(c.repos, c.pki, c.clock, SealOrder(org.id, kind, name, **extra),
                       c.settings.certificate_url, audit=c.audit)


def _write_images(seals: dict[str, SealRecord], out: Path) -> None:
    for kind, seal in seals.items():
        write_atomically(out / f"seal-{kind}.png", seal.artwork.png)
        if seal.artwork.svg:
            write_atomically(out / f"seal-{kind}.svg", seal.artwork.svg.encode())


def _seal_sample(w: Wiring, seals: dict[str, SealRecord], target: Path) -> Path:
    """The contract clerk seals page 1 with the contract seal (a direct-use grant), then
    asks for the 公章 on page 2, the approver approves, and the ticket seals it."""
    pdf = resources.files("openseal.interfaces.cli").joinpath("samples/contract.pdf")
    data = pdf.read_bytes()
    cache = SealerCache()
    for kind, page in (("contract", 1), ("official", 2)):
        def step(c: Context, data: bytes = data, kind: str = kind, page: int = page) -> bytes:
            clerk, seal = as_user(c.repos, CLERK), seals[kind]
            ticket = _approved_ticket(c, seal, data) if kind == "official" else None
            request = SealRequest(Placement(page, 130, 40), "同意 / approved", "北京 Beijing")
            return seal_document(c.repos, c.pki, c.keystore, c.clock, cache, seal.id, data,
                                 request, audit=c.audit, principal=clerk,
                                 ticket_id=ticket).pdf
        data = w.run(step)
    write_atomically(target, data)
    return target


def _approved_ticket(c: Context, seal: SealRecord, data: bytes) -> str:
    form = RequestForm("签订示例合同 / sign the sample contract", (("contract.pdf", data),))
    made = create_request(c.repos, c.clock, c.documents, as_user(c.repos, CLERK), seal, form,
                          audit=c.audit)
    done = decide(c.repos, c.clock, as_user(c.repos, APPROVING), made.id, "approve",
                  "同意 / approved", audit=c.audit)
    return done.tickets[0].id


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


def _print_admins(admins: list[tuple[str, str, str | None]], home: Path, host: str,
                  port: int, serving: bool) -> None:
    command = Path(sys.executable).parent / "openseal"
    url = f"http://{host}:{port}"
    typer.echo(say("演示账户：", "Demo accounts:"))
    for username, role, password in admins:
        label = say(*ROLE_NAMES[role])
        if password is not None:
            typer.echo(f"  {label}  {username}  " + say("密码（只显示这一次）：",
                                                          "password (shown only this once): ")
                       + password)
        else:
            typer.echo(f"  {label}  {username}  " + say(
                "密码已在创建时显示；忘记时重置：",
                "the password was shown when it was created; to reset it: ")
                + f"OPENSEAL_HOME={home} {command} user reset-password {username}")
    typer.echo(say("服务地址：", "Server: ") + f"{url}  (API docs: {url}/docs)")
    typer.echo(say("公开验证页面（上传盖章文件）：", "Public verification page (upload a sealed "
                   "file): ") + f"{url}/verify")
    typer.echo(say(f"网页控制台：{url}/login （用上面的用户名和密码登录）",
                   f"Web console: {url}/login (log in with a username and password above)"))
    typer.echo(say(f"接口登录：在 {url}/docs 打开 POST /api/v1/auth/login",
                   f"API log-in: at {url}/docs use POST /api/v1/auth/login"))
    if not serving:
        typer.echo(say("启动服务：", "Start the server: ")
                   + f"OPENSEAL_HOME={home} {command} serve --host {host} --port {port}")


def _serve(host: str, port: int) -> None:
    """The same server as ``openseal serve``, in the foreground (Ctrl-C stops it)."""
    import uvicorn

    typer.echo(say("OpenSeal 服务已启动，按 Ctrl-C 停止", "OpenSeal is running; Ctrl-C stops it"))
    uvicorn.run("openseal.interfaces.api.app:create_app", factory=True, host=host, port=port,
                log_level="warning")
