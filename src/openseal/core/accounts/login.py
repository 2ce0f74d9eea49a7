"""Logging in: throttling, password, second factor, a new session; never a lockout.

``login`` does not raise for a failed attempt: the failure, the throttle counters and the
audit entry must commit, so it returns a ``LoginResult`` whose ``error`` the edge raises
after the commit. An unknown user costs the same time and gets the same answer as a wrong
password. A browser that has logged in as the user before (a signed "trusted device" value,
void once the user's credentials change) skips the per-account delay, so an attacker who
hammers an account cannot keep its owner out.
"""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime

from openseal.core.accounts.kit import AccountKit
from openseal.core.accounts.recovery import match_recovery_code
from openseal.core.accounts.secrets import SESSION_PREFIX, new_token
from openseal.core.accounts.throttle import (
    ThrottlePolicy,
    ThrottleState,
    TooManyRequests,
    after_failure,
    check_allowed,
)
from openseal.core.accounts.totp import TotpVerifier
from openseal.core.accounts.twofactor import TOTP_PURPOSE
from openseal.core.audit.recorder import AuditRecorder
from openseal.core.clock import Clock
from openseal.core.ports import Repositories
from openseal.core.records import SessionRecord, ThrottleRecord, UserRecord
from openseal.errors import OpenSealError, PermissionDenied, Unauthenticated


@dataclass(frozen=True)
class LoginAttempt:
    username: str
    password: str
    code: str | None = None
    recovery_code: str | None = None
    client_addr: str | None = None
    agent: str | None = None
    device: str | None = None


@dataclass(frozen=True)
class LoginResult:
    error: OpenSealError | None = None
    user: UserRecord | None = None
    token: str | None = None
    session: SessionRecord | None = None
    device: str | None = None


def bad_credentials() -> Unauthenticated:
    return Unauthenticated("INVALID_CREDENTIALS", "用户名或密码错误",
                           "The username or password is not correct")


