"""统一社会信用代码 (unified social credit code), GB 32100-2015."""

from __future__ import annotations

from openseal.errors import InvalidInput

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    """The check character for the first 17 characters of a code."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_uscc(code: str) -> str:
    """Return the normalised (upper-case, trimmed) code, or raise InvalidInput saying why."""
    normalised = code.strip().upper()
    if len(normalised) != 18:
        raise InvalidInput(
            "USCC_LENGTH",
            f"统一社会信用代码应为 18 位，收到 {len(normalised)} 位",
            f"The unified social credit code must have 18 characters, got {len(normalised)}",
            field="uscc",
        )
    bad = [ch for ch in normalised if ch not in ALPHABET]
    if bad:
        raise InvalidInput(
            "USCC_CHARACTER",
            f"统一社会信用代码含有不允许的字符「{bad[0]}」（不用 I、O、S、V、Z）",
            f"The unified social credit code contains the character '{bad[0]}', "
            "which is not allowed (no I, O, S, V, Z)",
            field="uscc",
        )
    expected = check_character(normalised[:17])
    if normalised[17] != expected:
        raise InvalidInput(
            "USCC_CHECKSUM",
            f"统一社会信用代码校验位错误：第 18 位应为「{expected}」，实际为「{normalised[17]}」",
            f"The unified social credit code's check character is wrong: "
            f"expected '{expected}', got '{normalised[17]}'",
            field="uscc",
        )
    return normalised
