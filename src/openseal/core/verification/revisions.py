"""Where the earlier revisions of a PDF end: after each ``%%EOF`` marker, with or without
its line ending. An incremental update appends to the file, so each earlier revision is a
prefix of the file that ends at one of these positions."""

from __future__ import annotations

_EOF = b"%%EOF"
MAX_REVISIONS = 100  # end-of-file markers looked at, from the end of the file


def revision_ends(data: bytes) -> list[int]:
    """Candidate ends of earlier revisions of ``data`` (shorter than ``data``), latest first."""
    ends: list[int] = []
    at = data.rfind(_EOF)
    while at != -1 and len(ends) < MAX_REVISIONS * 3:
        end = at + len(_EOF)
        ends.append(end)
        for eol in (b"\n", b"\r\n", b"\r"):
            if data.startswith(eol, end):
                ends.append(end + len(eol))
        at = data.rfind(_EOF, 0, at)
    return [e for e in ends if e < len(data)]
