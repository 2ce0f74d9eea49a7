"""Keyword positioning: find a text such as 「甲方（盖章）」 on the pages, to seal on it.

PDFium (through pypdfium2) extracts the text with each character's box, CJK included. Its
coordinates are the page's user space in points, the same space as the signature box.
PDFium is not thread-safe: every use holds the lock the report thumbnails use too. A
document PDFium cannot read is reported as damaged (an OpenSealError), never as a crash.
"""

from __future__ import annotations

from dataclasses import dataclass

from openseal.core.pdfium import PDFIUM_LOCK
from openseal.core.signing.preflight import MAX_PAGES, damaged_pdf
from openseal.errors import InvalidInput

MAX_KEYWORD = 100


@dataclass(frozen=True)
class KeywordHit:
    """One occurrence: its 1-based page and the centre of its text box, in points."""

    page: int
    x: float
    y: float


def find_keyword(pdf: bytes, text: str) -> list[KeywordHit]:
    """Every occurrence of ``text``, page by page, in reading order."""
    if not text.strip() or len(text) > MAX_KEYWORD:
        raise InvalidInput("KEYWORD_INVALID", f"关键字应为 1–{MAX_KEYWORD} 个字符",
                           f"The keyword must be 1-{MAX_KEYWORD} characters", field="keyword")
    import pypdfium2 as pdfium  # imported here: only keyword positioning needs PDFium

    try:
        with PDFIUM_LOCK:
            document = pdfium.PdfDocument(pdf)
            try:
                return [hit for n in range(min(len(document), MAX_PAGES))
                        for hit in _on_page(document[n], n + 1, text)]
            finally:
                document.close()
    except (Exception, RecursionError) as exc:  # noqa: BLE001 - PDFium refusing = damaged
        raise damaged_pdf() from exc


def _on_page(page: object, number: int, text: str) -> list[KeywordHit]:
    textpage = page.get_textpage()  # type: ignore[attr-defined]
    try:
        searcher = textpage.search(text, match_case=False)
        hits = []
        while (found := searcher.get_next()) is not None:
            start, count = found
            boxes = [textpage.get_charbox(i, loose=True) for i in range(start, start + count)]
            left, bottom = min(b[0] for b in boxes), min(b[1] for b in boxes)
            right, top = max(b[2] for b in boxes), max(b[3] for b in boxes)
            hits.append(KeywordHit(number, (left + right) / 2, (bottom + top) / 2))
        return hits
    finally:
        textpage.close()
