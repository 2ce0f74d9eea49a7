"""D2 db_down_during_sealing: the database goes away while a real ``openseal serve`` process
seals. Every answer is then a 503 ``DATABASE_UNAVAILABLE`` problem (zh/en message,
``Retry-After``) or a sealed PDF whose record was committed; never a 500, never a signed PDF
without its record. Once the database is back, the same server (no restart) seals the same
document again, and nothing half-done is left: every registry record has its ``seal.use``
entry and the reverse, grant use counts match, the audit chain verifies.

PostgreSQL: a throw-away cluster of the test's own (initdb/pg_ctl as the postgres user; the
shared test server is never touched) is stopped with ``pg_ctl stop -m immediate`` (as a
crash: every connection cut, no checkpoint) while two clients keep sealing, then started
again (WAL recovery). SQLite: another connection holds ``BEGIN EXCLUSIVE`` on the file
during the request (the server waits OPENSEAL_DATABASE_BUSY_SECONDS, then answers 503).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from openseal.bootstrap import Wiring
from openseal.core.verification import verify_pdf
from openseal.errors import Unavailable
from tests.support.approvals import contract
from tests.support.instance import TestInstance, make_instance
from tests.support.outages import chain_ok, orphans, postgres_cluster
from tests.support.server import Server

API = "/api/v1/documents/seal"


@dataclass
class Party:
    """An instance's ERP: an API client allowed to seal with the contract seal directly."""

    instance: TestInstance
    seal_id: str
    client_secret: str

    @property
    def wiring(self) -> Wiring:
        return self.instance.wiring


def _party(home: Path, database_url: str | None) -> tuple[Party, Server]:
    instance = make_instance(home, database_url=database_url)
    instance.wiring.engine.dispose()
    server = Server(home, database_url)
    seal_id = instance.seals["contract"].id
    client = json.loads(server.cli("client", "create", "--org", instance.org.id, "--name",
                                   "ERP", "--scope", "documents:seal", "--json"))
    server.cli("grant", "create", "--seal", seal_id, "--client", client["id"],
               "--reason", "D2", "--json")
    return Party(instance, seal_id, client["secret"]), server


def _seal(server: Server, party: Party, pdf: bytes, lang: str = "en") -> httpx.Response:
    return httpx.post(server.url + API, data={"seal_id": party.seal_id},
                      files={"file": ("contract.pdf", pdf, "application/pdf")},
                      headers={"Authorization": f"Bearer {party.client_secret}",
                               "Accept-Language": lang}, timeout=60)


def _assert_unavailable(answer: httpx.Response) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == "DATABASE_UNAVAILABLE", answer.text
    assert int(answer.headers["Retry-After"]) > 0
    assert b"%PDF" not in answer.content and "Traceback" not in answer.text


def _assert_sealed(party: Party, answer: httpx.Response) -> str:
    assert answer.status_code == 200, answer.text
    report = verify_pdf(answer.content, trust_roots=party.instance.roots)
    assert report.verdict == "VALID", report.reasons
    return answer.headers["X-OpenSeal-Document-Id"]


def _records(party: Party) -> int:
    return party.wiring.run(lambda c: c.repos.count_sealed_documents())


def _assert_consistent(party: Party) -> None:
    assert orphans(party.wiring) == []
    assert chain_ok(party.wiring) == ""


def test_D2_sqlite_locked_during_sealing_503_then_same_request_seals(tmp_path: Path) -> None:
    party, server = _party(tmp_path / "home", None)
    process = server.start(OPENSEAL_DATABASE_BUSY_SECONDS="1")
    try:
        before = _records(party)
        pdf = contract("D2 sqlite")
        lock = sqlite3.connect(tmp_path / "home" / "openseal.db", isolation_level=None)
        try:
            lock.execute("BEGIN EXCLUSIVE")  # WAL: reads go on, every write waits, then fails
            for lang, word in (("en", "database"), ("zh", "数据库")):
                answer = _seal(server, party, pdf, lang)
                _assert_unavailable(answer)
                assert word in answer.json()["detail"]
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        assert _records(party) == before  # nothing recorded, nothing spent

        document_id = _assert_sealed(party, _seal(server, party, pdf))
        assert process.poll() is None  # the same server, never restarted
        assert party.wiring.run(lambda c: c.repos.get_sealed_document(document_id))
        assert _records(party) == before + 1
        _assert_consistent(party)
        db = sqlite3.connect(tmp_path / "home" / "openseal.db")
        try:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            db.close()
    finally:
        process.terminate()
        process.wait(30)


class Load:
    """Clients sealing in a loop until stopped: every answer kept."""

    def __init__(self, server: Server, party: Party, clients: int = 2) -> None:
        self.server, self.party = server, party
        self.answers: list[httpx.Response] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._loop, args=(n,)) for n in range(clients)]

    def _loop(self, n: int) -> None:
        while not self.stop.is_set():
            self.answers.append(_seal(self.server, self.party, contract(f"D2 load {n}")))

    def __enter__(self) -> Load:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(120)

    def wait_for(self, status: int, count: int, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while sum(a.status_code == status for a in list(self.answers)) < count:
            assert time.monotonic() < deadline, [a.status_code for a in self.answers]
            time.sleep(0.05)


def test_D2_postgresql_stopped_mid_load_503_then_recovers_without_restart(
        tmp_path: Path) -> None:
    with postgres_cluster() as cluster:
        party, server = _party(tmp_path / "home", cluster.url)
        process = server.start()
        try:
            before = _records(party)
            party.wiring.engine.dispose()
            with Load(server, party) as load:
                load.wait_for(200, 2)
                cluster.stop_immediately()  # mid-load: some requests are mid-transaction
                load.wait_for(503, 4)
                with pytest.raises(Unavailable) as err:  # the CLI's and console's way in
                    party.wiring.run(lambda c: c.repos.count_sealed_documents())
                assert err.value.code == "DATABASE_UNAVAILABLE" and err.value.zh
                cluster.start()
            answers = list(load.answers)
            assert {a.status_code for a in answers} <= {200, 503}, \
                [(a.status_code, a.text[:200]) for a in answers if a.status_code != 200]
            for answer in answers:
                if answer.status_code == 503:
                    _assert_unavailable(answer)
            released = [_assert_sealed(party, a) for a in answers if a.status_code == 200]

            pdf = contract("D2 after recovery")
            again = _seal(server, party, pdf)  # the first request after the restart of PG
            document_id = _assert_sealed(party, again)
            assert process.poll() is None  # the same server process throughout
            records = _records(party)
            unavailable = sum(a.status_code == 503 for a in answers)
            # a commit whose answer was cut by the crash may exist without a 200 (the
            # client got 503): never the reverse
            assert before + len(released) + 1 <= records \
                <= before + len(released) + 1 + unavailable
            ids = {*released, document_id}
            stored = party.wiring.run(
                lambda c: {i for i in ids if c.repos.get_sealed_document(i) is not None})
            assert stored == ids
            _assert_consistent(party)
        finally:
            process.terminate()
            process.wait(30)
            party.wiring.engine.dispose()

