"""`openseal batch` as a real process on a test instance (SQLite or PostgreSQL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.instance import TestInstance
from tests.support.pdfs import reportlab_pdf


def batch_env(instance: TestInstance, **extra: str) -> dict[str, str]:
    settings = instance.wiring.settings
    env = {**os.environ, "OPENSEAL_HOME": str(settings.home), "OPENSEAL_LANG": "en"}
    env.pop("OPENSEAL_DATABASE_URL", None)
    env.pop("OPENSEAL_BATCH_CRASH_AFTER", None)
    if settings.database_url:
        env["OPENSEAL_DATABASE_URL"] = settings.database_url
    env.update(extra)
    return env


def run_batch(instance: TestInstance, in_dir: Path, out_dir: Path, *args: str,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "openseal", "batch", str(in_dir), "-o", str(out_dir),
         "--seal", instance.seals["contract"].id, "--json", *args],
        env=env or batch_env(instance), capture_output=True, text=True, timeout=600)


def summary(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert "Traceback" not in done.stderr, done.stderr
    return dict(json.loads(done.stdout))


def write_pdfs(folder: Path, count: int) -> dict[str, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    made = {}
    for n in range(count):
        data = reportlab_pdf(title=f"合同 Contract no. {n:03d}")
        (folder / f"doc-{n:03d}.pdf").write_bytes(data)
        made[f"doc-{n:03d}.pdf"] = data
    return made


def seal_uses(instance: TestInstance) -> list[dict[str, Any]]:
    """The successful seal.use audit entries' details."""
    with instance.wiring.context() as c:
        events = c.repos.list_audit(action="seal.use")
    return [dict(e.details) for e, _ in events if e.outcome == "success"]
