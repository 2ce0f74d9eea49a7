"""Password rules and argon2id hashing."""

from __future__ import annotations

import statistics
import time

import pytest

from openseal.core.accounts.passwords import PasswordHasher, PasswordPolicy, check_password
from openseal.errors import InvalidInput

GOOD = "correct horse battery staple 7"


def _code(password: str, **kwargs: object) -> str:
    with pytest.raises(InvalidInput) as caught:
        check_password(password, PasswordPolicy(), **kwargs)  # type: ignore[arg-type]
    assert caught.value.zh and caught.value.en
    return caught.value.code


def test_a_long_uncommon_password_passes() -> None:
    check_password(GOOD, PasswordPolicy(), user_inputs=("alice", "alice@example.com"))


def test_short_and_long_passwords_are_refused() -> None:
    assert _code("Xk3!q9") == "PASSWORD_TOO_SHORT"
    assert _code("x" * 129) == "PASSWORD_TOO_LONG"
    check_password("我的印章密码很长很长很长", PasswordPolicy())  # 12 characters, not bytes
    check_password("y" * 8, PasswordPolicy(min_length=8, max_length=8))


def test_common_passwords_are_refused_case_insensitively() -> None:
    # a 12+ letter entry of the zxcvbn list, so the length rule does not hide the check
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    common = next(p for p in FREQUENCY_LISTS["passwords"] if len(p) >= 12 and p.isalpha())
    assert _code(common) == "PASSWORD_COMMON"
    assert _code(common.upper()) == "PASSWORD_COMMON"


def test_passwords_equal_to_or_containing_user_inputs_are_refused() -> None:
    inputs = {"user_inputs": ("zhangwei.seal", "zhangwei@example.com")}
    assert _code("zhangwei.seal", **inputs) == "PASSWORD_PERSONAL"
    assert _code("my-ZHANGWEI.SEAL-pass", **inputs) == "PASSWORD_PERSONAL"
    assert _code("xx zhangwei@example.com", **inputs) == "PASSWORD_PERSONAL"
    assert _code("Zhangwei loves seals 9", **inputs) == "PASSWORD_PERSONAL"  # email local part
    check_password(GOOD, user_inputs=("bo",))  # very short inputs are not matched inside


@pytest.fixture(scope="module")
def hasher() -> PasswordHasher:
    return PasswordHasher()


def test_hash_is_argon2id_with_the_minimum_parameters(hasher: PasswordHasher) -> None:
    stored = hasher.hash(GOOD)
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert hasher.verify(stored, GOOD)
    assert not hasher.verify(stored, GOOD + "x")
    assert not hasher.needs_rehash(stored)


def test_salts_are_unique(hasher: PasswordHasher) -> None:
    assert hasher.hash(GOOD) != hasher.hash(GOOD)


@pytest.mark.parametrize("garbage", ["", "not a hash", "$argon2id$v=19$m=1,t=1,p=1$xx$yy",
                                     "$2b$12$abcdefghijklmnopqrstuu", "$argon2id$"])
def test_garbage_stored_hash_is_false_not_an_exception(
    hasher: PasswordHasher, garbage: str
) -> None:
    assert hasher.verify(garbage, GOOD) is False
    assert hasher.verify_and_maybe_rehash(garbage, GOOD) == (False, None)
    assert hasher.needs_rehash(garbage)


def test_rehash_after_a_parameter_bump(hasher: PasswordHasher) -> None:
    old = hasher.hash(GOOD)
    stronger = PasswordHasher(memory_cost=2 * 19456, time_cost=3)
    assert stronger.needs_rehash(old)
    assert stronger.verify_and_maybe_rehash(old, "wrong password!") == (False, None)
    ok, new = stronger.verify_and_maybe_rehash(old, GOOD)
    assert ok and new is not None
    assert new.startswith("$argon2id$v=19$m=38912,t=3,p=1$")
    assert stronger.verify_and_maybe_rehash(new, GOOD) == (True, None)
    assert hasher.verify_and_maybe_rehash(old, GOOD) == (True, None)


def test_parameters_below_the_minimum_are_refused() -> None:
    for kwargs in ({"memory_cost": 19455}, {"time_cost": 1}, {"parallelism": 0}):
        with pytest.raises(InvalidInput) as caught:
            PasswordHasher(**kwargs)
        assert caught.value.code == "PASSWORD_HASH_TOO_WEAK"


def _median_seconds(action: object, runs: int = 5) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()  # type: ignore[operator]
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def test_unknown_user_costs_about_as_much_as_a_real_verification(
    hasher: PasswordHasher,
) -> None:
    stored = hasher.hash(GOOD)
    assert hasher.verify_unknown_user(GOOD) is False  # also makes the dummy hash once
    real = _median_seconds(lambda: hasher.verify(stored, "wrong password!"))
    unknown = _median_seconds(lambda: hasher.verify_unknown_user("wrong password!"))
    assert real / 3 < unknown < real * 3
