"""The ``openssl`` CLI as an independent SM2 oracle (OpenSSL 3 with SM2 and SM3).

Required in CI, skipped elsewhere (``tools.missing``) when openssl is absent or lacks SM2.
Signatures use the signer ID 1234567812345678 (``-sigopt distid:...``): without it OpenSSL
uses another Z and every GB/T 38540 signature fails.
"""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

from tests.support.tools import missing, require_tool

DISTID = "distid:1234567812345678"


@functools.cache
def _sm2_support(openssl: str) -> str | None:
    """None if ``openssl`` makes SM2 keys and SM3 digests, else its complaint."""
    run = subprocess.run([openssl, "genpkey", "-algorithm", "SM2"], capture_output=True,
                         check=False)
    return None if run.returncode == 0 and b"PRIVATE KEY" in run.stdout else \
        run.stderr.decode(errors="replace")[:300]


def openssl_sm2() -> str:
    """The openssl executable, if it does SM2 (fails in CI, skips elsewhere)."""
    openssl = require_tool("openssl")
    problem = _sm2_support(openssl)
    if problem is not None:
        missing(f"openssl lacks SM2 (an OpenSSL 3 build with SM2/SM3 is needed): {problem}")
    return openssl


def run(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([openssl_sm2(), *map(str, args)], capture_output=True,
                          check=check, timeout=60)


def genkey(path: Path) -> Path:
    """A new SM2 private key, PKCS#8 PEM, as ``openssl genpkey`` makes it."""
    run("genpkey", "-algorithm", "ec", "-pkeyopt", "ec_paramgen_curve:SM2", "-out", path)
    return path


def sign(key: Path, message: bytes, folder: Path) -> bytes:
    """OpenSSL's DER SM2 signature of ``message`` (SM3, signer ID 1234567812345678)."""
    (folder / "msg.bin").write_bytes(message)
    run("dgst", "-sm3", "-sign", key, "-sigopt", DISTID, "-out", folder / "sig.der",
        folder / "msg.bin")
    return (folder / "sig.der").read_bytes()


def verify(public_pem: bytes, message: bytes, signature: bytes, folder: Path) -> bool:
    """Whether OpenSSL accepts ``signature`` on ``message`` under the PEM public key."""
    (folder / "pub.pem").write_bytes(public_pem)
    (folder / "msg.bin").write_bytes(message)
    (folder / "sig.der").write_bytes(signature)
    done = run("dgst", "-sm3", "-verify", folder / "pub.pem", "-sigopt", DISTID,
               "-signature", folder / "sig.der", folder / "msg.bin", check=False)
    return done.returncode == 0 and b"Verified OK" in done.stdout
