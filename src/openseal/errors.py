"""The domain error hierarchy.

The core raises these; each boundary (CLI, API, console) translates them once, in one table.
Every error carries a stable machine ``code``, a Chinese and an English message, and
structured ``fields`` (for example which field of the input was wrong).
"""

from __future__ import annotations

from typing import Any


class OpenSealError(Exception):
    """Base of every error OpenSeal raises on purpose."""

    kind = "error"

    def __init__(
        self, code: str, zh: str, en: str, **fields: Any
    ) -> None:
        super().__init__(en)
        self.code = code
        self.zh = zh
        self.en = en
        self.fields = fields

    def message(self, lang: str = "zh") -> str:
        """The message in ``lang`` ("zh" or "en")."""
        return self.en if lang.startswith("en") else self.zh

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {"error": self.code, "kind": self.kind, "message": self.message(lang),
                **{k: v for k, v in self.fields.items() if _is_plain(v)}}


def _is_plain(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool, type(None), list))


class InvalidInput(OpenSealError):
    """The caller's input is wrong; nothing was changed."""

    kind = "invalid_input"


class NotFound(OpenSealError):
    kind = "not_found"


class Conflict(OpenSealError):
    """The request contradicts the current state (already exists, forbids changes ...)."""

    kind = "conflict"


class PermissionDenied(OpenSealError):
    kind = "permission_denied"


class IntegrityViolation(OpenSealError):
    """Stored data or a document failed an integrity check."""

    kind = "integrity_violation"


class Unavailable(OpenSealError):
    """A dependency (timestamp authority, database, key store) is not available."""

    kind = "unavailable"


class Unauthenticated(OpenSealError):
    """No valid login, session or API credential came with the request."""

    kind = "unauthenticated"
