"""TOTP enrolment (RFC 6238) with ten single-use recovery codes, and turning 2FA off.

Enrolment is two steps: ``begin_totp`` stores a new secret (encrypted, not yet active) and
returns the QR code; ``confirm_totp`` activates it once the user proves the app shows the
right code, and hands out the recovery codes (stored hashed, shown this once). Switching 2FA
on or off ends all the user's sessions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from openseal.core.accounts.kit import AccountKit
from openseal.core.accounts.recovery import hash_recovery_code, new_recovery_codes
from openseal.core.accounts.totp import TotpVerifier, new_totp_secret, provisioning_uri, qr_png
from openseal.core.accounts.users import end_all_sessions
from openseal.core.audit.recorder import AuditRecorder
from openseal.core.clock import Clock
from openseal.core.ports import Repositories
from openseal.core.records import UserRecord
from openseal.errors import Conflict, PermissionDenied

TOTP_PURPOSE = "totp-secret"


@dataclass(frozen=True)
class TotpEnrolment:
    secret: str
    uri: str
    qr_png: bytes


def begin_totp(repos: Repositories, kit: AccountKit, user: UserRecord, issuer: str, *,
               audit: AuditRecorder) -> TotpEnrolment:
    if user.totp_enabled:
        raise Conflict("TOTP_ALREADY_ENABLED", "已启用双因素认证，请先停用再重新绑定",
                       "Two-factor authentication is on; turn it off before enrolling again")
    secret = new_totp_secret()
    repos.save_user(replace(user, totp_secret=kit.box.encrypt(secret, TOTP_PURPOSE)))
    audit.record("user.totp_begin", org_id=user.org_id, target=f"user:{user.id}")
    uri = provisioning_uri(secret, user.username, issuer)
    return TotpEnrolment(secret, uri, qr_png(uri))


def confirm_totp(repos: Repositories, kit: AccountKit, clock: Clock, user: UserRecord,
                 code: str, *, audit: AuditRecorder) -> list[str]:
    """Activate 2FA; returns the ten recovery codes (shown once)."""
    if user.totp_enabled or user.totp_secret is None:
        raise Conflict("TOTP_NOT_PENDING", "没有待确认的双因素认证绑定",
                       "There is no two-factor enrolment to confirm")
    secret = kit.box.decrypt(user.totp_secret, TOTP_PURPOSE)
    step = TotpVerifier(clock).verify(secret, code, None)
    codes = new_recovery_codes(10)
    end_all_sessions(repos, user, totp_enabled=True, totp_last_step=step,
                     recovery_codes=tuple(hash_recovery_code(c) for c in codes))
    audit.record("user.totp_enable", org_id=user.org_id, target=f"user:{user.id}",
                 details={"recovery_codes": len(codes), "sessions_ended": True})
    return codes


def disable_totp(repos: Repositories, kit: AccountKit, user: UserRecord, password: str, *,
                 audit: AuditRecorder) -> None:
    """Turn 2FA off; the password is asked again."""
    if not kit.hasher.verify(user.password_hash, password):
        raise PermissionDenied("PASSWORD_WRONG", "当前密码不正确",
                               "The current password is not correct", field="password")
    end_all_sessions(repos, user, totp_enabled=False, totp_secret=None, totp_last_step=None,
                     recovery_codes=())
    audit.record("user.totp_disable", org_id=user.org_id, target=f"user:{user.id}",
                 details={"sessions_ended": True})
