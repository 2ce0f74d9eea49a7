"""Keeping audit events safe to store and to show: no control characters, no secrets.

User-provided text is stored with its control characters written out as ``\\uXXXX`` text, so
no log viewer, terminal or CSV export can be fooled into showing a forged line. Detail keys
that name a secret are refused outright: the log is for evidence, never for credentials.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from openseal.errors import InvalidInput

# C0 (incl. TAB, CR, LF, ESC), DEL, C1; also the Unicode line/paragraph separators and the
# bidirectional overrides/isolates, which reorder or break a displayed line just as well, and
# lone surrogates, which no UTF-8 (so no canonical JSON) can carry.
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

# Refused when the key, lower-cased with separators removed, contains one of these ...
_SECRET_PARTS = ("password", "passwd", "passcode", "secret", "token", "totp", "privatekey",
                 "masterkey", "credential")
# ... or has one of these as a word (so "pin_code" and "userPin" go, "mapping" stays).
_SECRET_WORDS = frozenset({"pin", "otp"})
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_PRIVATE_KEY_PEM = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")

JSON_INT_LIMIT = 2**53 - 1  # RFC 8785 / I-JSON: integers a double holds exactly
MAX_DEPTH = 16


def escape_controls(text: str) -> str:
    """``text`` with each control character replaced by its ``\\uXXXX`` spelling.

    "a\\r\\nb" becomes the 10 characters ``a\\u000d\\u000ab``. Other text is unchanged.
    """
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def is_secret_key(key: str) -> bool:
    """Whether a details key names a secret (password, token, PIN, private key, ...)."""
    flat = re.sub(r"[^a-z0-9]", "", key.lower())
    if any(part in flat for part in _SECRET_PARTS):
        return True
    return any(word.lower() in _SECRET_WORDS for word in _WORDS.findall(key))


def in_json_domain(value: Any) -> bool:
    """Whether ``value`` (as ``json.loads`` returns it) holds only numbers RFC 8785 can
    encode: integers within +-(2**53 - 1), finite floats. Strings are not examined."""
    if value is None or isinstance(value, (str, bool)):
        return True
    if isinstance(value, int):
        return abs(value) <= JSON_INT_LIMIT
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(map(in_json_domain, value))
    if isinstance(value, dict):
        return all(isinstance(k, str) for k in value) and all(
            map(in_json_domain, value.values()))
    return False


def clean_details(details: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON-only copy of ``details`` with every string (keys too) control-escaped.

    Raises InvalidInput AUDIT_SECRET_FIELD for a key naming a secret or a value holding a
    PEM private key (at any depth), and AUDIT_DETAILS_NOT_JSON for anything but str, int,
    float, bool, None, list/tuple and str-keyed mappings (NaN, infinities and integers
    beyond 2**53 - 1 included).
    """
    if not isinstance(details, Mapping):
        raise _not_json("details", details)
    return _clean_mapping(details, "details", 0)


def _clean(value: Any, path: str, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise _not_json(path, value, "nested too deeply")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        if _PRIVATE_KEY_PEM.search(value):
            raise _secret(path)
        return escape_controls(value)
    if isinstance(value, int):
        if abs(value) > JSON_INT_LIMIT:
            raise _not_json(path, value, "integer out of range")
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _not_json(path, value, "not a finite number")
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_clean(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        return _clean_mapping(value, path, depth)
    raise _not_json(path, value)


def _clean_mapping(value: Mapping[Any, Any], path: str, depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise _not_json(path, key, "keys must be strings")
        if is_secret_key(key):
            raise _secret(f"{path}.{escape_controls(key)}", key)
        clean_key = escape_controls(key)
        if clean_key in out:
            raise _not_json(path, key, "two keys are the same once escaped")
        out[clean_key] = _clean(item, f"{path}.{clean_key}", depth + 1)
    return out


def _secret(path: str, key: str | None = None) -> InvalidInput:
    shown = escape_controls(key) if key is not None else path
    return InvalidInput(
        "AUDIT_SECRET_FIELD", f"审计记录不得包含机密信息（{shown}）",
        f"An audit event must not hold a secret ({shown})", field=shown, path=path)


def _not_json(path: str, value: Any, why: str = "not a JSON value") -> InvalidInput:
    kind = type(value).__name__
    return InvalidInput(
        "AUDIT_DETAILS_NOT_JSON", f"审计详情 {path} 不是有效的 JSON 值（{kind}：{why}）",
        f"Audit detail {path} is not a valid JSON value ({kind}: {why})", field=path)


__all__ = ["clean_details", "escape_controls", "in_json_domain", "is_secret_key"]
