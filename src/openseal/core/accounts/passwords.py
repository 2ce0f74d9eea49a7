"""Password rules and password hashing (argon2id).

Rules (NIST SP 800-63B style): a length window, no password from the common-password list
(the zxcvbn package's ``passwords`` frequency list, compared case-insensitively) and no
password that is or contains a user input (username, email, name). No composition rules.

Hashing: argon2id with at least 19 MiB memory, 2 iterations and parallelism 1 (the OWASP
minimum). Parameters can be raised; hashes made with older parameters are re-made at the
next successful login (``verify_and_maybe_rehash``). ``verify_unknown_user`` runs a real
verification against a dummy hash so that an unknown user costs the same time (C8).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import argon2
from argon2.exceptions import Argon2Error

from openseal.errors import InvalidInput

MIN_MEMORY_KIB = 19_456
MIN_TIME_COST = 2
MIN_PERSONAL_PART = 4  # inputs shorter than this are not matched inside a password


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 12
    max_length: int = 128


def check_password(
    password: str, policy: PasswordPolicy = PasswordPolicy(), *, user_inputs: Iterable[str] = ()
) -> None:
    """Raise InvalidInput unless ``password`` satisfies ``policy``; lengths count characters."""
    if len(password) > policy.max_length:
        raise InvalidInput(
            "PASSWORD_TOO_LONG", f"密码不能超过 {policy.max_length} 个字符",
            f"the password must be at most {policy.max_length} characters",
            field="password", max_length=policy.max_length)
    if len(password) < policy.min_length:
        raise InvalidInput(
            "PASSWORD_TOO_SHORT", f"密码至少需要 {policy.min_length} 个字符",
            f"the password must be at least {policy.min_length} characters",
            field="password", min_length=policy.min_length)
    lowered = password.casefold()
    if lowered in _common_passwords():
        raise InvalidInput(
            "PASSWORD_COMMON", "该密码过于常见，请换一个",
            "this password is too common; choose another", field="password")
    if any(part in lowered for part in _personal_parts(user_inputs)):
        raise InvalidInput(
            "PASSWORD_PERSONAL", "密码不能包含用户名、邮箱等个人信息",
            "the password must not contain the username, email or other personal details",
            field="password")


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.casefold() for word in FREQUENCY_LISTS["passwords"])


def _personal_parts(user_inputs: Iterable[str]) -> set[str]:
    """Each input, and for an email also its local part, casefolded; short parts dropped."""
    parts: set[str] = set()
    for text in user_inputs:
        value = text.strip().casefold()
        parts.add(value)
        if "@" in value:
            parts.add(value.split("@", 1)[0])
    return {part for part in parts if len(part) >= MIN_PERSONAL_PART}


class PasswordHasher:
    """argon2id hashing; ``verify`` never raises for a wrong password or a garbage hash."""

    def __init__(
        self, *, memory_cost: int = MIN_MEMORY_KIB, time_cost: int = MIN_TIME_COST,
        parallelism: int = 1,
    ) -> None:
        if memory_cost < MIN_MEMORY_KIB or time_cost < MIN_TIME_COST or parallelism < 1:
            raise InvalidInput(
                "PASSWORD_HASH_TOO_WEAK", "密码哈希参数低于最低要求",
                f"argon2id needs memory_cost >= {MIN_MEMORY_KIB} KiB, "
                f"time_cost >= {MIN_TIME_COST} and parallelism >= 1",
                memory_cost=memory_cost, time_cost=time_cost, parallelism=parallelism)
        self._hasher = argon2.PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism,
            hash_len=32, salt_len=16, type=argon2.Type.ID)
        self._dummy_hash: str | None = None

    def hash(self, password: str) -> str:
        """A new encoded hash (``$argon2id$v=19$m=...,t=...,p=...$salt$hash``), fresh salt."""
        return self._hasher.hash(password)

    def verify(self, stored: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored, password)
        except (Argon2Error, ValueError, TypeError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        """True when ``stored`` was made with other parameters (or cannot be parsed)."""
        try:
            return self._hasher.check_needs_rehash(stored)
        except (Argon2Error, ValueError, TypeError):
            return True

    def verify_and_maybe_rehash(self, stored: str, password: str) -> tuple[bool, str | None]:
        """(ok, new hash to store or None); a new hash only after a successful verification."""
        if not self.verify(stored, password):
            return False, None
        if self.needs_rehash(stored):
            return True, self.hash(password)
        return True, None

    @property
    def dummy_hash(self) -> str:
        """A hash with the current parameters of a random secret nobody knows (made once)."""
        if self._dummy_hash is None:
            self._dummy_hash = self.hash(secrets.token_urlsafe(32))
        return self._dummy_hash

    def verify_unknown_user(self, password: str) -> bool:
        """Spend the time of a real verification, then say no (login of an unknown user)."""
        self.verify(self.dummy_hash, password)
        return False
