"""The pages of a seal-use request's documents, as the console shows them: a few pages on
the request's page, one page at a time on the sealing page. A PDF page is drawn
(``previews``); an OFD page comes from ``ofd_previews``."""

from __future__ import annotations

from typing import Any

from openseal.bootstrap import Context
from openseal.core.accounts.principal import Principal
from openseal.core.governance.request_views import request_document
from openseal.errors import NotFound
from openseal.interfaces.web.console.session import Refused
from openseal.interfaces.web.ofd_previews import is_ofd, ofd_preview
from openseal.interfaces.web.previews import LONG_SIDE, PagePreview, Preview, preview_pages

PREVIEW_PAGES = 2  # pages shown on a request's page
PREVIEW_LONG_SIDE = 900  # pixels: enough to place a seal, small enough to send
MAX_PAGE = 10_000


def previews(documents: list[tuple[str, bytes | None]]) -> dict[str, Any]:
    """``previews``: how many pages of each document to show (by SHA-256); ``outlines``:
    those pages of an OFD document (``ofd_previews``: drawn, or the outline of a page that
    could not be drawn; a PDF has none)."""
    counts, outlines = {}, {}
    for sha256, data in documents:
        shown = ofd_preview(data, 1, PREVIEW_PAGES).pages if data and is_ofd(data) else ()
        counts[sha256] = len(shown) if shown else min(page_count(data), PREVIEW_PAGES)
        outlines[sha256] = shown
    return {"previews": counts, "outlines": outlines}


def preview(data: bytes, first: int, count: int, long_side: int) -> Preview:
    """``preview_pages`` of a PDF, the drawn pages (or outlines) of an OFD file."""
    if is_ofd(data):
        return ofd_preview(data, first, count)
    return preview_pages(data, first, count, long_side)


def page_count(data: bytes | None) -> int:
    """How many pages ``data`` has (0: none, or it cannot be read)."""
    return preview(data, 1, 1, 16).page_count if data else 0


def document(c: Context, p: Principal, request_id: str, sha256: str) -> bytes:
    """The request's document ``sha256``, for who may read the request."""
    return request_document(c.repos, c.documents, p, request_id, sha256)


def no_page(number: int) -> NotFound:
    return NotFound("PAGE_NOT_FOUND", f"文件没有第 {number} 页",
                    f"The document has no page {number}", field="page")


def shown_page(data: bytes, number: int) -> PagePreview:
    """Page ``number`` of ``data`` as shown for placing a seal (Refused: no such page)."""
    if not 1 <= number <= MAX_PAGE:
        raise Refused(no_page(number))
    shown = preview(data, number, 1, min(PREVIEW_LONG_SIDE, LONG_SIDE))
    if not shown.pages:
        raise Refused(no_page(number))
    return shown.pages[0]
