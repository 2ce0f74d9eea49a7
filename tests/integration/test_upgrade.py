"""`openseal upgrade`: a backup of the older instance, then the migrations; that backup
restores (to the old revision, then migrated); every earlier migration head upgrades to a
schema identical to a fresh one; the version is shown by the CLI and the console."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect

from openseal import __version__
from openseal.adapters.db.engine import alembic_config, make_engine, schema_revision, upgrade
from openseal.bootstrap import load_master_key
from openseal.ops.backup import restore_backup
from tests.support.backups import openseal, seal_samples
from tests.support.instance import make_instance

REVISIONS = [r.revision for r in ScriptDirectory.from_config(
    alembic_config(make_engine("sqlite://"))).walk_revisions()][::-1]


def _schema(engine: Engine) -> dict[str, list[str]]:
    found = inspect(engine)
    return {t: sorted(c["name"] for c in found.get_columns(t)) for t in found.get_table_names()}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_every_earlier_head_upgrades_to_the_fresh_schema(backend: str, tmp_path: Path,
                                                         request: pytest.FixtureRequest) -> None:
    def url(name: str) -> str:
        if backend == "postgresql":
            return str(request.getfixturevalue("postgres_url")) if name == "fresh" else \
                str(request.getfixturevalue("module_postgres_url"))
        return f"sqlite:///{tmp_path / name}.db"
    fresh = make_engine(url("fresh"))
    upgrade(fresh)
    expected = _schema(fresh)
    fresh.dispose()
    for revision in REVISIONS[:-1]:
        old = make_engine(url(f"at-{revision}"))
        if schema_revision(old):  # PostgreSQL: one database for the module, reused
            command.downgrade(alembic_config(old), "base")
        command.upgrade(alembic_config(old), revision)
        assert schema_revision(old) == revision
        upgrade(old)
        assert _schema(old) == expected, revision
        old.dispose()


def test_upgrade_backs_up_first_and_that_backup_restores(tmp_path: Path) -> None:
    instance = make_instance(tmp_path / "home")
    samples = seal_samples(instance, tmp_path / "sealed")
    instance.wiring.engine.dispose()
    plain = create_engine(instance.wiring.settings.resolved_database_url)  # no FK pragma
    command.downgrade(alembic_config(plain), REVISIONS[-2])  # as an older version left it
    plain.dispose()
    home = instance.wiring.settings.home

    stale = openseal(home, "seal", "list", "--json")
    assert stale.returncode != 0 and "SCHEMA_OUTDATED" in stale.stdout, stale.stdout
    done = openseal(home, "upgrade", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["upgraded"] and result["from"] == REVISIONS[-2] and result["to"] == REVISIONS[-1]
    backup = Path(result["backup"]["file"])
    assert backup.parent == home / "backups" and backup.exists()
    again = openseal(home, "upgrade", "--json")
    assert json.loads(again.stdout) | {"backup": None} == {**json.loads(again.stdout),
                                                           "upgraded": False}
    assert openseal(home, "verify", *map(str, samples)).returncode == 0

    restored = restore_backup(backup, tmp_path / "restored",
                              master_key=load_master_key(instance.wiring.settings),
                              samples=samples)
    assert restored.ok, restored.to_dict()
    assert restored.manifest.body["source"]["schema_revision"] == REVISIONS[-2]
    upgraded = instance.wiring.run(lambda c: c.repos.list_audit(action="instance.upgrade"))
    assert upgraded[-1][0].details["backup_sha256"] == result["backup"]["sha256"]


def test_the_version_is_shown(tmp_path: Path) -> None:
    done = openseal(tmp_path, "--version")
    assert done.returncode == 0 and done.stdout.strip() == f"openseal {__version__}"
