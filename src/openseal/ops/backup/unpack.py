"""Opening a backup file: decrypt when it is encrypted, unpack safely, check the manifest.

Nothing is written outside the scratch folder until the manifest's signature and every
member's SHA-256 have been checked. Only regular files with relative names are accepted
(tarfile's "data" filter), so an archive cannot write outside the folder.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

from openseal.errors import IntegrityViolation, InvalidInput
from openseal.ops.backup.manifest import SignedManifest, read_manifest
from openseal.ops.backup.sealed_box import decrypt_file, is_encrypted


def open_backup(archive: Path, scratch: Path, passphrase: bytes | None,
                trusted_root: bytes | None) -> tuple[Path, SignedManifest]:
    """The unpacked folder of ``archive`` and its checked manifest."""
    if not archive.is_file():
        raise InvalidInput("BACKUP_NOT_FOUND", f"找不到备份文件：{archive}",
                           f"The backup file does not exist: {archive}", field="file")
    plain = archive
    if is_encrypted(archive):
        if not passphrase:
            raise InvalidInput("BACKUP_PASSPHRASE_REQUIRED", "该备份已加密，请提供口令文件",
                               "This backup is encrypted: give its passphrase file",
                               field="passphrase")
        plain = scratch / "backup.tar"
        decrypt_file(archive, plain, passphrase)
    folder = scratch / "unpacked"
    _unpack(plain, folder)
    return folder, read_manifest(folder, trusted_root)


def _unpack(tar_path: Path, folder: Path) -> None:
    folder.mkdir(parents=True)
    try:
        with tarfile.open(tar_path, "r:") as tar:
            members = tar.getmembers()
            if any(not m.isfile() for m in members):
                raise _unreadable()
            tar.extractall(folder, members=members, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise _unreadable() from exc


def _unreadable() -> IntegrityViolation:
    return IntegrityViolation("BACKUP_UNREADABLE", "备份文件无法读取：不是 OpenSeal 备份，或已损坏",
                              "The backup cannot be read: it is not an OpenSeal backup, or it "
                              "is damaged")
