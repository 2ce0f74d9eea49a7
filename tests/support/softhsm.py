"""A real PKCS#11 token for tests: SoftHSM2 with its own configuration and token folder.

Each token lives in a folder of its own (``SOFTHSM2_CONF`` points at a file there), made with
``softhsm2-util --init-token``. Processes get the token through ``env()``; this process
through ``activate()``, which points the loaded PKCS#11 library at it (C_Finalize and
C_Initialize again: SoftHSM2 reads its configuration then).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from openseal.adapters.keys.pkcs11 import Pkcs11KeyStore
from tests.support.imported_seals import LicensedCa
from tests.support.tools import missing, require_tool

LIBRARY = Path("/usr/lib/softhsm/libsofthsm2.so")
#: Distinctive, so that a test can search every output and file for it.
PIN = "pin-7d41e9-openseal"
SO_PIN = "so-pin-5678"


@dataclass(frozen=True)
class SoftHsm:
    folder: Path
    conf: Path
    label: str
    pin: str = PIN

    def env(self, pin: str | None = None) -> dict[str, str]:
        """What an openseal process needs to use this token (``pin`` overrides the PIN)."""
        return {"SOFTHSM2_CONF": str(self.conf), "OPENSEAL_PKCS11_LIBRARY": str(LIBRARY),
                "OPENSEAL_PKCS11_TOKEN": self.label, "OPENSEAL_PKCS11_PIN": pin or self.pin}

    def activate(self) -> None:
        """Use this token from this process (every earlier session is closed)."""
        import pkcs11

        os.environ["SOFTHSM2_CONF"] = str(self.conf)
        pkcs11.lib(str(LIBRARY)).reinitialize()

    def store(self, pin: str | None = None) -> Pkcs11KeyStore:
        return Pkcs11KeyStore(str(LIBRARY), self.label, pin or self.pin)

    def session(self):  # type: ignore[no-untyped-def]
        """A raw python-pkcs11 session, logged in: for looking at the token's objects."""
        import pkcs11

        token = pkcs11.lib(str(LIBRARY)).get_token(token_label=self.label)
        try:
            return token.open(user_pin=self.pin, rw=True)
        except pkcs11.exceptions.UserAlreadyLoggedIn:  # a key store here logged in first
            return token.open(rw=True)


def require_softhsm() -> None:
    if not LIBRARY.exists():
        missing(f"SoftHSM2 not found ({LIBRARY}): apt-get install softhsm2")
    require_tool("softhsm2-util")


def make_token(folder: Path, label: str = "openseal-test") -> SoftHsm:
    """A fresh, initialised token in ``folder`` (user PIN ``PIN``)."""
    require_softhsm()
    tokens = folder / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n"
                    "log.level = ERROR\nslots.removable = false\n")
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label,
                    "--pin", PIN, "--so-pin", SO_PIN],
                   env={**os.environ, "SOFTHSM2_CONF": str(conf)}, check=True,
                   capture_output=True, timeout=60)
    return SoftHsm(folder, conf, label)


def fresh_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SoftHsm:
    """A fresh token, active in this process (SOFTHSM2_CONF restored afterwards)."""
    token = make_token(tmp_path / "softhsm")
    monkeypatch.setenv("SOFTHSM2_CONF", str(token.conf))
    token.activate()
    return token


def certificate_for(ca: LicensedCa, public_key_der: bytes, org_name: str, uscc: str,
                    common_name: str = "合同专用章") -> bytes:
    """A licensed CA's seal certificate (PEM, then the CA's root) over a public key that
    lives elsewhere (in the token), as a CA issues one from a certificate request."""
    public = serialization.load_der_public_key(public_key_der)
    now = datetime.now(UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, org_name),
                         x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, uscc),
                         x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca.root.subject)
            .public_key(public).serial_number(x509.random_serial_number())  # type: ignore[arg-type]
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca.root_key.public_key()), critical=False)
            .sign(ca.root_key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM) + ca.root_pem