class _Login:
    def __init__(self, repos: Repositories, kit: AccountKit, clock: Clock,
                 attempt: LoginAttempt, audit: AuditRecorder) -> None:
        self.repos, self.kit, self.clock, self.audit = repos, kit, clock, audit
        self.attempt = attempt
        self.name = attempt.username.strip().casefold()[:64]
        self.now = clock.now()
        self.keys = {"account": f"user:{self.name}", "address": f"addr:{attempt.client_addr}"}

    def run(self) -> LoginResult:
        user = self.repos.find_user(self.name) if self.name else None
        try:
            self._check_throttle(trusted=user is not None and self._trusted_device(user))
        except TooManyRequests as exc:
            return self._refuse(exc, "throttled", user)
        if user is None:
            self.kit.hasher.verify_unknown_user(self.attempt.password)
            return self._fail(bad_credentials(), "unknown_user", None)
        ok, rehash = self.kit.hasher.verify_and_maybe_rehash(user.password_hash,
                                                             self.attempt.password)
        if not ok:
            return self._fail(bad_credentials(), "wrong_password", user)
        if user.status != "active":
            return self._refuse(PermissionDenied("ACCOUNT_DISABLED", "该账户已停用",
                                                 "This account is disabled"), "disabled", user)
        second = self._second_factor(user) if user.totp_enabled else None
        if second is not None:
            return second
        if rehash:
            self.repos.set_password_hash(user.id, rehash)
        return self._succeed(user)

    # throttling ---------------------------------------------------------------------------
    def _state(self, key: str) -> ThrottleState:
        record = self.repos.get_throttle(key)
        if record is None or record.last_failure is None:
            return ThrottleState()
        if self.now - record.last_failure > self.kit.policy.throttle_forget_after:
            return ThrottleState()
        return ThrottleState(record.failures, record.last_failure)

    def _policy(self, which: str) -> ThrottlePolicy:
        policy = self.kit.policy
        return policy.account_throttle if which == "account" else policy.address_throttle

    def _check_throttle(self, trusted: bool) -> None:
        for which, key in self.keys.items():
            if which == "account" and trusted:
                continue
            check_allowed(self._state(key), self.now, self._policy(which))

    def _count_failure(self) -> None:
        for key in self.keys.values():
            state = after_failure(self._state(key), self.now)
            self.repos.save_throttle(ThrottleRecord(key, state.failures, state.last_failure))

    # second factor ------------------------------------------------------------------------
    def _second_factor(self, user: UserRecord) -> LoginResult | None:
        if self.attempt.code:
            return self._check_totp(user)
        if self.attempt.recovery_code:
            return self._check_recovery(user)
        return self._refuse(Unauthenticated("TOTP_REQUIRED", "请输入动态验证码",
                                            "Enter the one-time code"), "totp_required", user)

    def _check_totp(self, user: UserRecord) -> LoginResult | None:
        assert user.totp_secret is not None and self.attempt.code is not None
        secret = self.kit.box.decrypt(user.totp_secret, TOTP_PURPOSE)
        try:
            step = TotpVerifier(self.clock).verify(secret, self.attempt.code,
                                                   user.totp_last_step)
        except PermissionDenied as exc:
            return self._fail(exc, exc.code.lower(), user)
        if not self.repos.claim_totp_step(user.id, step):
            replayed = PermissionDenied("TOTP_REPLAYED", "该动态验证码已使用过，请等待下一个",
                                        "This one-time code was already used; wait for the "
                                        "next one", field="code")
            return self._fail(replayed, "totp_replayed", user)
        return None

    def _check_recovery(self, user: UserRecord) -> LoginResult | None:
        assert self.attempt.recovery_code is not None
        index = match_recovery_code(self.attempt.recovery_code, user.recovery_codes)
        wrong = PermissionDenied("RECOVERY_CODE_INVALID", "恢复码无效或已使用",
                                 "The recovery code is not valid or was used",
                                 field="recovery_code")
        if index is None:
            return self._fail(wrong, "recovery_code_invalid", user)
        remaining = tuple(None if i == index else c for i, c in enumerate(user.recovery_codes))
        if not self.repos.replace_recovery_codes(user.id, user.recovery_codes, remaining):
            return self._fail(wrong, "recovery_code_race", user)
        self.audit.record("auth.recovery_code_used", org_id=user.org_id,
                          target=f"user:{user.id}",
                          details={"remaining": sum(c is not None for c in remaining)})
        return None

    # outcomes -----------------------------------------------------------------------------
    def _fail(self, error: OpenSealError, reason: str, user: UserRecord | None) -> LoginResult:
        self._count_failure()
        return self._refuse(error, reason, user, outcome="failed")

    def _refuse(self, error: OpenSealError, reason: str, user: UserRecord | None,
                outcome: str = "refused") -> LoginResult:
        self.audit.record("auth.login", outcome, org_id=user.org_id if user else None,
                          target=f"user:{user.id}" if user else f"username:{self.name}",
                          details={"reason": reason, "error": error.code})
        return LoginResult(error=error)

    def _succeed(self, user: UserRecord) -> LoginResult:
        for key in self.keys.values():
            self.repos.clear_throttle(key)
        token, digest = new_token(SESSION_PREFIX)
        session = SessionRecord(str(uuid.uuid4()), user.id, digest, self.now, self.now,
                                self.now + self.kit.policy.session_absolute,
                                user.credentials_epoch, self.attempt.client_addr,
                                self.attempt.agent)
        self.repos.add_session(session)
        self.audit.record("auth.login", org_id=user.org_id, target=f"user:{user.id}",
                          details={"session": session.id,
                                   "second_factor": _factor(user, self.attempt)})
        return LoginResult(user=user, token=token, session=session,
                           device=device_value(self.kit, user))

    def _trusted_device(self, user: UserRecord) -> bool:
        value = self.attempt.device
        return bool(value) and hmac.compare_digest(
            (value or "").encode(), device_value(self.kit, user).encode())


def _factor(user: UserRecord, attempt: LoginAttempt) -> str:
    if not user.totp_enabled:
        return "none"
    return "totp" if attempt.code else "recovery_code"


def device_value(kit: AccountKit, user: UserRecord) -> str:
    """The trusted-device cookie for ``user``: void once their credentials change."""
    mark = f"{user.id}.{user.credentials_epoch}"
    return f"{mark}.{kit.box.mac('device:' + mark)}"


def login(repos: Repositories, kit: AccountKit, clock: Clock, attempt: LoginAttempt, *,
          audit: AuditRecorder) -> LoginResult:
    return _Login(repos, kit, clock, attempt, audit).run()


def session_expired(session: SessionRecord, kit: AccountKit, now: datetime) -> bool:
    return now >= session.expires_at or now - session.last_seen_at >= kit.policy.session_idle
