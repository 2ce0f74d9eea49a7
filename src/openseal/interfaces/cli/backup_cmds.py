"""openseal backup | restore | drill: backups that restore (docs/operations.md)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import typer

from openseal.bootstrap import Wiring, load_master_key
from openseal.config import Settings
from openseal.errors import InvalidInput
from openseal.interfaces.cli.output import emit, lang, read_input, translated_errors
from openseal.interfaces.cli.seal_import_cmds import read_password
from openseal.ops.backup import (
    backup_name,
    create_backup,
    restore_backup,
    run_drill,
)
from openseal.ops.backup.retention import prune, schedule_seconds
from openseal.ops.upgrade import upgrade_instance


def register(app: typer.Typer, wiring: Callable[[], Wiring]) -> None:
    @app.command()
    def backup(out: Path = typer.Option(None, "--out", help="The backup file to write"),
               folder: Path = typer.Option(None, "--dir", help="Write a dated file here"),
               keep: int = typer.Option(0, "--keep", help="With --dir: keep the newest N"),
               schedule: str = typer.Option(None, "--schedule",
                                            help="With --dir: repeat every 30m, 6h, 1d ..."),
               passphrase_file: Path = typer.Option(None, "--passphrase-file"),
               include_master_key: bool = typer.Option(False, "--include-master-key"),
               as_json: bool = typer.Option(False, "--json")) -> None:
        """Write one consistent, signed backup (database, documents, keys, checkpoints)."""
        with translated_errors(as_json):
            every = _check_target(out, folder, keep, schedule)
            secret = read_password(passphrase_file) if passphrase_file else None
            while True:
                w = wiring()
                target = out or folder / backup_name(w.clock.now())
                result = create_backup(w, target, secret, include_master_key).to_dict()
                if folder is not None and keep:
                    result["removed"] = [str(p) for p in prune(folder, keep)]
                emit(result, as_json, lambda r=result: _say_backup(r))  # type: ignore[misc]
                if every is None:
                    return
                time.sleep(every)

    @app.command()
    def restore(file: Path = typer.Argument(..., help="The backup file"),
                home: Path = typer.Option(..., "--home", help="New, empty OPENSEAL_HOME"),
                database_url: str = typer.Option(None, "--database-url",
                                                 help="New, empty database (default: SQLite)"),
                passphrase_file: Path = typer.Option(None, "--passphrase-file"),
                master_key_file: Path = typer.Option(None, "--master-key-file"),
                trusted_root: Path = typer.Option(None, "--trusted-root",
                                                  help="The platform root (PEM) to require"),
                sample: list[Path] = typer.Option(None, "--sample",
                                                  help="A sealed document to re-verify"),
                as_json: bool = typer.Option(False, "--json")) -> None:
        """Restore into a new instance and check it; it may serve only if every check passes."""
        with translated_errors(as_json):
            result = restore_backup(
                file, home, database_url,
                passphrase=read_password(passphrase_file) if passphrase_file else None,
                master_key=_master_key(wiring, master_key_file),
                trusted_root=read_input(trusted_root) if trusted_root else None,
                samples=sample or [])
            emit(result.to_dict(), as_json, lambda: _say_checks(result.to_dict()))
        raise typer.Exit(0 if result.ok else 1)

    @app.command()
    def drill(database_url: str = typer.Option(None, "--database-url",
                                               help="Scratch database (default: SQLite)"),
              rto: float = typer.Option(None, "--rto",
                                        help="Recovery time objective, s (OPENSEAL_RTO_SECONDS)"),
              sample: list[Path] = typer.Option(None, "--sample"),
              as_json: bool = typer.Option(False, "--json")) -> None:
        """Backup -> restore into a scratch instance -> checks; prints the recovery time."""
        with translated_errors(as_json):
            w = wiring()
            result = run_drill(w, rto or w.settings.rto_seconds, database_url=database_url,
                               samples=sample or [])
            emit(result.to_dict(), as_json, lambda: _say_drill(result.to_dict()))
        raise typer.Exit(0 if result.ok else 1)


def register_upgrade(app: typer.Typer, wiring: Callable[[], Wiring]) -> None:
    @app.command()
    def upgrade(backup_dir: Path = typer.Option(None, "--backup-dir",
                                                help="Where the pre-upgrade backup goes "
                                                     "(default: $OPENSEAL_HOME/backups)"),
                no_backup: bool = typer.Option(False, "--no-backup"),
                as_json: bool = typer.Option(False, "--json")) -> None:
        """Back the instance up, then bring its database to this version's schema."""
        with translated_errors(as_json):
            w = wiring()
            folder = None if no_backup else (backup_dir or w.settings.home / "backups")
            result = upgrade_instance(w, folder)
            emit(result, as_json, lambda: _say_upgrade(result))


