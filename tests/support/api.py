"""A running API world for HTTP tests: a platform administrator and two verified
organisations (A and B), each with an administrator (org_admin), a member (seal_user, with a
``use`` grant on the seal: ``grant_id``), a seal custodian, an API client (also granted),
a seal and a sealed document. Everything the tests check goes over HTTP; only the seals and
documents are prepared through the services (they have their own HTTP tests)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
from fastapi.testclient import TestClient
from PIL import Image

from openseal.bootstrap import Wiring, load_master_key
from openseal.config import Settings
from openseal.core.accounts.users import create_platform_admin
from openseal.core.seals.service import SealOrder, create_seal
from openseal.core.signing.pdf import SealRequest
from openseal.core.signing.placement import Placement
from openseal.core.signing.service import SealerCache, seal_document
from openseal.interfaces.api.app import create_app
from openseal.interfaces.cli.operator import operator
from tests.support.batch_jobs import seed_batch
from tests.support.pdfs import reportlab_pdf
from tests.support.templates import seed_template

BASE = "https://testserver"
PASSWORD = "correct horse battery staple 9"
ADMIN = ("platform", "platform-admin@example.com", "operator of the seal service 42!")
ORGS = {"A": ("甲方示例科技有限公司", "91350100M000100Y43"),
        "B": ("乙方示例贸易有限公司", "911100001000000046")}


class ShiftedClock:
    """The real time plus an offset the test can move forward (timeouts, TOTP steps)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


@dataclass
class Party:
    key: str
    org_id: str = ""
    admin: str = ""
    member: str = ""
    admin_id: str = ""
    member_id: str = ""
    client_id: str = ""
    client_secret: str = ""
    invitation_id: str = ""
    seal_id: str = ""
    document_id: str = ""
    custodian: str = ""
    custodian_id: str = ""
    grant_id: str = ""  # the member's grant: use the seal directly
    approver: str = ""
    approver_id: str = ""
    request_id: str = ""  # the member's request to use the seal, approved by the approver
    request_sha256: str = ""  # its document
    ticket_id: str = ""  # its ticket, unused
    review_id: str = ""  # an open permission review of the seal's grants
    review_item_id: str = ""  # its first item
    template_id: str = ""  # a document template of the organisation (tests/support/templates.py)
    batch_id: str = ""  # a finished batch sealing job (tests/support/batch_jobs.py)
    seal_action: str = "suspend"  # a seal lifecycle action (its GET is a confirmation page)
    page_number: str = "1"  # a page of a document (page previews)


@dataclass
class World:
    wiring: Wiring
    clock: ShiftedClock
    parties: dict[str, Party] = field(default_factory=dict)

    def client(self) -> TestClient:
        return TestClient(create_app(self.wiring), base_url=BASE,
                          raise_server_exceptions=False)

    def login(self, username: str, password: str = PASSWORD, **extra: str) -> TestClient:
        http = self.client()
        answer = http.post("/api/v1/auth/login",
                           json={"username": username, "password": password, **extra})
        assert answer.status_code == 200, answer.text
        http.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        return http

    def platform_admin(self) -> TestClient:
        return self.login(ADMIN[0], ADMIN[2])

    def bearer(self, secret: str) -> TestClient:
        http = self.client()
        http.headers["Authorization"] = f"Bearer {secret}"
        return http

    def audit(self, action: str | None = None) -> list[dict[str, object]]:
        with self.wiring.context() as c:
            return [e.to_export() for e, _ in c.repos.list_audit(action=action)]


def totp_now(secret: str, clock: ShiftedClock) -> str:
    return str(pyotp.TOTP(secret).at(clock.now()))


def licence_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 400), "white").save(out, "PNG")
    return out.getvalue()


def make_world(home: Path, database_url: str | None = None) -> World:
    settings = Settings(home=home, database_url=database_url, audit_checkpoint_every=10_000)
    clock = ShiftedClock()
    wiring = Wiring(settings, clock=clock)
    wiring.migrate()
    load_master_key(settings, create=True)
    with wiring.context() as c:
        c.pki.init_instance("OpenSeal API Test")
        create_platform_admin(c.repos, c.accounts, c.clock, ADMIN[0], ADMIN[1], ADMIN[2],
                              audit=c.audit)
    world = World(wiring, clock)
    for key in ORGS:
        world.parties[key] = _make_party(world, key)
    return world


def register(world: World, key: str, name: str, uscc: str) -> dict[str, object]:
    answer = world.client().post("/api/v1/registrations", json={
        "name": name, "uscc": uscc, "legal_rep": "张三", "contact_name": "李四",
        "contact_email": f"contact-{key.lower()}@example.com",
        "admin_username": f"admin-{key.lower()}", "admin_password": PASSWORD})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def verify_org(world: World, admin: TestClient, org_id: str) -> None:
    submitted = admin.post(f"/api/v1/orgs/{org_id}/verification",
                           files={"licence": ("licence.png", licence_png(), "image/png")},
                           data={"legal_rep_name": "张三",
                                 "legal_rep_id_number": "11010519491231002X"})
    assert submitted.status_code == 200, submitted.text
    decided = world.platform_admin().post(f"/api/v1/orgs/{org_id}/verification/decision",
                                          json={"approve": True})
    assert decided.status_code == 200, decided.text


