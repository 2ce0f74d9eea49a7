"""Page "previews" of an OFD file for the console: OpenSeal does not draw OFD pages, so each
page is its outline only, at its real size (its PhysicalBox in mm, else the document's
default PageArea), with ``PagePreview.png`` None and ``skipped`` = ``OFD``. The seal-use
pages show the outline with "No preview for OFD pages"; the sealing page uses it as the
drop area (the page's mm size is all a drop needs: ``PagePreview.point_mm``).

``blank_png`` draws a plain white picture of a page's shape (for the page picture address,
so it never answers a broken image for an OFD page).

The package is opened by ``core.ofd.package`` (bounded zip, safe XML); anything that cannot be
read gives ``Preview.problem`` set, never an exception.
"""

from __future__ import annotations

import io
import logging
import math

from openseal.core.ofd.package import OfdPackage
from openseal.core.signing.ofd_service import is_ofd_upload
from openseal.interfaces.web.previews import (
    MAX_PREVIEW_PAGES,
    NO_SUCH_PAGE,
    UNREADABLE,
    PagePreview,
    Preview,
)

OFD = "ofd"
"""``PagePreview.skipped`` of an OFD page: not drawn, its outline only."""
A4_MM = (210.0, 297.0)
"""A page whose box is missing or unusable is shown as A4 (as the sealer's default)."""
MAX_MM = 5000.0

_log = logging.getLogger(__name__)


def is_ofd(data: bytes | None) -> bool:
    """Whether ``data`` is an OFD file (not a PDF; a zip holding OFD.xml)."""
    return bool(data) and is_ofd_upload(bytes(data or b""), None)


def ofd_preview(data: bytes, first: int = 1, count: int = 1) -> Preview:
    """Pages ``first`` .. ``first + count - 1`` of the first document of the OFD file
    ``data`` (those that exist, at most ``MAX_PREVIEW_PAGES``), as outlines."""
    if first < 1 or count < 1:
        raise ValueError("first and count from 1")
    try:
        package = OfdPackage.open(data)
        bodies = package.doc_bodies()
        root = bodies[0].doc_root if bodies else None
        pages = package.pages(root) if root else []
    except Exception:  # noqa: BLE001 - a damaged package has no preview
        _log.info("no preview: the OFD file cannot be read", exc_info=True)
        return Preview(0, problem=UNREADABLE)
    if not pages:
        return Preview(0, problem=UNREADABLE)
    if first > len(pages):
        return Preview(len(pages), problem=NO_SUCH_PAGE)
    last = min(first + min(count, MAX_PREVIEW_PAGES), len(pages) + 1)
    shown = []
    for number in range(first, last):
        width, height = _size(pages[number - 1].physical_box)
        shown.append(PagePreview(number, width, height, 0, skipped=OFD))
    return Preview(len(pages), tuple(shown))


def _size(box: tuple[float, ...] | None) -> tuple[float, float]:
    if box is None or len(box) < 4:
        return A4_MM
    width, height = float(box[2]), float(box[3])
    if not all(math.isfinite(v) and 0 < v <= MAX_MM for v in (width, height)):
        return A4_MM
    return round(width, 2), round(height, 2)


def blank_png(page: PagePreview, long_side: int) -> bytes:
    """A plain white PNG of ``page``'s shape, ``long_side`` pixels on its long side."""
    from PIL import Image

    width, height = page.width_mm or A4_MM[0], page.height_mm or A4_MM[1]
    scale = long_side / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    out = io.BytesIO()
    Image.new("L", size, 255).save(out, "PNG", optimize=True)
    return out.getvalue()
