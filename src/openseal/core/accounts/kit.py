"""The long-lived parts account use cases share: policy, password hasher, secret box."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from openseal.core.accounts.passwords import PasswordHasher, PasswordPolicy
from openseal.core.accounts.secretbox import SecretBox
from openseal.core.accounts.throttle import ThrottlePolicy


@dataclass(frozen=True)
class AccountPolicy:
    session_idle: timedelta = timedelta(minutes=30)
    session_absolute: timedelta = timedelta(hours=12)
    invitation_valid: timedelta = timedelta(hours=72)
    client_max_days: int = 366
    password: PasswordPolicy = PasswordPolicy()
    account_throttle: ThrottlePolicy = ThrottlePolicy()
    address_throttle: ThrottlePolicy = ThrottlePolicy(free_failures=20)
    throttle_forget_after: timedelta = timedelta(hours=24)
    licence_max_bytes: int = 10 * 1024 * 1024


@dataclass
class AccountKit:
    box: SecretBox
    policy: AccountPolicy = AccountPolicy()
    hasher: PasswordHasher = field(default_factory=PasswordHasher)
