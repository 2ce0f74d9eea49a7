"""Decompression bombs, written in a streaming way (the test process never holds them
unpacked): a PDF page image of 300 MiB that compresses to about 300 KB, and a 30000 x 30000
PNG."""

from __future__ import annotations

import io
import struct
import zlib

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from tests.support.pdfs import reportlab_pdf

MIB = 1024 * 1024


def _zeros_deflated(total: int, chunk: int = MIB) -> bytes:
    squeeze = zlib.compressobj(9)
    parts = []
    zero = b"\0" * chunk
    for _ in range(total // chunk):
        parts.append(squeeze.compress(zero))
    parts.append(squeeze.compress(b"\0" * (total % chunk)))
    parts.append(squeeze.flush())
    return b"".join(parts)


def pdf_with_image_bomb(side: int = 10240) -> bytes:
    """Page 1 draws a ``side`` x ``side`` RGB image (300 MiB unpacked at 10240)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(reportlab_pdf(title="image bomb")))
    image = generic.StreamObject({
        pdf_name("/Type"): pdf_name("/XObject"), pdf_name("/Subtype"): pdf_name("/Image"),
        pdf_name("/Width"): generic.NumberObject(side),
        pdf_name("/Height"): generic.NumberObject(side),
        pdf_name("/ColorSpace"): pdf_name("/DeviceRGB"),
        pdf_name("/BitsPerComponent"): generic.NumberObject(8),
        pdf_name("/Filter"): pdf_name("/FlateDecode")},
        encoded_data=_zeros_deflated(side * side * 3))
    ref = writer.add_object(image)
    draw = writer.add_object(generic.StreamObject(stream_data=b"q 500 0 0 700 50 50 cm /Bomb Do Q"))
    resources = generic.DictionaryObject({pdf_name("/XObject"): generic.DictionaryObject(
        {pdf_name("/Bomb"): ref})})
    writer.add_stream_to_page(0, draw, resources=resources)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bomb(side: int = 30000) -> bytes:
    """A 1-bit greyscale PNG of ``side`` x ``side`` white pixels (112 MB unpacked)."""
    row = b"\0" + b"\xff" * ((side + 7) // 8)
    squeeze = zlib.compressobj(9)
    idat = b"".join(squeeze.compress(row) for _ in range(side)) + squeeze.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat)
            + chunk(b"IEND", b""))
