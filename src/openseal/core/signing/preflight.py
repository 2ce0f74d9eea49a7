"""Checks that run before anything is signed: is this a PDF we may seal?"""

from __future__ import annotations

import io

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation.pdf_embedded import read_certification_data

from openseal.core.signing.active_content import ActiveContent, active_content, refuse_active
from openseal.core.signing.placement import PageBox
from openseal.errors import Conflict, InvalidInput

MAX_PAGES = 20_000


def not_a_pdf() -> InvalidInput:
    return InvalidInput("NOT_A_PDF", "文件不是 PDF", "The file is not a PDF")


def damaged_pdf() -> InvalidInput:
    return InvalidInput("PDF_DAMAGED", "PDF 文件已损坏，无法盖章",
                        "The PDF is damaged and cannot be sealed")


def open_for_sealing(data: bytes) -> IncrementalPdfFileWriter:
    """Open ``data`` for an incremental update, or raise saying why it cannot be sealed."""
    return open_checked(data)[0]


def open_checked(data: bytes) -> tuple[IncrementalPdfFileWriter, ActiveContent]:
    """``open_for_sealing``, and the inert content worth a warning (active content that
    runs is refused: ACTIVE_CONTENT)."""
    if b"%PDF-" not in data[:1024]:
        raise not_a_pdf()
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data))
        encrypted = writer.prev.encrypted
    except (Exception, RecursionError) as exc:  # noqa: BLE001 - any parse failure = damaged
        raise damaged_pdf() from exc
    if encrypted:
        raise InvalidInput("PDF_ENCRYPTED", "加密的 PDF 不能盖章，请先解除加密",
                           "Encrypted PDFs cannot be sealed; remove the encryption first")
    try:
        _refuse_if_locked(writer.prev)
        _ = writer.prev.root["/Pages"]
        content = active_content(writer.prev, MAX_PAGES)
    except (Conflict, InvalidInput):
        raise
    except (Exception, RecursionError) as exc:  # noqa: BLE001
        raise damaged_pdf() from exc
    refuse_active(content)
    return writer, content


def _refuse_if_locked(reader: PdfFileReader) -> None:
    """A document certified with "no changes allowed" (DocMDP P=1) must stay as it is."""
    info = read_certification_data(reader)
    if info is not None and info.permission is MDPPerm.NO_CHANGES:
        raise Conflict(
            "DOCUMENT_FORBIDS_CHANGES",
            "该文件已被认证签名且禁止任何修改，不能再盖章",
            "The document is certified with 'no changes allowed' and cannot be sealed",
        )


def page_box(reader: PdfFileReader, page_number: int) -> PageBox:
    """The visible box of 1-based ``page_number``, or InvalidInput if there is no such page."""
    try:
        count = int(reader.root["/Pages"]["/Count"])
    except (Exception, RecursionError) as exc:  # noqa: BLE001
        raise damaged_pdf() from exc
    if not 1 <= page_number <= min(count, MAX_PAGES):
        raise InvalidInput(
            "PAGE_NOT_FOUND", f"文件只有 {count} 页，没有第 {page_number} 页",
            f"The document has {count} pages; there is no page {page_number}",
            field="page", pages=count)
    try:
        page = reader.find_page_for_modification(page_number - 1)[0].get_object()
        box = page.get("/CropBox") or _inherited(page, "/MediaBox")
        x1, y1, x2, y2 = (float(v) for v in box)
    except (Exception, RecursionError) as exc:  # noqa: BLE001
        raise damaged_pdf() from exc
    return PageBox(min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))


def _inherited(page: generic.DictionaryObject, key: str) -> generic.ArrayObject:
    node: generic.DictionaryObject | None = page
    while node is not None:
        if key in node:
            return node[key]
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    raise KeyError(key)
