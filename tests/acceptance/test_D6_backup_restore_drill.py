"""D6: backup, restore into a fresh instance (across backends), the drill.

The restored instance passes the audit chain verification (also as a separate `openseal
audit verify` process), a sample of sealed PDFs re-verifies VALID and is found in its
registry, row counts are equal, SQLite's integrity_check says ok, and the drill reports
the recovery time against the RTO."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from pathlib import Path

import pytest

from openseal.bootstrap import load_master_key
from openseal.ops.backup import create_backup, restore_backup
from tests.support.backups import openseal, seal_samples
from tests.support.instance import make_instance
from tests.support.pdfs import reportlab_pdf
from tests.support.pg import postgres_database

CHECKS = {"rows", "database_integrity", "audit_chain", "keys", "documents", "sealed_samples"}


@pytest.mark.parametrize("source", ["sqlite", "postgresql"])
def test_D6_backup_restore_into_the_other_backend(source: str, tmp_path: Path,
                                                  request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("postgres_url") if source == "postgresql" else None
    instance = make_instance(tmp_path / "home", database_url=url)
    samples = seal_samples(instance, tmp_path / "sealed")
    backup = create_backup(instance.wiring, tmp_path / "b.osbak")
    key = load_master_key(instance.wiring.settings)

    with postgres_database() as other:
        target = other if source == "sqlite" else None
        result = restore_backup(backup.path, tmp_path / "restored", target, master_key=key,
                                samples=samples)
        assert result.ok, result.to_dict()
        assert {c.name for c in result.checks} == CHECKS
        assert sum(backup.tables.values()) == result.to_dict()["rows"] > 0
        env = {"OPENSEAL_MASTER_KEY": key.hex(),
               **({"OPENSEAL_DATABASE_URL": target} if target else {})}
        audit = openseal(tmp_path / "restored", "audit", "verify", "--json", **env)
        assert audit.returncode == 0, audit.stdout + audit.stderr
        assert json.loads(audit.stdout)["ok"] is True
        done = openseal(tmp_path / "restored", "verify", *map(str, samples), **env)
        assert done.returncode == 0, done.stdout + done.stderr  # exit 0: every file VALID
        assert done.stdout.count("Verdict: VALID") == len(samples), done.stdout
    if source == "postgresql":
        db = tmp_path / "restored" / "openseal.db"
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_D6_backup_during_sealing_is_one_consistent_state(tmp_path: Path) -> None:
    instance = make_instance(tmp_path / "home")
    pdf = reportlab_pdf()
    stop = threading.Event()

    def keep_sealing() -> None:
        while not stop.is_set():
            instance.seal(pdf)

    sealer = threading.Thread(target=keep_sealing)
    sealer.start()
    try:
        backups = [create_backup(instance.wiring, tmp_path / f"b{i}.osbak") for i in range(2)]
    finally:
        stop.set()
        sealer.join()
    key = load_master_key(instance.wiring.settings)
    for i, backup in enumerate(backups):
        result = restore_backup(backup.path, tmp_path / f"r{i}", master_key=key)
        assert result.ok, result.to_dict()


def test_D6_drill_passes_and_prints_its_recovery_time(tmp_path: Path) -> None:
    instance = make_instance(tmp_path / "home")
    samples = seal_samples(instance, tmp_path / "sealed")
    done = openseal(tmp_path / "home", "drill", *[a for s in samples for a in ("--sample", str(s))])
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"Recovery time [0-9.]+ s \(RTO 900.0 s\)", done.stdout), done.stdout
    for check in CHECKS:
        assert f"✓ {check}:" in done.stdout, done.stdout
    made = instance.wiring.run(lambda c: c.repos.list_audit(action="backup.create"))
    assert len(made) == 1 and made[0][0].details["encrypted"] is True  # the drill's backup
