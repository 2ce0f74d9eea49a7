"""D3 disk_full: a full disk under the document store or under the SQLite database.

- The document store (OPENSEAL_HOME/documents: uploaded documents, batch inputs and sealed
  outputs) on a 1 MiB tmpfs that fills: an upload that must be kept is answered 507
  ``DISK_FULL`` (zh/en, nothing recorded); a batch whose sealed PDFs no longer fit ends with
  each such document refused ``DISK_FULL``, no registry record and no partial file; after
  the filler is removed, the same work succeeds without a restart.
- The SQLite database's volume (the whole OPENSEAL_HOME on a tmpfs) full: sealing is
  answered 507 ``DISK_FULL`` (SQLite said ``SQLITE_FULL``), the file passes
  ``PRAGMA integrity_check``, the audit chain verifies, and once space is freed the same
  request seals.

PostgreSQL's volume full is not tested here (it would need a cluster on its own small file
system); the server answers its ``53100 disk_full`` the same way (adapters/db/failures.py).
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import DBAPIError

from openseal.errors import Unavailable
from tests.support.api import World, make_world
from tests.support.approvals import contract, request_use
from tests.support.batch_jobs import BATCHES, wait_done
from tests.support.outages import bad_files, chain_ok, fill, orphans, tmpfs


def _assert_disk_full(answer: httpx.Response) -> None:
    assert answer.status_code == 507, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == "DISK_FULL" and "Traceback" not in answer.text
    assert b"%PDF" not in answer.content


def _count(world: World, table: str) -> int:
    from sqlalchemy import text

    return int(world.wiring.run(lambda c: c.repos.session.execute(
        text(f"SELECT count(*) FROM {table}")).scalar_one()))  # noqa: S608 - our own names


def _documents_on_tmpfs(world: World) -> Path:
    """Move the store's files aside, mount, put them back: the same store, on 1 MiB."""
    store = world.wiring.settings.home / "documents"
    aside = store.with_name("documents-aside")
    store.rename(aside)
    return aside


def test_D3_document_store_full_507_no_partial_file_then_recovers(tmp_path: Path) -> None:
    world = make_world(tmp_path / "home")
    party = world.parties["A"]
    aside = _documents_on_tmpfs(world)
    with tmpfs(world.wiring.settings.home / "documents") as store:
        shutil.copytree(aside, store, dirs_exist_ok=True)
        member = world.login(party.member)
        requests_before = _count(world, "use_requests")

        filler = fill(store)  # a request's document must be kept for its approvers
        for lang, word in (("en", "disk"), ("zh", "磁盘")):
            member.headers["Accept-Language"] = lang
            answer = request_use(member, party.seal_id, contract("D3 request"))
            _assert_disk_full(answer)
            assert word in answer.json()["detail"]
        assert _count(world, "use_requests") == requests_before
        assert bad_files(store) == []

        filler.unlink()
        _assert_spool_full_is_disk_full(world, tmp_path / "spool")

        # inputs fit, their sealed outputs (with signature) do not
        client = world.bearer(party.client_secret)
        inputs = [contract(f"D3 batch {n}") for n in range(3)]
        filler = fill(store, leave=sum(_pages(len(i)) for i in inputs) + 8192)
        records_before = _count(world, "sealed_documents")
        job = _batch(client, party.seal_id, inputs)
        assert job["counts"]["sealed"] == 0 and job["counts"]["error"] == 3, job
        errors = _item_errors(client, job["id"])
        assert errors == ["DISK_FULL"] * 3, errors
        assert _count(world, "sealed_documents") == records_before
        assert bad_files(store) == [] and orphans(world.wiring) == []

        filler.unlink()  # space again: no restart, the same work succeeds
        again = _batch(client, party.seal_id, inputs)
        assert again["counts"]["sealed"] == 3, again
        assert _count(world, "sealed_documents") == records_before + 3
        assert min(_output_sizes(world)[-3:]) > 8192  # so none could fit above
        member.headers["Accept-Language"] = "en"
        assert request_use(member, party.seal_id, contract("D3 request")).status_code == 201
        assert bad_files(store) == [] and orphans(world.wiring) == []
        assert chain_ok(world.wiring) == ""
        world.wiring.engine.dispose()


