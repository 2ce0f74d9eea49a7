"""Checking an uploaded business licence (营业执照): a PDF, PNG or JPEG, size-capped."""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError
from pyhanko.pdf_utils.reader import PdfFileReader

from openseal.errors import InvalidInput

MAX_PIXELS = 50_000_000


def licence_media_type(data: bytes, limit: int) -> str:
    """The licence's media type; InvalidInput LICENCE_* when it is not an acceptable file."""
    if not data:
        raise _bad("LICENCE_EMPTY", "营业执照文件为空", "The licence file is empty")
    if len(data) > limit:
        mib = limit / (1024 * 1024)
        raise InvalidInput("UPLOAD_TOO_LARGE", f"营业执照文件超过 {mib:g} MiB 上限",
                           f"The licence file exceeds the {mib:g} MiB limit", field="licence")
    if data.startswith(b"%PDF-"):
        _check_pdf(data)
        return "application/pdf"
    return _check_image(data)


def _bad(code: str, zh: str, en: str) -> InvalidInput:
    return InvalidInput(code, zh, en, field="licence")


def _unreadable() -> InvalidInput:
    return _bad("LICENCE_FORMAT", "营业执照应为可读的 PDF、PNG 或 JPEG 文件",
                "The licence must be a readable PDF, PNG or JPEG file")


def _check_pdf(data: bytes) -> None:
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted or not len(reader.root["/Pages"]["/Kids"]):
            raise _unreadable()
    except InvalidInput:
        raise
    except (Exception, RecursionError) as exc:  # noqa: BLE001 - any parse failure
        raise _unreadable() from exc


def _check_image(data: bytes) -> str:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=["PNG", "JPEG"])
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise _unreadable()
            image.verify()
    except InvalidInput:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError,
            Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _unreadable() from exc
    return "image/png" if image.format == "PNG" else "image/jpeg"
