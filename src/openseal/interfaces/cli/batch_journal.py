"""The batch's folder state: per-document keys, staged outputs, the journal and the locks.

Everything lives in ``OUT_DIR/.openseal-batch/``:

* ``<key>.pdf.part`` - a sealed output (PDF or OFD) written and fsync'd BEFORE its
  transaction commits;
* ``<key>.json``     - the journal entry, written atomically AFTER the output is in place;
* ``run.lock``       - held exclusively by the one batch command working on the folder;
* ``workers.lock``   - held shared by its workers (an earlier run's orphans are waited for).

The database stays the source of truth: a staged file is "committed" exactly when a sealed
document record with its SHA-256 (and the same input digest and seal) exists.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
from pathlib import Path
from typing import IO, Any

JOURNAL_DIR = ".openseal-batch"
CSV_NAME = "_openseal-batch.csv"


def batch_key(input_sha256: str, seal_id: str, out_name: str, options: dict[str, Any]) -> str:
    """The idempotency key of one document of a batch: same bytes, seal, output name and
    placement/level options -> same key."""
    canonical = json.dumps({"input": input_sha256, "seal": seal_id, "out": out_name,
                            "options": options}, sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


class Journal:
    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.dir = out_dir / JOURNAL_DIR

    def ensure(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)

    def staged_path(self, key: str) -> Path:
        return self.dir / f"{key}.pdf.part"

    def entry_path(self, key: str) -> Path:
        return self.dir / f"{key}.json"

    def stage(self, key: str, data: bytes) -> Path:
        """The sealed bytes, durable under a name the next run can find (before commit)."""
        path = self.staged_path(key)
        _write_synced(path, data)
        fsync_dir(self.dir)
        return path

    def publish(self, key: str, out: Path) -> None:
        """The staged output appears whole at ``out`` (after the commit)."""
        os.replace(self.staged_path(key), out)
        fsync_dir(self.out_dir)
        fsync_dir(self.dir)

    def read(self, key: str) -> dict[str, Any] | None:
        try:
            return dict(json.loads(self.entry_path(key).read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return None

    def write(self, key: str, entry: dict[str, Any], sync: bool = True) -> None:
        """Atomically; durable on return unless ``sync`` is False (a group's entries: the
        group file keeps what they say until it is settled)."""
        tmp = self.dir / f".{key}.{secrets.token_hex(4)}.json.part"
        data = json.dumps(entry, ensure_ascii=False, sort_keys=True).encode()
        if sync:
            _write_synced(tmp, data)
        else:
            tmp.write_bytes(data)
        os.replace(tmp, self.entry_path(key))
        if sync:
            fsync_dir(self.dir)

    def clean_stray_entries(self) -> None:
        """Half-written journal entries of a killed run (only with both locks held)."""
        for stray in self.dir.glob(".*.json.part"):
            stray.unlink(missing_ok=True)
        for pattern in (".*.pdf.*.part", ".*.ofd.*.part"):  # an output half placed
            for stray in self.out_dir.glob(pattern):
                stray.unlink(missing_ok=True)

    def lock(self, name: str, shared: bool = False, wait: bool = True) -> IO[bytes] | None:
        """An flock on ``name`` (released when the file is closed or the process dies);
        None when ``wait`` is False and someone else holds it."""
        fh = open(self.dir / name, "ab")  # noqa: SIM115 - kept open while the lock is held
        flags = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | (0 if wait else fcntl.LOCK_NB)
        try:
            fcntl.flock(fh.fileno(), flags)
        except BlockingIOError:
            fh.close()
            return None
        return fh