def _say_upgrade(r: dict[str, object]) -> None:
    zh = lang() == "zh"
    if not r["upgraded"]:
        typer.echo(f"数据库已是最新结构（{r['to']}）" if zh
                   else f"The database is already at the newest schema ({r['to']})")
        return
    if r["backup"]:
        backup = r["backup"]["file"]  # type: ignore[index]
        typer.echo(f"升级前备份：{backup}" if zh else f"Backup before the upgrade: {backup}")
    typer.echo(f"已升级：{r['from']} → {r['to']}" if zh else f"Upgraded: {r['from']} → {r['to']}")


def _check_target(out: Path | None, folder: Path | None, keep: int,
                  schedule: str | None) -> float | None:
    if (out is None) == (folder is None):
        raise InvalidInput("BACKUP_TARGET", "请给出 --out 文件或 --dir 目录（二选一）",
                           "Give either --out FILE or --dir FOLDER", field="out")
    if (keep or schedule) and folder is None:
        raise InvalidInput("BACKUP_TARGET", "--keep 与 --schedule 需要 --dir",
                           "--keep and --schedule need --dir", field="dir")
    if keep < 0:
        raise InvalidInput("BACKUP_KEEP", "--keep 不能为负数", "--keep cannot be negative",
                           field="keep")
    return None if schedule is None else schedule_seconds(schedule)


def _master_key(wiring: Callable[[], Wiring], path: Path | None) -> bytes | None:
    """The master key from --master-key-file, else OPENSEAL_MASTER_KEY, else None (then
    the backup must hold it)."""
    if path is not None:
        text = read_input(path).decode("ascii", "replace")
        return load_master_key(Settings(master_key=text))
    settings = wiring().settings
    return load_master_key(settings) if settings.master_key else None


def _say_backup(r: dict[str, object]) -> None:
    zh = lang() == "zh"
    typer.echo((f"备份已写入 {r['file']}" if zh else f"Backup written to {r['file']}")
               + f"  ({r['size']} B, {r['rows']} rows, audit {r['audit_size']}, "
               f"sha256 {str(r['sha256'])[:16]}…, {r['seconds']} s)")


def _say_checks(r: dict[str, object]) -> None:
    zh = lang() == "zh"
    for check in r["checks"]:  # type: ignore[attr-defined]
        mark = "✓" if check["ok"] else "✗"
        typer.echo(f"{mark} {check['check']}: {check['detail']}")
    if r["ok"]:
        typer.echo(f"恢复完成并通过检查：{r['home']}" if zh
                   else f"Restored and checked: {r['home']}")
    else:
        typer.echo("恢复未通过检查：该实例不会启动服务（见 restore-pending.json）" if zh else
                   "The restore failed its checks: the instance will not serve "
                   "(see restore-pending.json)")


def _say_drill(r: dict[str, object]) -> None:
    _say_checks({**r, "home": "(scratch)"})
    zh = lang() == "zh"
    typer.echo((f"恢复用时 {r['recovery_seconds']} 秒（恢复时间目标 {r['rto_seconds']} 秒）" if zh
                else f"Recovery time {r['recovery_seconds']} s (RTO {r['rto_seconds']} s)")
               + ("" if r["ok"] else (" — 未达标" if zh else " — NOT met")))
