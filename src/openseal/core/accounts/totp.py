"""Time-based one-time passwords (RFC 6238: SHA-1, 6 digits, 30-second steps).

``TotpVerifier.verify`` returns the time step the code matched. Each code may be used once
(RFC 6238 §5.2): the caller keeps the last used step per user and passes it in; a code whose
step is not after it is refused as replayed. The caller must store the returned step with a
*conditional* update, in the same transaction as the login, for example::

    UPDATE users SET totp_last_step = :step
     WHERE id = :id AND (totp_last_step IS NULL OR totp_last_step < :step)

and treat "0 rows updated" as TOTP_REPLAYED: two concurrent logins with the same code then
cannot both pass, because only one of them wins the row.
"""

from __future__ import annotations

import base64
import hmac
import io
import secrets

import pyotp
import qrcode

from openseal.core.clock import Clock
from openseal.errors import PermissionDenied

DIGITS = 6
STEP_SECONDS = 30
SECRET_BYTES = 20  # 160 bits, the RFC 4226 recommendation


def new_totp_secret() -> str:
    """A new random secret: 160 bits as base32 (32 characters, no padding)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def provisioning_uri(secret: str, account: str, issuer: str = "OpenSeal") -> str:
    """The ``otpauth://totp/...`` URI authenticator apps import (shown as a QR code)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account, issuer_name=issuer)


def qr_png(uri: str) -> bytes:
    """``uri`` as a QR code PNG image."""
    image = qrcode.make(uri, border=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _invalid() -> PermissionDenied:
    return PermissionDenied(
        "TOTP_INVALID", "动态验证码错误", "the one-time code is not correct", field="code")


class TotpVerifier:
    """Checks codes at ``clock.now()``, accepting ``window`` steps before and after."""

    def __init__(self, clock: Clock, window: int = 1) -> None:
        self._clock = clock
        self._window = window

    def current_step(self) -> int:
        return int(self._clock.now().timestamp()) // STEP_SECONDS

    def verify(self, secret: str, code: str, last_used_step: int | None) -> int:
        """The matched time step; PermissionDenied TOTP_INVALID or TOTP_REPLAYED otherwise."""
        given = "".join(code.split())
        if len(given) != DIGITS or not given.isascii() or not given.isdigit():
            raise _invalid()
        totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
        now = self.current_step()
        matched: int | None = None
        for step in range(now - self._window, now + self._window + 1):
            # every candidate is computed and compared, in constant time
            if hmac.compare_digest(totp.generate_otp(step).encode(), given.encode()):
                matched = step if matched is None else matched
        if matched is None:
            raise _invalid()
        if last_used_step is not None and matched <= last_used_step:
            raise PermissionDenied(
                "TOTP_REPLAYED", "该动态验证码已使用过，请等待下一个",
                "this one-time code was already used; wait for the next one",
                field="code", step=matched)
        return matched
