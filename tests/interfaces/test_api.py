"""The HTTP server's first endpoints: health, public verification, trust anchors, RFC 3161."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from openseal.bootstrap import Wiring
from openseal.config import Settings
from openseal.interfaces.api.app import create_app
from tests.support.instance import TestInstance, make_instance
from tests.support.pdfs import reportlab_pdf
from tests.support.tools import require_tool

ATTACKS = "testdata/pdf-attacks-2019"


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> TestInstance:
    return make_instance(tmp_path_factory.mktemp("api") / "home")


@pytest.fixture(scope="module")
def client(instance: TestInstance) -> TestClient:
    return TestClient(create_app(instance.wiring), raise_server_exceptions=False)


def test_health_and_readiness(client: TestClient, tmp_path: Path) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"
    empty = TestClient(create_app(Wiring(Settings(home=tmp_path / "none"))))
    not_ready = empty.get("/readyz")
    assert not_ready.status_code == 503
    assert not_ready.headers["content-type"].startswith("application/problem+json")
    assert not_ready.json()["checks"]["database"] == "NOT_INITIALISED"


def test_openapi_is_published(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/verify", "/tsa", "/api/v1/pki/roots.pem", "/healthz"} <= set(paths)


def test_verify_gives_the_cli_report(client: TestClient, instance: TestInstance) -> None:
    sealed = instance.seal(reportlab_pdf())
    answer = client.post("/api/v1/verify", files={"file": ("c.pdf", sealed, "application/pdf")})
    assert answer.status_code == 200
    report = answer.json()
    assert report["verdict"] == "VALID" and report["file"] == "c.pdf"
    assert set(report) == {"file", "format", "sha256", "verdict", "reasons", "signatures",
                           "unsigned_trailing_bytes", "registry"}
    assert report["format"] == "PDF"
    assert report["registry"]["status"] == "issued"
    with instance.wiring.context() as c:
        last = [e for e, _ in c.repos.list_audit(action="document.verify")][-1]
    assert last.actor_kind == "api" and last.details["verdict"] == "VALID"


@pytest.mark.parametrize("name", ["isa_B.pdf", "usf_03_Null_Contents.pdf", "siwa_A.pdf"])
def test_attack_files_over_http_are_never_valid_never_500(
    client: TestClient, shared_dir: Path, name: str,
) -> None:
    data = (shared_dir / ATTACKS / name).read_bytes()
    answer = client.post("/api/v1/verify", files={"file": (name, data)})
    assert answer.status_code == 200
    assert answer.json()["verdict"] != "VALID" and answer.json()["reasons"]


def test_bad_requests_get_problem_details_not_500(client: TestClient) -> None:
    missing = client.post("/api/v1/verify")
    assert missing.status_code == 422 and missing.json()["code"] == "REQUEST_INVALID"
    junk = client.post("/api/v1/verify", files={"file": ("x.pdf", b"<html></html>")})
    assert junk.status_code == 200 and junk.json()["verdict"] == "INDETERMINATE"
    wrong_type = client.post("/tsa", content=b"x", headers={"content-type": "text/plain"})
    assert wrong_type.status_code == 422 and wrong_type.json()["code"] == "TSA_CONTENT_TYPE"
    garbage = client.post("/tsa", content=b"\x30\x03\x02\x01",
                          headers={"content-type": "application/timestamp-query"})
    assert garbage.status_code == 422 and "Traceback" not in garbage.text
    assert client.get("/nope").json()["code"] == "HTTP_404"


def test_oversized_upload_is_refused(instance: TestInstance, tmp_path: Path) -> None:
    settings = Settings(home=instance.wiring.settings.home, max_upload_bytes=1024)
    small = TestClient(create_app(Wiring(settings)))
    answer = small.post("/api/v1/verify", files={"file": ("big.pdf", b"%PDF-" + b"0" * 4096)})
    assert answer.status_code == 413 and answer.json()["code"] == "UPLOAD_TOO_LARGE"


def test_roots_and_rfc3161_endpoint_checked_by_openssl(
    client: TestClient, tmp_path: Path,
) -> None:
    openssl = require_tool("openssl")
    roots = client.get("/api/v1/pki/roots.pem")
    assert roots.status_code == 200 and "BEGIN CERTIFICATE" in roots.text
    (tmp_path / "roots.pem").write_text(roots.text)
    (tmp_path / "data.txt").write_bytes(b"contract")
    subprocess.run([openssl, "ts", "-query", "-data", str(tmp_path / "data.txt"), "-sha256",
                    "-cert", "-out", str(tmp_path / "q.tsq")], check=True)
    reply = client.post("/tsa", content=(tmp_path / "q.tsq").read_bytes(),
                        headers={"content-type": "application/timestamp-query"})
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/timestamp-reply"
    (tmp_path / "r.tsr").write_bytes(reply.content)
    check = subprocess.run(
        [openssl, "ts", "-verify", "-queryfile", str(tmp_path / "q.tsq"), "-in",
         str(tmp_path / "r.tsr"), "-CAfile", str(tmp_path / "roots.pem")],
        capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert "Verification: OK" in check.stdout


def test_openseal_serve_answers_over_a_real_socket(instance: TestInstance) -> None:
    import os
    import socket
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "OPENSEAL_HOME": str(instance.wiring.settings.home)}
    env.pop("OPENSEAL_DATABASE_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "openseal", "serve", "--port", str(port)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=10)
