"""Output files appear whole or not at all: temporary file, fsync, then rename
(ops.staged_files), published only after the record they belong to is committed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from openseal.bootstrap import Context, Refusal, Wiring
from openseal.ops.staged_files import StagedFile, write_atomically

__all__ = ["StagedFile", "commit_then_publish", "write_atomically"]

T = TypeVar("T")


def commit_then_publish(w: Wiring, use_case: Callable[[Context], T], refusal: Refusal,
                        staged: list[StagedFile]) -> T:
    """Run ``use_case`` (which stages the output in ``staged``) in one transaction; the
    output appears only after the record is committed, and never after a refusal."""
    try:
        done = w.run(use_case, refusal)
        staged[0].publish()
    finally:
        for item in staged:
            item.discard()
    return done
