"""Files that appear whole or not at all: temporary file beside the target, fsync, then
rename (the CLI's outputs, the archive job's renewed PDFs); and input files read with a
clear error."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from openseal.errors import InvalidInput


class StagedFile:
    """``data`` written and synced beside ``path``; visible at ``path`` only on publish()."""

    def __init__(self, path: Path, data: bytes) -> None:
        directory = path.parent
        if not directory.is_dir():
            raise InvalidInput("OUTPUT_DIR", f"输出目录不存在：{directory}",
                               f"The output folder does not exist: {directory}", field="out")
        self.path = path
        self.tmp = directory / f".{path.name}.{secrets.token_hex(6)}.part"
        try:
            with open(self.tmp, "xb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            self.discard()
            raise InvalidInput("OUTPUT_WRITE", f"无法写入 {path}：{exc.strerror}",
                               f"Cannot write {path}: {exc.strerror}", field="out") from None

    def publish(self) -> None:
        os.replace(self.tmp, self.path)

    def discard(self) -> None:
        self.tmp.unlink(missing_ok=True)


def write_atomically(path: Path, data: bytes) -> None:
    staged = StagedFile(path, data)
    try:
        staged.publish()
    finally:
        staged.discard()


def read_input(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput("FILE_UNREADABLE", f"无法读取文件 {path}：{exc.strerror}",
                           f"Cannot read {path}: {exc.strerror}", field="file") from None
