"""End to end through HTTP only, against a real `openseal serve` process (SQLite, then
PostgreSQL): register an organisation, verify it as platform administrator, invite a user,
enrol TOTP, log in, create a seal, seal a PDF, verify it.

The only step outside HTTP is the operator's `openseal user create-admin`, which is how a
platform administrator comes to exist. Cookies are handled by hand because the session
cookie is ``Secure`` and this test talks plain HTTP to 127.0.0.1.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyotp
import pytest

from tests.support.api import licence_png
from tests.support.pdfs import reportlab_pdf
from tests.support.server import Server

PASSWORD = "a long and private sentence 4 me"


class Browser:
    """An HTTP client that keeps the session cookie and CSRF token like a browser would."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=60)
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def request(self, method: str, path: str, **kw: object) -> httpx.Response:
        headers = {"X-CSRF-Token": self.csrf} if self.csrf else {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        answer = self.http.request(method, path, headers=headers, **kw)  # type: ignore[arg-type]
        for raw in answer.headers.get_list("set-cookie"):
            name, value = raw.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value.strip('"')
        return answer

    def login(self, username: str, password: str, **extra: str) -> httpx.Response:
        answer = self.request("POST", "/api/v1/auth/login",
                              json={"username": username, "password": password, **extra})
        if answer.status_code == 200:
            self.csrf = answer.json()["csrf_token"]
        return answer


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    server = Server(tmp_path / "home", url)
    server.cli("init")
    process = server.start()
    yield server
    process.terminate()
    process.wait(timeout=20)


def _admin_password(server: Server) -> str:
    out = server.cli("user", "create-admin", "operator", "--email", "ops@example.com")
    match = re.search(r"(?:password|密码).*[:：]\s*(\S{12,})\s*$", out,
                      re.IGNORECASE | re.MULTILINE)
    assert match, out
    return match.group(1)


def test_register_verify_invite_enrol_login_seal_verify(server: Server) -> None:
    admin_password = _admin_password(server)
    anyone = Browser(server.url)
    registered = anyone.request("POST", "/api/v1/registrations", json={
        "name": "端到端测试有限公司", "uscc": "91350100M000100Y43", "legal_rep": "王五",
        "contact_name": "赵六", "contact_email": "zhao@example.com",
        "admin_username": "e2e-admin", "admin_password": PASSWORD})
    assert registered.status_code == 201, registered.text
    org_id = registered.json()["organization"]["id"]
    assert registered.json()["organization"]["sandbox"] is True

    org_admin = Browser(server.url)
    assert org_admin.login("e2e-admin", PASSWORD).status_code == 200
    submitted = org_admin.request(
        "POST", f"/api/v1/orgs/{org_id}/verification",
        files={"licence": ("licence.png", licence_png(), "image/png")},
        data={"legal_rep_name": "王五", "legal_rep_id_number": "11010519491231002X"})
    assert submitted.json()["status"] == "pending", submitted.text

    platform = Browser(server.url)
    assert platform.login("operator", admin_password).status_code == 200
    decided = platform.request("POST", f"/api/v1/orgs/{org_id}/verification/decision",
                               json={"approve": True})
    assert decided.json()["status"] == "verified", decided.text

    invited = org_admin.request("POST", "/api/v1/invitations",
                                json={"email": "clerk@example.com", "role": "seal_user"})
    accepted = anyone.request("POST", "/api/v1/invitations/accept", json={
        "token": invited.json()["token"], "username": "clerk", "password": PASSWORD})
    assert accepted.status_code == 201, accepted.text

    clerk = Browser(server.url)
    assert clerk.login("clerk", PASSWORD).status_code == 200
    secret = clerk.request("POST", "/api/v1/auth/totp/setup").json()["secret"]
    codes = clerk.request("POST", "/api/v1/auth/totp/confirm",
                          json={"code": pyotp.TOTP(secret).now()})
    assert len(codes.json()["recovery_codes"]) == 10, codes.text
    assert clerk.request("GET", "/api/v1/auth/me").status_code == 401  # sessions ended
    time.sleep(max(0.0, 30.5 - time.time() % 30))  # the next TOTP step
    assert clerk.login("clerk", PASSWORD).json()["code"] == "TOTP_REQUIRED"
    assert clerk.login("clerk", PASSWORD, code=pyotp.TOTP(secret).now()).status_code == 200

    # separation of duties: the administrator appoints a custodian, who makes the seal and
    # authorises the clerk to use it
    made = org_admin.request("POST", "/api/v1/invitations",
                             json={"email": "keeper@example.com", "role": "custodian"})
    assert anyone.request("POST", "/api/v1/invitations/accept", json={
        "token": made.json()["token"], "username": "keeper",
        "password": PASSWORD}).status_code == 201
    keeper = Browser(server.url)
    assert keeper.login("keeper", PASSWORD).status_code == 200
    seal = keeper.request("POST", "/api/v1/seals", json={"type": "contract",
                                                          "name": "合同专用章"})
    assert seal.status_code == 201, seal.text
    granted = keeper.request("POST", f"/api/v1/seals/{seal.json()['id']}/grants", json={
        "user_id": accepted.json()["id"], "level": "use", "reason": "合同专员"})
    assert granted.status_code == 201, granted.text
    sealed = clerk.request("POST", "/api/v1/documents/seal",
                           files={"file": ("contract.pdf", reportlab_pdf(), "application/pdf")},
                           data={"seal_id": seal.json()["id"]})
    assert sealed.status_code == 200, sealed.text
    assert sealed.headers["content-type"] == "application/pdf"

    report = anyone.request("POST", "/api/v1/verify",
                            files={"file": ("sealed.pdf", sealed.content, "application/pdf")})
    assert report.json()["verdict"] == "VALID", report.text
    assert report.json()["signatures"][0]["test_seal"] is False
