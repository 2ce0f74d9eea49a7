"""A10 verifier_no_ssrf: the verifier never follows a URL from an uploaded certificate.

The uploaded PDFs are signed by certificates whose CRL distribution points and AIA (OCSP,
caIssuers) point at a listener this test runs on 127.0.0.1, at the cloud metadata address
169.254.169.254 and at ``file:///etc/passwd``: with the chain complete, with the issuing CA
missing (only caIssuers could find it), and with the attacker's root trusted and revocation
required or hard-fail (so a fetching validator would have to ask). Both ``verify_pdf`` and
``POST /api/v1/verify`` are checked. The listener receives zero connections, and a Python
audit hook sees no socket connection, name lookup, URL request or read of /etc/passwd while
verifying. Verdicts are INDETERMINATE and untrusted; each API verification is in the audit
trail (``document.verify``, with its verdict and reasons).
"""

from __future__ import annotations

import socketserver
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509 as cx509
from cryptography.x509.oid import NameOID

from openseal.core.verification import VerificationPolicy, verify_pdf
from openseal.core.verification import reasons as R
from tests.support.api import World, make_world
from tests.support.attacks import make_pki, sign_new_field
from tests.support.pdfs import reportlab_pdf

WATCHED = ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "urllib.Request",
           "http.client.connect", "ftplib.connect")


class _Tripwire:
    """Network and file events seen while ``armed`` (audit hooks cannot be removed, so one
    hook is installed per process and switched on and off)."""

    def __init__(self) -> None:
        self.armed = False
        self.events: list[tuple[str, str]] = []
        sys.addaudithook(self._hook)

    def _hook(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.armed:
            return
        if event in WATCHED or (event == "open" and "passwd" in str(args[:1])):
            self.events.append((event, repr(args)[:200]))

    @contextmanager
    def watching(self) -> Iterator[list[tuple[str, str]]]:
        self.events = []
        self.armed = True
        try:
            yield self.events
        finally:
            self.armed = False


TRIPWIRE = _Tripwire()


class _Counter(socketserver.BaseRequestHandler):
    hits: list[bytes] = []

    def handle(self) -> None:
        _Counter.hits.append(self.request.recv(1024))
        self.request.sendall(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")


@pytest.fixture(scope="module")
def listener() -> Iterator[tuple[int, list[bytes]]]:
    _Counter.hits = []
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], _Counter.hits
    server.shutdown()
    server.server_close()


def hostile_urls(port: int) -> list[str]:
    return [f"http://127.0.0.1:{port}/crl", f"http://127.0.0.1:{port}/ocsp",
            "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
            "file:///etc/passwd"]


@pytest.fixture(scope="module")
def hostile(listener: tuple[int, list[bytes]]) -> dict[str, tuple[bytes, list[Any]]]:
    """name -> (signed PDF, the attacker's root)."""
    name = cx509.Name([cx509.NameAttribute(NameOID.ORGANIZATION_NAME, "北京开源印章科技有限公司"),
                       cx509.NameAttribute(NameOID.COMMON_NAME, "合同专用章")])
    pki = make_pki(name, urls=hostile_urls(listener[0]), intermediate=True)
    pdf = reportlab_pdf()
    return {
        "full-chain": (sign_new_field(pdf, pki.signer(), "OpenSeal1"), [pki.root]),
        "issuer-missing": (sign_new_field(pdf, pki.signer(embed=()), "OpenSeal1"), [pki.root]),
    }


POLICIES = {"default": VerificationPolicy(),
            "require": VerificationPolicy(revocation_mode="require"),
            "hard-fail": VerificationPolicy(revocation_mode="hard-fail")}


@pytest.mark.parametrize("trust_attacker", [False, True])
@pytest.mark.parametrize("policy", list(POLICIES))
@pytest.mark.parametrize("name", ["full-chain", "issuer-missing"])
def test_A10_verifier_no_ssrf(hostile: dict[str, tuple[bytes, list[Any]]],
                              listener: tuple[int, list[bytes]], name: str, policy: str,
                              trust_attacker: bool) -> None:
    data, attacker_root = hostile[name]
    roots = attacker_root if trust_attacker else []
    with TRIPWIRE.watching() as events:
        report = verify_pdf(data, roots, policy=POLICIES[policy])
    assert events == []
    assert listener[1] == []
    (sig,) = report.signatures
    assert sig.intact is True and sig.valid is True
    if trust_attacker and name == "full-chain" and policy == "default":
        # soft-fail without revocation data: the attacker's own root vouches for it
        assert report.verdict == R.VALID, report.to_dict()
        return
    assert report.verdict == R.INDETERMINATE, report.to_dict()
    assert sig.trusted is False
    assert {R.UNTRUSTED_SIGNER, R.REVOCATION_UNAVAILABLE} & set(report.reasons)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("a10-world"))


def test_A10_verifier_no_ssrf_over_the_api(world: World, hostile: dict[str, tuple[bytes, Any]],
                                           listener: tuple[int, list[bytes]]) -> None:
    client = world.client()
    before = len(world.audit("document.verify"))
    for name, (data, _) in hostile.items():
        with TRIPWIRE.watching() as events:
            answer = client.post("/api/v1/verify", files={"file": (f"{name}.pdf", data)})
        assert answer.status_code == 200, answer.text
        assert events == [], name
        body = answer.json()
        assert body["verdict"] == R.INDETERMINATE and R.UNTRUSTED_SIGNER in body["reasons"]
        assert body["signatures"][0]["trusted"] is False
    assert listener[1] == []
    audited = world.audit("document.verify")[before:]
    assert len(audited) == len(hostile), audited
    assert all(str(e["target"]).startswith("sha256:") for e in audited)
    assert all(R.UNTRUSTED_SIGNER in str(e["details"]) for e in audited), audited


def test_A10_the_tripwires_do_fire(listener: tuple[int, list[bytes]]) -> None:
    """The control: a real request is counted by the listener and seen by the audit hook,
    and so is reading /etc/passwd (so "zero" above means zero)."""
    import urllib.request

    with TRIPWIRE.watching() as events:
        with pytest.raises(Exception):  # noqa: B017 - 404 is an HTTPError
            urllib.request.urlopen(f"http://127.0.0.1:{listener[0]}/probe", timeout=5)  # noqa: S310
        if Path("/etc/passwd").exists():
            Path("/etc/passwd").read_bytes()
    seen = {event for event, _ in events}
    assert {"urllib.Request", "socket.connect"} <= seen, events
    assert "open" in seen or not Path("/etc/passwd").exists()
    assert len(listener[1]) == 1 and b"/probe" in listener[1][0]
    listener[1].clear()
