"""A QR code beside the seal, linking to the document's public registry page.

The QR code is drawn inside the seal's own signature appearance (the widget box grows to
the right), not as a separate annotation, so it is covered by the seal's signature and
allowed even where a document permits only signing. It is drawn as vector rectangles (one
per run of dark modules), so it stays sharp at any zoom and needs no image resources.
"""

from __future__ import annotations

import io
from dataclasses import replace

import qrcode
from PIL import Image

from openseal.core.seals.artwork.pdf import fmt
from openseal.core.signing.appearance import SealImage
from openseal.core.signing.placement import PT_PER_MM

QR_MM = 20.0  # side of the QR code, quiet zone included
GAP_MM = 2.0


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR code's modules, quiet zone (4 modules) included; medium error correction."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(url)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def with_qr(image: SealImage, url: str) -> SealImage:
    """The seal and, to its right, a QR code for ``url``, vertically centred together."""
    side = min(QR_MM, max(image.height_mm, 15.0))
    width, height = image.width_mm + GAP_MM + side, max(image.height_mm, side)
    seal_dy, qr_dy = (height - image.height_mm) / 2, (height - side) / 2
    matrix = qr_matrix(url)
    if image.vector is not None:
        seal = b"q 1 0 0 1 0 %s cm\n" % fmt(seal_dy * PT_PER_MM).encode() + image.vector + b"Q\n"
        ops = _qr_ops(matrix, (image.width_mm + GAP_MM) * PT_PER_MM, qr_dy * PT_PER_MM,
                      side * PT_PER_MM)
        return replace(image, width_mm=width, height_mm=height, vector=seal + ops)
    assert image.png is not None
    return replace(image, width_mm=width, height_mm=height,
                   png=_composed_png(image, matrix, side, seal_dy, qr_dy, width, height))


def _qr_ops(matrix: list[list[bool]], x0: float, y0: float, side: float) -> bytes:
    n = len(matrix)
    cell = side / n
    lines = ["q", "1 1 1 rg", f"{fmt(x0)} {fmt(y0)} {fmt(side)} {fmt(side)} re", "f",
             "0 0 0 rg"]
    for row_index, row in enumerate(matrix):
        y = y0 + (n - 1 - row_index) * cell
        col = 0
        while col < n:
            if not row[col]:
                col += 1
                continue
            start = col
            while col < n and row[col]:
                col += 1
            lines.append(f"{fmt(x0 + start * cell)} {fmt(y)} {fmt((col - start) * cell)} "
                         f"{fmt(cell)} re")
    lines += ["f", "Q"]
    return ("\n".join(lines) + "\n").encode("ascii")


def _composed_png(image: SealImage, matrix: list[list[bool]], side: float, seal_dy: float,
                  qr_dy: float, width: float, height: float) -> bytes:
    seal = Image.open(io.BytesIO(image.png or b""))
    seal.load()
    per_mm = seal.width / image.width_mm
    canvas = Image.new("RGBA", (round(width * per_mm), round(height * per_mm)), (0, 0, 0, 0))
    canvas.paste(seal.convert("RGBA"), (0, round((height - image.height_mm - seal_dy)
                                                  * per_mm)))
    n = len(matrix)
    qr = Image.new("L", (n, n), 255)
    qr.putdata([0 if dark else 255 for row in matrix for dark in row])
    qr = qr.resize((round(side * per_mm),) * 2, Image.Resampling.NEAREST)
    canvas.paste(qr.convert("RGBA"), (round((image.width_mm + GAP_MM) * per_mm),
                                      round((height - side - qr_dy) * per_mm)))
    out = io.BytesIO()
    canvas.save(out, "PNG")
    return out.getvalue()
