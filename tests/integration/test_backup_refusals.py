"""Backups and restores refuse bad input with a clear message and change nothing: a
changed member, an edited manifest, another platform's backup, a wrong passphrase, a
truncated file, a path outside the folder, a target that is not empty, no master key;
a restore whose checks fail keeps the instance from serving."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from openseal.bootstrap import load_master_key
from openseal.errors import IntegrityViolation, InvalidInput, OpenSealError
from openseal.ops.backup import create_backup, restore_backup, restore_pending
from openseal.ops.backup.retention import prune, schedule_seconds
from tests.support.backups import add_member, openseal, rewrite_member
from tests.support.instance import TestInstance, make_instance
from tests.support.pdfs import reportlab_pdf


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> TestInstance:
    instance = make_instance(tmp_path_factory.mktemp("backup-source") / "home")
    instance.seal(reportlab_pdf())
    return instance


@pytest.fixture(scope="module")
def plain_backup(source: TestInstance, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return create_backup(source.wiring, tmp_path_factory.mktemp("b") / "b.osbak").path


def _copy(backup: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy(backup, tmp_path / "copy.osbak"))


def _refused(tmp_path: Path, backup: Path, code: str, key: bytes | None, **kw: object) -> None:
    with pytest.raises(OpenSealError) as err:
        restore_backup(backup, tmp_path / "target", master_key=key, **kw)  # type: ignore[arg-type]
    assert err.value.code == code, err.value.to_dict("en")
    assert err.value.zh and err.value.en
    assert not (tmp_path / "target").exists()  # nothing written


def test_a_changed_member_is_named_and_nothing_is_restored(
        source: TestInstance, plain_backup: Path, tmp_path: Path) -> None:
    backup = _copy(plain_backup, tmp_path)

    def more_rows(data: bytes) -> bytes:
        return gzip.compress(gzip.decompress(data).replace(b'"success"', b'"failure"', 1))
    rewrite_member(backup, "db/audit_events.jsonl.gz", more_rows)
    _refused(tmp_path, backup, "BACKUP_MEMBER_CHANGED", load_master_key(source.wiring.settings))


def test_an_edited_manifest_breaks_the_platform_signature(
        source: TestInstance, plain_backup: Path, tmp_path: Path) -> None:
    backup = _copy(plain_backup, tmp_path)

    def fewer_rows(data: bytes) -> bytes:
        body = json.loads(data)
        body["tables"]["audit_events"] -= 1
        return json.dumps(body, ensure_ascii=False, sort_keys=True, indent=1).encode()
    rewrite_member(backup, "manifest.json", fewer_rows)
    _refused(tmp_path, backup, "BACKUP_SIGNATURE_INVALID",
             load_master_key(source.wiring.settings))


def test_an_extra_member_or_a_path_outside_is_refused(
        source: TestInstance, plain_backup: Path, tmp_path: Path) -> None:
    key = load_master_key(source.wiring.settings)
    extra = _copy(plain_backup, tmp_path)
    add_member(extra, "files/keys/planted", b"x")
    _refused(tmp_path, extra, "BACKUP_MEMBERS_CHANGED", key)
    escape = Path(shutil.copy(plain_backup, tmp_path / "escape.osbak"))
    add_member(escape, "../../escaped", b"x")
    _refused(tmp_path, escape, "BACKUP_UNREADABLE", key)
    assert not (tmp_path.parent / "escaped").exists()
    junk = tmp_path / "junk.osbak"
    junk.write_bytes(b"not a backup" * 100)
    _refused(tmp_path, junk, "BACKUP_UNREADABLE", key)


def test_another_platforms_backup_is_refused_when_the_root_is_pinned(
        source: TestInstance, tmp_path: Path) -> None:
    other = make_instance(tmp_path / "other")
    theirs = create_backup(other.wiring, tmp_path / "theirs.osbak").path
    ours = source.roots_pem.read_bytes()
    _refused(tmp_path, theirs, "BACKUP_NOT_OURS", load_master_key(other.wiring.settings),
             trusted_root=ours)


def test_encrypted_backups_need_the_right_passphrase_and_the_whole_file(
        source: TestInstance, tmp_path: Path) -> None:
    backup = create_backup(source.wiring, tmp_path / "enc.osbak", passphrase=b"correct horse",
                           include_master_key=True).path
    assert b"audit_events" not in backup.read_bytes()  # nothing readable without it
    _refused(tmp_path, backup, "BACKUP_PASSPHRASE_REQUIRED", None)
    _refused(tmp_path, backup, "BACKUP_UNDECRYPTABLE", None, passphrase=b"wrong horse")
    cut = tmp_path / "cut.osbak"
    cut.write_bytes(backup.read_bytes()[: backup.stat().st_size - 100])
    _refused(tmp_path, cut, "BACKUP_UNDECRYPTABLE", None, passphrase=b"correct horse")
    result = restore_backup(backup, tmp_path / "ok", passphrase=b"correct horse")
    assert result.ok, result.to_dict()  # the master key came from the encrypted backup
    assert (tmp_path / "ok" / "master.key").stat().st_mode & 0o077 == 0


def test_the_master_key_only_goes_into_an_encrypted_backup(source: TestInstance,
                                                           tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as err:
        create_backup(source.wiring, tmp_path / "b.osbak", include_master_key=True)
    assert err.value.code == "BACKUP_MASTER_KEY_NEEDS_PASSPHRASE"
    assert list(tmp_path.iterdir()) == []


def test_restore_needs_an_empty_target_and_the_master_key(
        source: TestInstance, plain_backup: Path, tmp_path: Path,
        postgres_url: str) -> None:
    key = load_master_key(source.wiring.settings)
    _refused(tmp_path, plain_backup, "RESTORE_MASTER_KEY_REQUIRED", None)
    busy = tmp_path / "target"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    with pytest.raises(InvalidInput) as err:
        restore_backup(plain_backup, busy, master_key=key)
    assert err.value.code == "RESTORE_TARGET_NOT_EMPTY"
    assert [p.name for p in busy.iterdir()] == ["keep.txt"]
    make_instance(tmp_path / "pg-home", database_url=postgres_url)
    with pytest.raises(InvalidInput) as err:
        restore_backup(plain_backup, tmp_path / "new", postgres_url, master_key=key)
    assert err.value.code == "RESTORE_DATABASE_NOT_EMPTY"
    assert not (tmp_path / "new").exists()


def test_a_restore_that_fails_its_checks_does_not_serve(plain_backup: Path,
                                                        tmp_path: Path) -> None:
    wrong_key = bytes(32)
    result = restore_backup(plain_backup, tmp_path / "home", master_key=wrong_key)
    assert not result.ok
    failed = {c.name for c in result.checks if not c.ok}
    assert failed == {"keys"}, result.to_dict()
    assert restore_pending(tmp_path / "home")
    pending = json.loads((tmp_path / "home" / "restore-pending.json").read_text())
    assert pending["failed"][0]["check"] == "keys"
    served = openseal(tmp_path / "home", "serve", "--port", "1",
                      OPENSEAL_MASTER_KEY=wrong_key.hex())
    assert served.returncode != 0 and "will not serve" in served.stderr + served.stdout
    assert "Traceback" not in served.stderr


def test_cli_backup_refusals_and_retention(source: TestInstance, tmp_path: Path) -> None:
    home = source.wiring.settings.home
    both = openseal(home, "backup", "--out", str(tmp_path / "a"), "--dir", str(tmp_path))
    assert both.returncode != 0 and "either --out" in both.stdout + both.stderr
    bad = openseal(home, "backup", "--dir", str(tmp_path), "--schedule", "1s")
    assert bad.returncode != 0 and "at least 5 minutes" in bad.stdout + bad.stderr
    assert list(tmp_path.iterdir()) == []
    for stamp in ("20260101T000000Z", "20260102T000000Z", "20260103T000000Z"):
        (tmp_path / f"openseal-{stamp}.osbak").write_bytes(b"old")
    done = openseal(home, "backup", "--dir", str(tmp_path), "--keep", "2", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert len(kept) == 2 and kept[0] == "openseal-20260103T000000Z.osbak"
    assert json.loads(done.stdout)["removed"]
    assert schedule_seconds("6h") == 21600 and prune(tmp_path, 5) == []
    with pytest.raises(InvalidInput):
        schedule_seconds("-1d")


def test_a_damaged_sqlite_source_is_not_backed_up(tmp_path: Path) -> None:
    instance = make_instance(tmp_path / "home")
    db = instance.wiring.settings.home / "openseal.db"
    instance.wiring.engine.dispose()
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for n in range(2, len(data) // page):  # every b-tree page's type byte
        data[n * page] = 0x0E
    db.write_bytes(bytes(data))
    with pytest.raises((IntegrityViolation, OpenSealError)):
        create_backup(instance.wiring, tmp_path / "b.osbak")
    assert not (tmp_path / "b.osbak").exists()
