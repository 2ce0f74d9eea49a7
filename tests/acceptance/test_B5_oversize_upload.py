"""B5 oversize_upload: a 1 GiB streamed body and a lying Content-Length, against a real
server process. 413 before the body is fully read, the server's memory stays bounded, no
temporary file is left behind."""

from __future__ import annotations

import select
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.server import Server

CAP = 4 * 1024 * 1024  # OPENSEAL_MAX_UPLOAD_BYTES for this server
GIB = 1024**3
CHUNK = b"\0" * (256 * 1024)
RSS_BOUND_KIB = 400 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, int]]:
    server = Server(tmp_path_factory.mktemp("b5") / "home", None)
    server.cli("init")
    process = server.start(OPENSEAL_MAX_UPLOAD_BYTES=str(CAP), TMPDIR=str(_tmpdir(server)))
    yield server, process.pid
    process.terminate()
    process.wait(timeout=20)


def _tmpdir(server: Server) -> Path:
    folder = Path(server.env["OPENSEAL_HOME"]).parent / "tmp"
    folder.mkdir(exist_ok=True)
    return folder


def _stream(server: Server, head: bytes, total: int, chunked: bool) -> tuple[bytes, int]:
    """Send ``head`` then up to ``total`` body bytes; stop when the server answers."""
    sent = 0
    answer = b""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(head)
        while sent < total:
            if select.select([sock], [], [], 0)[0]:
                break
            piece = (b"%x\r\n" % len(CHUNK) + CHUNK + b"\r\n") if chunked else CHUNK
            try:
                sock.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(CHUNK)
        sock.settimeout(30)
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    return answer, sent


def _head(port: int, extra: str) -> bytes:
    boundary = "x" * 16
    return (f"POST /api/v1/verify HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n{extra}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"big.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n").encode()


def _peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def _assert_413(answer: bytes) -> None:
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    assert b"UPLOAD_TOO_LARGE" in answer


def test_B5_declared_oversize_is_refused_before_reading(server: tuple[Server, int]) -> None:
    srv, pid = server
    answer, sent = _stream(srv, _head(srv.port, f"Content-Length: {GIB}\r\n"), GIB, False)
    _assert_413(answer)
    assert sent < 64 * 1024 * 1024, f"{sent} bytes went in before the answer"


def test_B5_chunked_gigabyte_is_cut_off_at_the_cap(server: tuple[Server, int]) -> None:
    srv, pid = server
    head = _head(srv.port, "Transfer-Encoding: chunked\r\n")
    # the multipart head itself travels as the first chunk
    body_start = head.split(b"\r\n\r\n", 1)[1]
    head = head.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n" + b"%x\r\n" % len(body_start) \
        + body_start + b"\r\n"
    answer, sent = _stream(srv, head, GIB, True)
    _assert_413(answer)
    assert sent < 64 * 1024 * 1024, f"{sent} bytes went in before the answer"
    assert _peak_rss_kib(pid) < RSS_BOUND_KIB


def test_B5_lying_content_length_reads_no_more_than_declared(
        server: tuple[Server, int]) -> None:
    """Declared small, sent big: the server reads what was declared and no further."""
    srv, pid = server
    answer, _ = _stream(srv, _head(srv.port, "Content-Length: 2000\r\n"), 32 * 1024 * 1024,
                        False)
    assert answer.startswith(b"HTTP/1.1 4"), answer[:200]
    assert b"Traceback" not in answer
    assert _peak_rss_kib(pid) < RSS_BOUND_KIB


def test_B5_no_temporary_files_left(server: tuple[Server, int]) -> None:
    srv, _ = server
    leftovers = [p for p in _tmpdir(srv).iterdir()]
    assert leftovers == [], leftovers
    assert tempfile.gettempdir()  # the server used its own TMPDIR, checked above