def _assert_spool_full_is_disk_full(world: World, folder: Path) -> None:
    """An upload over 1 MiB is spooled to TMPDIR by the framework before any route runs:
    TMPDIR full is DISK_FULL too, not a 400 "error parsing the body" nor a 500."""
    client = world.bearer(world.parties["A"].client_secret)
    big = contract("D3 spool") + b"%" + b"0" * (2 * 1024 * 1024) + b"\n"
    kept = tempfile.tempdir
    with tmpfs(folder) as spool:
        fill(spool)
        tempfile.tempdir = str(spool)
        try:
            answer = client.post("/api/v1/documents/seal",
                                 data={"seal_id": world.parties["A"].seal_id},
                                 files={"file": ("big.pdf", big, "application/pdf")})
        finally:
            tempfile.tempdir = kept
    _assert_disk_full(answer)


def _pages(size: int) -> int:
    """What a file of ``size`` bytes takes on a tmpfs (whole 4 KiB pages)."""
    return -(-size // 4096) * 4096


def _batch(client: TestClient, seal_id: str, pdfs: list[bytes]) -> dict[str, Any]:
    made = client.post(BATCHES, data={"seal_id": seal_id},
                       files=[("files", (f"d3-{n}.pdf", pdf, "application/pdf"))
                              for n, pdf in enumerate(pdfs)])
    assert made.status_code == 202, made.text
    return wait_done(client, made.json()["id"])


def _output_sizes(world: World) -> list[int]:
    from sqlalchemy import text

    return list(world.wiring.run(lambda c: c.repos.session.execute(text(
        "SELECT output_size FROM sealed_documents ORDER BY created_at")).scalars()))


def _item_errors(client: TestClient, batch_id: object) -> list[str]:
    answer = client.get(f"{BATCHES}/{batch_id}")
    assert answer.status_code == 200, answer.text
    return [str((item.get("error") or {}).get("code")) for item in answer.json()["items"]]


def test_D3_sqlite_volume_full_507_file_intact_then_seals(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "volume", size="64m") as volume:
        world = make_world(volume / "home")
        party = world.parties["A"]
        http = world.bearer(party.client_secret)
        records_before = _count(world, "sealed_documents")
        database = volume / "home" / "openseal.db"
        _truncate_wal(database)  # the server's connections stay open: the next write
        filler = fill(volume)  # must grow the WAL, on a full disk

        with pytest.raises(Unavailable) as err:  # what SQLite itself said
            world.wiring.run(lambda c: c.audit.record("d3.probe", org_id=None))
        assert err.value.code == "DISK_FULL"
        cause = err.value.__cause__
        assert isinstance(cause, DBAPIError)
        assert getattr(cause.orig, "sqlite_errorcode", None) == 13  # SQLITE_FULL
        pdf = contract("D3 sqlite")
        for lang in ("en", "zh"):
            _assert_disk_full(_seal(http, party.seal_id, pdf, lang))
        world.wiring.engine.dispose()  # as after a restart: no WAL index yet, none fits
        _assert_disk_full(_seal(http, party.seal_id, pdf, "en"))
        world.wiring.engine.dispose()
        filler.unlink()

        db = sqlite3.connect(database)
        try:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            db.close()
        assert _count(world, "sealed_documents") == records_before
        assert chain_ok(world.wiring) == "" and orphans(world.wiring) == []

        answer = _seal(http, party.seal_id, pdf, "en")  # space again: the same request
        assert answer.status_code == 200, answer.text
        assert _count(world, "sealed_documents") == records_before + 1
        assert chain_ok(world.wiring) == "" and orphans(world.wiring) == []
        world.wiring.engine.dispose()


def _truncate_wal(database: Path) -> None:
    db = sqlite3.connect(database)
    try:
        busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0
    finally:
        db.close()


def _seal(http: TestClient, seal_id: str, pdf: bytes, lang: str) -> httpx.Response:
    answer: httpx.Response = http.post(
        "/api/v1/documents/seal", data={"seal_id": seal_id},
        files={"file": ("c.pdf", pdf, "application/pdf")}, headers={"Accept-Language": lang})
    return answer
