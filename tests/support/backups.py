"""Backups for tests: an instance with sealed documents, and ways to damage an archive."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path

from tests.support import producers
from tests.support.instance import TestInstance


def seal_samples(instance: TestInstance, folder: Path) -> list[Path]:
    """Three documents from different producers sealed by ``instance``, written to ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for name, pdf in (("reportlab", producers.reportlab()),
                      ("ghostscript", producers.ghostscript()),
                      ("qpdf", producers.qpdf_object_streams())):
        path = folder / f"{name}-sealed.pdf"
        path.write_bytes(instance.seal(pdf))
        made.append(path)
    return made


def rewrite_member(archive: Path, name: str, change: Callable[[bytes], bytes]) -> None:
    """Replace member ``name`` of the tar ``archive`` by ``change(old bytes)``."""
    with tarfile.open(archive) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]  # type: ignore[union-attr]
    with tarfile.open(archive, "w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            if info.name == name:
                data = change(data)
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def add_member(archive: Path, name: str, data: bytes) -> None:
    with tarfile.open(archive, "a") as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))


def openseal(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``openseal ARGS`` as a real process on ``home`` (English messages)."""
    full = {**os.environ, "OPENSEAL_HOME": str(home), "OPENSEAL_LANG": "en", **env}
    if "OPENSEAL_DATABASE_URL" not in env:
        full.pop("OPENSEAL_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "openseal", *args], env=full,
                          capture_output=True, text=True, timeout=300)
