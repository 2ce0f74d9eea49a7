"""PLACEHOLDER - being replaced by the verification module."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class VerificationReport:
    verdict: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, **self.data}

    def summary(self, lang: str = "zh") -> str:
        return self.verdict


def verify_pdf(data: bytes, trust_roots: list, filename: str | None = None) -> VerificationReport:  # type: ignore[type-arg]
    return VerificationReport("INDETERMINATE")
