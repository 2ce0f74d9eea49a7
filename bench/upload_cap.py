"""How much of a 1 GiB upload a server with a 4 MiB cap takes in before answering 413, and
its peak RSS (ACCEPTANCE B5). Run: PYTHONPATH=. .venv/bin/python bench/upload_cap.py"""

from __future__ import annotations

import pathlib
import tempfile

from tests.acceptance.test_B5_oversize_upload import CAP, GIB, _head, _peak_rss_kib, _stream
from tests.support.server import Server


def main() -> None:
    server = Server(pathlib.Path(tempfile.mkdtemp()) / "home", None)
    server.cli("init")
    process = server.start(OPENSEAL_MAX_UPLOAD_BYTES=str(CAP))
    try:
        answer, sent = _stream(server, _head(server.port, f"Content-Length: {GIB}\r\n"),
                               GIB, False)
        print("declared 1 GiB:", answer.split(b"\r\n")[0].decode(), "| bytes sent:", sent)
        head = _head(server.port, "Transfer-Encoding: chunked\r\n")
        top, body = head.split(b"\r\n\r\n", 1)
        head = top + b"\r\n\r\n" + b"%x\r\n" % len(body) + body + b"\r\n"
        answer, sent = _stream(server, head, GIB, True)
        print("chunked 1 GiB:", answer.split(b"\r\n")[0].decode(), "| bytes sent:", sent,
              "| server peak RSS KiB:", _peak_rss_kib(process.pid))
    finally:
        process.terminate()


if __name__ == "__main__":
    main()
