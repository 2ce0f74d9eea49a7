"""The `openseal` command as a real process, on a test world's OPENSEAL_HOME (English
messages, so tests read stable text; JSON output for the assertions)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from tests.support.api import World


class WorldCli:
    """``openseal PREFIX... ARGS...`` on ``world``'s home (its SQLite database)."""

    def __init__(self, world: World, *prefix: str) -> None:
        self.prefix = prefix
        self.env = {**os.environ, "OPENSEAL_HOME": str(world.wiring.settings.home),
                    "OPENSEAL_LANG": "en"}
        self.env.pop("OPENSEAL_DATABASE_URL", None)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "openseal", *self.prefix, *args],
                              env=self.env, capture_output=True, text=True, timeout=120)

    def json(self, *args: str, expect: int = 0) -> dict[str, Any]:
        """The command's JSON answer; its exit code must be ``expect``, with no trace."""
        done = self.run(*args, "--json")
        assert done.returncode == expect, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        return dict(json.loads(done.stdout))
