"""Several `openseal serve` processes on one PostgreSQL keep no state of their own that the
others would miss: a session made on one works on the other, a seal renewed or suspended on
one is sealed with its new certificate, or refused, by the other (whose sealer cache was
warm), and the audit trail stays one linear chain."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
from asn1crypto import pem, x509
from pyhanko.pdf_utils.reader import PdfFileReader

from openseal.bootstrap import Wiring
from openseal.config import Settings
from openseal.ops.audit_check import verify_instance_log
from tests.support.api import PASSWORD, make_world
from tests.support.pdfs import reportlab_pdf
from tests.support.server import Server


def _signer_serial(pdf: bytes) -> int:
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    return int(signature.signer_cert.serial_number)


def _current_serial(http: httpx.Client, seal_id: str) -> int:
    text = http.get(f"/api/v1/seals/{seal_id}/certificate.pem").content
    _, _, der = next(pem.unarmor(text, multiple=True))
    return int(x509.Certificate.load(der).serial_number)


def _seal(http: httpx.Client, seal_id: str) -> httpx.Response:
    return http.post("/api/v1/documents/seal", data={"seal_id": seal_id},
                     files={"file": ("c.pdf", reportlab_pdf(), "application/pdf")})


def test_E1_two_servers_share_sessions_seal_state_and_audit(tmp_path: Path,
                                                            postgres_url: str) -> None:
    world = make_world(tmp_path / "home", postgres_url)
    party = world.parties["A"]
    world.wiring.engine.dispose()
    one, two = Server(tmp_path / "home", postgres_url), Server(tmp_path / "home", postgres_url)
    processes = [one.start(OPENSEAL_COOKIE_SECURE="false"),
                 two.start(OPENSEAL_COOKIE_SECURE="false")]
    try:
        with httpx.Client(base_url=one.url) as on_one, httpx.Client(base_url=two.url) as on_two:
            login = on_one.post("/api/v1/auth/login",
                                json={"username": party.custodian, "password": PASSWORD})
            assert login.status_code == 200, login.text
            on_two.cookies = on_one.cookies  # the session made on server one ...
            on_two.headers["X-CSRF-Token"] = login.json()["csrf_token"]
            on_one.headers["X-CSRF-Token"] = login.json()["csrf_token"]
            assert on_two.get("/api/v1/auth/me").status_code == 200  # ... works on two

            sealer = httpx.Client(base_url=two.url,
                                  headers={"Authorization": f"Bearer {party.client_secret}"})
            first = _seal(sealer, party.seal_id)  # server two's sealer cache is now warm
            assert first.status_code == 200, first.text
            renewed = on_one.post(f"/api/v1/seals/{party.seal_id}/renew",
                                  json={"reason": "E1 renewal"})
            assert renewed.status_code == 200, renewed.text
            after = _seal(sealer, party.seal_id)
            assert after.status_code == 200, after.text
            new_serial = _current_serial(on_one, party.seal_id)
            assert _signer_serial(first.content) != new_serial
            assert _signer_serial(after.content) == new_serial  # not the replaced certificate

            suspended = on_one.post(f"/api/v1/seals/{party.seal_id}/suspend",
                                    json={"reason": "E1 suspension"})
            assert suspended.status_code == 200, suspended.text
            refused = _seal(sealer, party.seal_id)
            assert refused.status_code in (403, 409), refused.text
            sealer.close()
    finally:
        for p in processes:
            p.terminate()
            p.wait(timeout=30)
    check = Wiring(Settings(home=tmp_path / "home", database_url=postgres_url))
    try:
        assert verify_instance_log(check).ok
    finally:
        check.engine.dispose()