def _make_party(world: World, key: str) -> Party:
    name, uscc = ORGS[key]
    party = Party(key)
    registered = register(world, key, name, uscc)
    party.org_id = str(registered["organization"]["id"])  # type: ignore[index]
    party.admin = f"admin-{key.lower()}"
    party.admin_id = str(registered["admin"]["id"])  # type: ignore[index]
    admin = world.login(party.admin)
    verify_org(world, admin, party.org_id)
    party.member = f"member-{key.lower()}"
    party.member_id, party.invitation_id = invite(world, admin, party.member, "seal_user")
    party.custodian = f"custodian-{key.lower()}"
    party.custodian_id, _ = invite(world, admin, party.custodian, "custodian")
    made = admin.post("/api/v1/clients", json={
        "name": f"ERP {key}", "scopes": ["seals:read", "documents:seal", "audit:read"]})
    assert made.status_code == 201, made.text
    party.client_id, party.client_secret = made.json()["id"], made.json()["secret"]
    _seal_and_document(world, party)
    custodian = world.login(party.custodian)
    party.grant_id = _grant(custodian, party.seal_id, user_id=party.member_id)
    _grant(custodian, party.seal_id, client_id=party.client_id)
    party.approver = f"approver-{key.lower()}"
    party.approver_id, _ = invite(world, admin, party.approver, "approver")
    _approved_request(world, party)
    party.review_id, party.review_item_id = _review(custodian, party.seal_id)
    party.template_id = seed_template(world, party)
    party.batch_id = seed_batch(world, party)
    return party


def _review(custodian: TestClient, seal_id: str) -> tuple[str, str]:
    """An open permission review of the seal's grants: (its id, its first item's id)."""
    started = custodian.post("/api/v1/reviews", json={"seal_id": seal_id})
    assert started.status_code == 201, started.text
    review_id = str(started.json()["id"])
    items = custodian.get(f"/api/v1/reviews/{review_id}/items")
    assert items.status_code == 200 and items.json(), items.text
    return review_id, str(items.json()[0]["id"])


def _approved_request(world: World, party: Party) -> None:
    pdf = reportlab_pdf(title=f"用印申请 {party.key}")
    made = world.login(party.member).post("/api/v1/requests", data={
        "seal_id": party.seal_id, "purpose": "签订合同 / sign a contract"},
        files={"files": ("contract.pdf", pdf, "application/pdf")})
    assert made.status_code == 201, made.text
    party.request_id = made.json()["id"]
    party.request_sha256 = made.json()["documents"][0]["sha256"]
    approved = world.login(party.approver).post(
        f"/api/v1/requests/{party.request_id}/approve", json={"comment": "同意"})
    assert approved.status_code == 200, approved.text
    party.ticket_id = approved.json()["request"]["tickets"][0]["id"]


def _grant(custodian: TestClient, seal_id: str, **grantee: str) -> str:
    granted = custodian.post(f"/api/v1/seals/{seal_id}/grants", json={
        **grantee, "level": "use", "reason": "合同专员 / contract clerk"})
    assert granted.status_code == 201, granted.text
    return str(granted.json()["id"])


def invite(world: World, admin: TestClient, username: str, role: str) -> tuple[str, str]:
    """Invite and accept ``username`` with ``role``: (user id, invitation id)."""
    invited = admin.post("/api/v1/invitations", json={"email": f"{username}@example.com",
                                                      "role": role})
    assert invited.status_code == 201, invited.text
    accepted = world.client().post("/api/v1/invitations/accept", json={
        "token": invited.json()["token"], "username": username, "password": PASSWORD})
    assert accepted.status_code == 201, accepted.text
    return accepted.json()["id"], invited.json()["id"]


def _seal_and_document(world: World, party: Party) -> None:
    with world.wiring.context() as c:
        seal = create_seal(c.repos, c.pki, c.clock, SealOrder(party.org_id, "contract",
                                                              f"合同专用章{party.key}"),
                           c.settings.base_url, audit=c.audit)
        done = seal_document(c.repos, c.pki, c.keystore, c.clock, SealerCache(), seal.id,
                             reportlab_pdf(), SealRequest(Placement(1), None, None),
                             audit=c.audit, principal=operator(party.org_id))
    party.seal_id, party.document_id = seal.id, done.record.id


def world_on_each_backend(request: Any, tmp_path_factory: Any, name: str) -> Iterator[World]:
    """The body of a module's ``world`` fixture parametrised over ("sqlite", "postgresql"):
    a world on SQLite, then on the module's PostgreSQL database; disposed afterwards."""
    url = request.getfixturevalue("module_postgres_url") if request.param == "postgresql" \
        else None
    world = make_world(tmp_path_factory.mktemp(name) / "home", database_url=url)
    yield world
    world.wiring.engine.dispose()
