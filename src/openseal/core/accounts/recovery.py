"""Recovery codes: one-time codes a user prints and keeps for when the authenticator is lost.

A code is 12 characters of Crockford's base32 alphabet (no I, L, O, U), shown as
``XXXX-XXXX-XXXX``: 60 bits from the system CSPRNG. Input is forgiving: case, dashes and
spaces are ignored, and O/I/L are read as 0/1/1.

Storage is ``rc1$<salt>$<sha256(salt + code)>`` with a random 16-byte salt per code. A fast
hash is enough here, unlike for passwords: the codes are random with 60 bits of entropy, so
even with the stored hashes an offline search needs about 2^59 SHA-256 evaluations per code;
the salt stops precomputed tables and shows nothing about codes shared between users. A slow
hash (argon2) would add little and cost ~10 argon2 runs per recovery attempt.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
GROUPS = 3
GROUP_LENGTH = 4
CODE_LENGTH = GROUPS * GROUP_LENGTH
_SCHEME = "rc1"
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})


def new_recovery_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + GROUP_LENGTH] for i in range(0, CODE_LENGTH, GROUP_LENGTH))


def new_recovery_codes(n: int = 10) -> list[str]:
    """``n`` distinct codes, ``XXXX-XXXX-XXXX``."""
    codes: list[str] = []
    while len(codes) < n:
        code = new_recovery_code()
        if code not in codes:
            codes.append(code)
    return codes


def normalize_recovery_code(code: str) -> str | None:
    """The canonical 12 characters, or None when ``code`` cannot be a recovery code."""
    text = "".join(code.split()).upper().translate(_READ_AS)
    if len(text) != CODE_LENGTH or any(c not in ALPHABET for c in text):
        return None
    return text


def _digest(salt: bytes, canonical: str) -> str:
    return hashlib.sha256(salt + canonical.encode("ascii")).hexdigest()


def hash_recovery_code(code: str) -> str:
    """The storage form of ``code`` (salted SHA-256); ValueError for a malformed code."""
    canonical = normalize_recovery_code(code)
    if canonical is None:
        raise ValueError("not a recovery code")
    salt = secrets.token_bytes(16)
    return f"{_SCHEME}${salt.hex()}${_digest(salt, canonical)}"


def match_recovery_code(code: str, stored_hashes: Sequence[str | None]) -> int | None:
    """Index of the stored hash ``code`` matches (the caller then consumes it), else None.

    Every entry is checked, each with a constant-time compare; a ``None`` entry (a code
    already used) or an unparsable one never matches.
    """
    canonical = normalize_recovery_code(code)
    if canonical is None:
        return None
    found: int | None = None
    for index, stored in enumerate(stored_hashes):
        parts = (stored or "").split("$")
        if len(parts) != 3 or parts[0] != _SCHEME:
            continue
        try:
            salt = bytes.fromhex(parts[1])
        except ValueError:
            continue
        if hmac.compare_digest(_digest(salt, canonical), parts[2]) and found is None:
            found = index
    return found
