"""TOTP (RFC 6238): secrets, provisioning, verification with replay protection."""

from __future__ import annotations

import base64
import io
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
from PIL import Image

from openseal.core.accounts.totp import (
    TotpVerifier,
    new_totp_secret,
    provisioning_uri,
    qr_png,
)
from openseal.core.clock import FixedClock
from openseal.errors import PermissionDenied
from tests.support.tools import require_tool

# the middle of a 30-second step, so "previous step" is unambiguous
NOW = datetime(2025, 3, 1, 8, 0, 15, tzinfo=UTC)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _code_at(when: datetime) -> str:
    return pyotp.TOTP(SECRET).at(when)


def _denied(verifier: TotpVerifier, code: str, last: int | None) -> str:
    with pytest.raises(PermissionDenied) as caught:
        verifier.verify(SECRET, code, last)
    assert caught.value.zh and caught.value.en
    return caught.value.code


def test_new_secrets_are_160_bit_base32_and_unique() -> None:
    secrets = {new_totp_secret() for _ in range(20)}
    assert len(secrets) == 20
    for secret in secrets:
        assert len(base64.b32decode(secret)) == 20
        pyotp.TOTP(secret).now()


def test_provisioning_uri() -> None:
    uri = provisioning_uri(SECRET, "alice@example.com")
    parsed = urlparse(uri)
    assert (parsed.scheme, parsed.netloc) == ("otpauth", "totp")
    assert "OpenSeal" in parsed.path and "alice%40example.com" in parsed.path
    query = parse_qs(parsed.query)
    assert query["secret"] == [SECRET] and query["issuer"] == ["OpenSeal"]


def test_qr_png_is_a_png() -> None:
    uri = provisioning_uri(SECRET, "alice@example.com")
    png = qr_png(uri)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.width == image.height >= 100


def test_qr_code_decodes_to_the_uri_with_zbar(tmp_path: Path) -> None:
    zbarimg = require_tool("zbarimg")  # an independent decoder
    uri = provisioning_uri(SECRET, "alice@example.com")
    (tmp_path / "qr.png").write_bytes(qr_png(uri))
    out = subprocess.run([zbarimg, "--raw", "-q", str(tmp_path / "qr.png")],
                         capture_output=True, check=True).stdout.decode().strip()
    assert out == uri


def test_the_right_code_passes_and_returns_its_step() -> None:
    verifier = TotpVerifier(FixedClock(NOW))
    step = verifier.verify(SECRET, _code_at(NOW), None)
    assert step == int(NOW.timestamp()) // 30
    spaced = _code_at(NOW)[:3] + " " + _code_at(NOW)[3:]
    assert verifier.verify(SECRET, spaced, step - 1) == step


def test_a_wrong_code_is_refused() -> None:
    verifier = TotpVerifier(FixedClock(NOW))
    right = _code_at(NOW)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    assert _denied(verifier, wrong, None) == "TOTP_INVALID"
    for junk in ("", "12345", "1234567", "abcdef", "１２３４５６"):
        assert _denied(verifier, junk, None) == "TOTP_INVALID"
    assert _denied(verifier, _code_at(NOW - timedelta(seconds=60)), None) == "TOTP_INVALID"
    assert _denied(verifier, _code_at(NOW + timedelta(seconds=60)), None) == "TOTP_INVALID"


def test_the_same_code_twice_is_a_replay() -> None:
    verifier = TotpVerifier(FixedClock(NOW))
    step = verifier.verify(SECRET, _code_at(NOW), None)
    assert _denied(verifier, _code_at(NOW), step) == "TOTP_REPLAYED"


def test_previous_step_is_accepted_within_the_window_but_only_once() -> None:
    verifier = TotpVerifier(FixedClock(NOW))
    previous = _code_at(NOW - timedelta(seconds=30))
    step = verifier.verify(SECRET, previous, None)
    assert step == int(NOW.timestamp()) // 30 - 1
    assert _denied(verifier, previous, step) == "TOTP_REPLAYED"
    # once the current code was used, the previous one cannot be used any more either
    current = verifier.verify(SECRET, _code_at(NOW), step)
    assert _denied(verifier, previous, current) == "TOTP_REPLAYED"


def test_window_zero_accepts_only_the_current_step() -> None:
    verifier = TotpVerifier(FixedClock(NOW), window=0)
    verifier.verify(SECRET, _code_at(NOW), None)
    assert _denied(verifier, _code_at(NOW - timedelta(seconds=30)), None) == "TOTP_INVALID"
