"""统一社会信用代码 (GB 32100-2015) check character."""

from __future__ import annotations

import pytest

from openseal.core.identity.uscc import check_character, validate_uscc
from openseal.errors import InvalidInput

# Real published codes (check characters per GB 32100-2015).
VALID = ["91350100M000100Y43", "91110000802100433B", "91110108551385082Q",
         "914403001922038216"]


@pytest.mark.parametrize("code", VALID)
def test_valid_codes_pass(code: str) -> None:
    assert validate_uscc(code) == code


def test_lower_case_and_spaces_are_normalised() -> None:
    assert validate_uscc(" 91350100m000100y43 ") == "91350100M000100Y43"


def test_wrong_check_character_is_rejected_naming_expected() -> None:
    with pytest.raises(InvalidInput) as err:
        validate_uscc("91350100M000100Y44")
    assert err.value.code == "USCC_CHECKSUM"
    assert "「3」" in err.value.zh and "'3'" in err.value.en


@pytest.mark.parametrize("code,error", [
    ("9135010", "USCC_LENGTH"),
    ("91350100M000100Y4I", "USCC_CHARACTER"),
    ("91350100M00O100Y43", "USCC_CHARACTER"),
    ("", "USCC_LENGTH"),
])
def test_malformed_codes_are_rejected(code: str, error: str) -> None:
    with pytest.raises(InvalidInput) as err:
        validate_uscc(code)
    assert err.value.code == error
    assert err.value.fields["field"] == "uscc"


def test_check_character_maps_31_to_zero() -> None:
    # Search a prefix whose weighted sum is 0 mod 31 -> check value 31 -> written "0".
    prefix = "0" * 17
    assert check_character(prefix) == "0"
