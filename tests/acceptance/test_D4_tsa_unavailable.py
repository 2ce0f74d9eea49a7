"""D4 tsa_unavailable (sealing half): when the timestamp authority cannot sign (its key is
gone, or the token holding it does not answer), sealing fails closed: 503 TSA_UNAVAILABLE
with Retry-After, no document, no registry record, no grant use, never a silent B-B seal;
once the TSA is back, sealing works again without a restart."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from asn1crypto import tsp
from fastapi.testclient import TestClient

from openseal.bootstrap import Wiring
from openseal.errors import Unavailable
from openseal.interfaces.api.app import create_app
from tests.support.api import BASE, World, make_world
from tests.support.approvals import seal_with
from tests.support.pdfs import reportlab_pdf


@pytest.fixture()
def world(tmp_path: Path) -> World:
    return make_world(tmp_path / "home")


def _tsa_key_file(w: Wiring) -> Path:
    key_id = w.run(lambda c: c.pki.timestamp_authority()._id.key_id)
    (found,) = [p for p in w.settings.keys_dir.rglob("*") if p.name.startswith(key_id)]
    return found


def _counts(w: Wiring) -> tuple[int, int]:
    return w.run(lambda c: (c.repos.count_sealed_documents(),
                            len([e for e, _ in c.repos.list_audit(action="seal.use")
                                 if e.outcome == "success"])))


def test_D4_sealing_fails_closed_while_the_tsa_cannot_sign(world: World) -> None:
    party = world.parties["A"]
    key_file = _tsa_key_file(world.wiring)
    hidden = key_file.rename(key_file.with_name(key_file.name + ".away"))
    server = Wiring(world.wiring.settings, clock=world.clock)  # a fresh process's state
    http = TestClient(create_app(server), base_url=BASE, raise_server_exceptions=False)
    http.headers["Authorization"] = f"Bearer {party.client_secret}"
    before = _counts(server)

    answer = seal_with(http, party.seal_id, reportlab_pdf())
    assert answer.status_code == 503, answer.text
    assert answer.json()["code"] == "TSA_UNAVAILABLE" and "Traceback" not in answer.text
    assert answer.headers["Retry-After"]
    assert _counts(server) == before  # nothing sealed, recorded or spent

    hidden.rename(key_file)  # the TSA is back: no restart needed
    again = seal_with(http, party.seal_id, reportlab_pdf())
    assert again.status_code == 200, again.text
    assert _counts(server)[0] == before[0] + 1


def test_D4_the_tsa_itself_answers_unavailable_for_ofd_and_rfc3161(world: World) -> None:
    """The OFD sealer asks ``timestamp_token`` (core.signing.ofd_service); the RFC 3161
    endpoint answers from the same authority."""
    key_file = _tsa_key_file(world.wiring)
    key_file.rename(key_file.with_name(key_file.name + ".away"))
    server = Wiring(world.wiring.settings, clock=world.clock)
    with pytest.raises(Unavailable) as err:
        server.run(lambda c: c.pki.timestamp_authority().timestamp_token(
            "sha256", hashlib.sha256(b"x").digest(), 1))
    assert err.value.code == "TSA_UNAVAILABLE" and err.value.zh and err.value.en
    http = TestClient(create_app(server), base_url=BASE, raise_server_exceptions=False)
    request = tsp.TimeStampReq({"version": 1, "message_imprint": {
        "hash_algorithm": {"algorithm": "sha256"},
        "hashed_message": hashlib.sha256(b"x").digest()}, "cert_req": True}).dump()
    answer = http.post("/tsa", content=request,
                       headers={"Content-Type": "application/timestamp-query"})
    assert answer.status_code == 503 and "Traceback" not in answer.text
