"""Page previews of an OFD file for the console, drawn by ``core.ofd.render`` (a small Pillow
renderer: text, paths, images, annotations, seal pictures) at the PDF previews' size
(``LONG_SIDE`` pixels on the long side).

Each page has its real size (its PhysicalBox in mm, else the document's default PageArea) so
the sealing page can turn a drop into mm (``PagePreview.point_mm``). A page whose content
cannot be read at all keeps ``PagePreview.png`` None and ``skipped`` = ``OFD``: the console
shows its outline with "No preview for OFD pages" (``blank_png`` for its picture address).
Objects the renderer cannot draw (JBIG2 images, composite objects ...) are simply missing
from the picture.

Pictures are kept in a small in-process cache by the file's SHA-256, so the request page and
the page-picture addresses it links draw each page once. Anything that cannot be read gives
``Preview.problem`` set, never an exception.
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
from collections import OrderedDict
from dataclasses import replace

from openseal.core.ofd.render import A4, OfdRenderer, page_box
from openseal.core.signing.ofd_service import is_ofd_upload
from openseal.interfaces.web.previews import (
    LONG_SIDE,
    MAX_PREVIEW_PAGES,
    NO_SUCH_PAGE,
    UNREADABLE,
    PagePreview,
    Preview,
)

OFD = "ofd"
"""``PagePreview.skipped`` of an OFD page that could not be drawn: its outline only."""
A4_MM = A4[2:]
"""A page whose box is missing or unusable is shown as A4 (as the sealer's default)."""
CACHE_PAGES = 64
"""Pictures kept (LRU); with ``LONG_SIDE`` 600 a page's PNG is some tens of kB."""

_log = logging.getLogger(__name__)
_cache: OrderedDict[tuple[str, int, int], PagePreview] = OrderedDict()
_counts: OrderedDict[str, int] = OrderedDict()
_lock = threading.Lock()


def is_ofd(data: bytes | None) -> bool:
    """Whether ``data`` is an OFD file (not a PDF; a zip holding OFD.xml)."""
    return bool(data) and is_ofd_upload(bytes(data or b""), None)


def ofd_preview(data: bytes, first: int = 1, count: int = 1,
                long_side: int = LONG_SIDE) -> Preview:
    """Pages ``first`` .. ``first + count - 1`` of the first document of the OFD file
    ``data`` (those that exist, at most ``MAX_PREVIEW_PAGES``), drawn ``long_side`` pixels
    on their long side (at most ``LONG_SIDE``)."""
    if first < 1 or count < 1 or long_side < 16:
        raise ValueError("first and count from 1, long_side at least 16 pixels")
    long_side = min(long_side, LONG_SIDE)
    digest = hashlib.sha256(data).hexdigest()
    total = _cached_count(digest)
    wanted = range(first, first + min(count, MAX_PREVIEW_PAGES))
    if total is not None:
        hits = [_cache_get((digest, n, long_side)) for n in wanted if n <= total]
        if first <= total and all(hits):
            return Preview(total, tuple(h for h in hits if h))
    try:
        renderer = OfdRenderer.open(data)
        pages = renderer.pages
    except Exception:  # noqa: BLE001 - a damaged package has no preview
        _log.info("no preview: the OFD file cannot be read", exc_info=True)
        return Preview(0, problem=UNREADABLE)
    _remember_count(digest, len(pages))
    if not pages:
        return Preview(0, problem=UNREADABLE)
    if first > len(pages):
        return Preview(len(pages), problem=NO_SUCH_PAGE)
    shown = tuple(_drawn(renderer, digest, number, long_side)
                  for number in wanted if number <= len(pages))
    return Preview(len(pages), shown)


def _drawn(renderer: OfdRenderer, digest: str, number: int, long_side: int) -> PagePreview:
    key = (digest, number, long_side)
    cached = _cache_get(key)
    if cached is not None:
        return cached
    _x, _y, width, height = page_box(renderer.pages[number - 1])
    shape = PagePreview(number, round(width, 2), round(height, 2), 0)
    try:
        drawn = renderer.render(number, long_side)
    except Exception:  # noqa: BLE001 - a page that cannot be read: its outline
        _log.info("no preview of OFD page %d", number, exc_info=True)
        return replace(shape, skipped=OFD)
    if drawn.skipped:
        _log.info("OFD preview of page %d: not drawn %s", number, dict(drawn.skipped))
    shown = replace(shape, png=drawn.png, pixels=drawn.pixels)
    with _lock:
        _cache[key] = shown
        while len(_cache) > CACHE_PAGES:
            _cache.popitem(last=False)
    return shown


def _cache_get(key: tuple[str, int, int]) -> PagePreview | None:
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
        return found


def _cached_count(digest: str) -> int | None:
    with _lock:
        return _counts.get(digest)


def _remember_count(digest: str, count: int) -> None:
    with _lock:
        _counts[digest] = count
        while len(_counts) > CACHE_PAGES:
            _counts.popitem(last=False)


def blank_png(page: PagePreview, long_side: int) -> bytes:
    """A plain white PNG of ``page``'s shape, ``long_side`` pixels on its long side."""
    from PIL import Image

    width, height = page.width_mm or A4_MM[0], page.height_mm or A4_MM[1]
    scale = long_side / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    out = io.BytesIO()
    Image.new("L", size, 255).save(out, "PNG", optimize=True)
    return out.getvalue()
