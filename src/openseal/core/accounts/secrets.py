"""Opaque bearer tokens (invitations, sessions, API clients) and the API scope vocabulary.

A token is ``<prefix>_<base64url of 32 random bytes>`` (256 bits). It is shown once; only its
SHA-256 (hex) is stored, so a database leak yields no usable token. A fast hash is right for
256-bit random secrets. Look tokens up by digest; compare digests with ``same_digest``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from openseal.core.governance.roles import ALIASES, canonical
from openseal.errors import InvalidInput

TOKEN_BYTES = 32
API_KEY_PREFIX = "osk"
SESSION_PREFIX = "oss"
INVITATION_PREFIX = "osi"
_PREFIX = re.compile(r"[a-z][a-z0-9]{1,15}")

# What an API client may be given (the permission names of core.governance.roles). The old
# names seals:read, seals:write and documents:seal stay accepted as aliases (LEGACY_SCOPES).
SCOPES = frozenset({
    "seals:view", "seals:manage", "seals:request", "seals:use", "documents:verify",
    "audit:read", "reports:read", "orgs:read",
})
LEGACY_SCOPES = frozenset(ALIASES) & {"seals:read", "seals:write", "documents:seal"}


def new_token(prefix: str) -> tuple[str, str]:
    """(token to show once, its digest to store). ``prefix`` like "osk" (a trailing _ is ok)."""
    name = prefix.removesuffix("_")
    if not _PREFIX.fullmatch(name):
        raise ValueError(f"bad token prefix {prefix!r}")
    body = base64.urlsafe_b64encode(secrets.token_bytes(TOKEN_BYTES)).rstrip(b"=").decode()
    token = f"{name}_{body}"
    return token, token_digest(token)


def token_digest(token: str) -> str:
    """The storage form of ``token``: SHA-256 of its UTF-8 bytes, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same_digest(a: str, b: str) -> bool:
    """Constant-time equality of two digests."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def parse_scopes(text: str) -> frozenset[str]:
    """Scopes separated by spaces and/or commas; InvalidInput SCOPE_UNKNOWN for any other.

    Empty text gives the empty set (a client that may do nothing). Old names are stored
    under their new names.
    """
    given = frozenset(part for part in re.split(r"[\s,]+", text.strip()) if part)
    unknown = sorted(given - SCOPES - LEGACY_SCOPES)
    if unknown:
        raise InvalidInput(
            "SCOPE_UNKNOWN", f"未知的权限范围：{', '.join(unknown)}",
            f"unknown scope(s): {', '.join(unknown)}",
            field="scopes", unknown=unknown, known=sorted(SCOPES))
    return frozenset(canonical(scope) for scope in given)
