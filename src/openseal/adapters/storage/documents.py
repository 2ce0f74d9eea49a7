"""Documents kept for approvers, as files named by their SHA-256 under OPENSEAL_HOME.

Content-addressed: a file is written once (to a temporary name, synced, then renamed, so a
reader never sees a partial file) and never changed; reading checks the hash again.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

_SHA256 = re.compile(r"[0-9a-f]{64}")


class FileDocumentStore:
    def __init__(self, root: Path) -> None:
        self._root = root

    def put(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        path = self._path(digest)
        if path.exists():
            return digest
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, sha256: str) -> bytes | None:
        if not _SHA256.fullmatch(sha256):
            return None
        path = self._path(sha256)
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            return None
        return content if hashlib.sha256(content).hexdigest() == sha256 else None

    def _path(self, digest: str) -> Path:
        return self._root / digest[:2] / f"{digest}.pdf"
