"""Recovery codes: format, entropy, salted hashing, one-time matching."""

from __future__ import annotations

import math
import re

import pytest

from openseal.core.accounts.recovery import (
    ALPHABET,
    hash_recovery_code,
    match_recovery_code,
    new_recovery_codes,
)


def test_codes_are_friendly_unique_and_strong() -> None:
    codes = new_recovery_codes()
    assert len(codes) == 10 and len(set(codes)) == 10
    for code in codes:
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}",
                            code)
    assert len(set(ALPHABET)) == 32 and not set("ILOU") & set(ALPHABET)
    assert 12 * math.log2(len(ALPHABET)) >= 60
    assert len(new_recovery_codes(3)) == 3


def test_hashes_are_salted() -> None:
    code = new_recovery_codes(1)[0]
    assert hash_recovery_code(code) != hash_recovery_code(code)
    assert code.replace("-", "") not in hash_recovery_code(code)
    with pytest.raises(ValueError):
        hash_recovery_code("too-short")


def test_each_code_matches_its_own_entry_once() -> None:
    codes = new_recovery_codes()
    stored: list[str | None] = [hash_recovery_code(c) for c in codes]
    for index, code in enumerate(codes):
        assert match_recovery_code(code, stored) == index
        stored[index] = None  # the caller consumes it
        assert match_recovery_code(code, stored) is None
    assert all(entry is None for entry in stored)


def test_input_is_forgiving_but_wrong_codes_do_not_match() -> None:
    codes = new_recovery_codes(3)
    stored = [hash_recovery_code(c) for c in codes]
    sloppy = " " + codes[1].lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert match_recovery_code(sloppy, stored) == 1
    other = new_recovery_codes(1)[0]
    assert other in codes or match_recovery_code(other, stored) is None
    assert match_recovery_code("", stored) is None
    assert match_recovery_code("UUUU-UUUU-UUUU", stored) is None
    assert match_recovery_code(codes[0], ["garbage", "rc1$zz$00", *stored]) == 2
