"""Outages for the D2/D3 tests: a throw-away PostgreSQL cluster that can be stopped and
started again, a small tmpfs that can be filled, and the consistency checks after them
(no orphan rows, no partial files, the audit chain)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from glob import glob
from pathlib import Path

from sqlalchemy import text

from openseal.bootstrap import Context, Wiring
from openseal.ops.audit_check import verify_instance_log
from tests.support.tools import missing

ENOSPC_FILLER = "filler.bin"


@dataclass
class Cluster:
    """A PostgreSQL cluster of our own (``pg_ctl`` as the postgres user): stop it hard,
    start it again."""

    bin_dir: Path
    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/openseal"

    def pg_ctl(self, *args: str) -> None:
        data, log = self.folder / "data", self.folder / "server.log"
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=on"
        command = [str(self.bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w",
                   "-o", options, *args]
        done = subprocess.run(["runuser", "-u", "postgres", "--", *command],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr + _tail(log)

    def stop_immediately(self) -> None:
        """As a crash: no checkpoint, every connection cut (recovery replays the WAL)."""
        self.pg_ctl("stop", "-m", "immediate")

    def start(self) -> None:
        self.pg_ctl("start")


@contextmanager
def postgres_cluster() -> Iterator[Cluster]:
    """A fresh cluster on a free port with an ``openseal`` database, removed afterwards.
    Skips (fails in CI) without the PostgreSQL server binaries or ``runuser``."""
    found = sorted(glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found or shutil.which("runuser") is None:
        missing("PostgreSQL server binaries (initdb, pg_ctl) and runuser not found: "
                "apt-get install postgresql util-linux")
    bin_dir = Path(found[-1]).parent
    folder = Path(tempfile.mkdtemp(prefix="openseal-d2-pg-"))
    shutil.chown(folder, "postgres", "postgres")
    cluster = Cluster(bin_dir, folder, _free_port())
    init = subprocess.run(["runuser", "-u", "postgres", "--", str(bin_dir / "initdb"),
                           "-D", str(folder / "data"), "-U", "postgres", "-A", "trust",
                           "--no-sync"], capture_output=True, text=True, timeout=120)
    assert init.returncode == 0, init.stdout + init.stderr
    cluster.start()
    try:
        _create_database(cluster)
        yield cluster
    finally:
        subprocess.run(["runuser", "-u", "postgres", "--", str(bin_dir / "pg_ctl"), "-D",
                        str(folder / "data"), "stop", "-m", "immediate"],
                       capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def _create_database(cluster: Cluster) -> None:
    from sqlalchemy import create_engine

    admin = create_engine(cluster.url.rsplit("/", 1)[0] + "/postgres",
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE openseal"))
    admin.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:] if log.exists() else ""


@contextmanager
def tmpfs(folder: Path, size: str = "1m") -> Iterator[Path]:
    """``folder`` as a tmpfs of ``size`` (unmounted afterwards); skips (fails in CI) where
    mounting is not permitted."""
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs",
                           str(folder)], capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        missing(f"cannot mount a tmpfs at {folder} ({done.stderr.strip()}): "
                "run as root (the disk-full tests need mount -t tmpfs)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, timeout=30)


def fill(folder: Path, leave: int = 0) -> Path:
    """Fill ``folder``'s file system up to ``leave`` free bytes (a filler file)."""
    filler = folder / ENOSPC_FILLER
    with filler.open("ab") as out:
        while True:
            free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
            if free <= leave:
                break
            try:
                out.write(b"\0" * min(free - leave, 64 * 1024))
                out.flush()
            except OSError:
                break
    return filler


def free_bytes(folder: Path) -> int:
    stat = os.statvfs(folder)
    return stat.f_bavail * stat.f_frsize


def orphans(w: Wiring) -> list[str]:
    """What a half-done sealing would leave: a registry record without its successful
    ``seal.use`` entry (or the reverse), a grant whose use count differs from its
    successful uses, a batch item marked sealed without its record."""
    def check(c: Context) -> list[str]:
        uses = [e for e, _ in c.repos.list_audit(action="seal.use") if e.outcome == "success"]
        documents = set(c.repos.session.execute(
            text("SELECT id FROM sealed_documents")).scalars())
        used = [str(e.details.get("document")) for e in uses]
        found = [f"record without seal.use: {d}" for d in documents - set(used)]
        found += [f"seal.use without record: {d}" for d in set(used) - documents]
        for grant, count in c.repos.session.execute(text("SELECT id, uses FROM seal_grants")):
            spent = sum(1 for e in uses if e.details.get("grant") == grant)
            if spent != count:
                found.append(f"grant {grant}: uses {count}, seal.use entries {spent}")
        for item, record in c.repos.session.execute(text(
                "SELECT id, document_id FROM batch_items WHERE status = 'sealed'")):
            if record not in documents:
                found.append(f"batch item {item} sealed without record {record}")
        return found

    return w.run(check)


def bad_files(root: Path) -> list[str]:
    """Files in a document store that are partial (temporary) or not what their name says."""
    found: list[str] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.name == ENOSPC_FILLER:
            continue
        if path.name.startswith(".") or path.suffix != ".pdf":
            found.append(f"stray file {path}")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != path.stem:
            found.append(f"truncated or changed {path}")
    return found


def chain_ok(w: Wiring) -> str:
    """'' when the audit log verifies, else its problems."""
    report = verify_instance_log(w)
    return "" if report.ok else json.dumps(report.to_dict(), ensure_ascii=False)
