"""A real `openseal serve` process on a free port, for tests that need real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


class Server:
    def __init__(self, home: Path, database_url: str | None) -> None:
        self.env = {**os.environ, "OPENSEAL_HOME": str(home), "OPENSEAL_LANG": "en"}
        self.env.pop("OPENSEAL_DATABASE_URL", None)
        if database_url:
            self.env["OPENSEAL_DATABASE_URL"] = database_url
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "openseal", *args], env=self.env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr + done.stdout
        return done.stdout

    def start(self, **env: str) -> subprocess.Popen[bytes]:
        self.log = Path(self.env["OPENSEAL_HOME"]).parent / f"serve-{self.port}.log"
        with self.log.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "openseal", "serve", "--port", str(self.port)],
                env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/readyz").status_code == 200:
                    return process
            except httpx.TransportError:
                time.sleep(0.2)
        process.kill()
        raise AssertionError(self.log.read_text(errors="replace"))
