"""Which keyword hits a seal goes on: ``first``, ``last``, ``all`` or the N-th (from 1),
the same rule for PDF and OFD."""

from __future__ import annotations

from typing import TypeVar

from openseal.errors import InvalidInput

OCCURRENCES = ("first", "last", "all")
Hit = TypeVar("Hit")


def chosen(hits: list[Hit], text: str, occurrence: str) -> list[Hit]:
    """The occurrences of ``text`` to seal, from ``hits`` in document order."""
    if not hits:
        raise InvalidInput("KEYWORD_NOT_FOUND", f"文件中找不到关键字「{text}」",
                           f"The text '{text}' was not found in the document",
                           field="keyword", keyword=text)
    if occurrence in OCCURRENCES:
        return {"first": hits[:1], "last": hits[-1:], "all": hits}[occurrence]
    if not occurrence.isdigit() or int(occurrence) < 1:
        raise InvalidInput("KEYWORD_OCCURRENCE", "occurrence 应为 first、last、all 或从 1 "
                           f"起的序号，收到「{occurrence}」", "occurrence must be first, last, "
                           f"all or a number from 1, got '{occurrence}'", field="occurrence")
    n = int(occurrence)
    if n > len(hits):
        raise InvalidInput("KEYWORD_OCCURRENCE", f"关键字「{text}」只出现 {len(hits)} 次，没有第 "
                           f"{n} 处", f"The text '{text}' occurs {len(hits)} times; there is no "
                           f"occurrence {n}", field="occurrence", occurrences=len(hits))
    return [hits[n - 1]]
