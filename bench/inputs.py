"""Benchmark input documents, built once with reportlab and cached under bench/results/."""

from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from tests.support.pdfs import reportlab_pdf

RESULTS = Path(__file__).resolve().parent / "results"
INPUTS = RESULTS / "inputs"
BIG_TARGET_BYTES = 20 * 1024 * 1024
_NOISE_SIDE = 600  # 600x600 RGB noise: ~1.08 MB of incompressible image data per page


def load_inputs() -> dict[str, bytes]:
    """The three benchmark documents (1 page, 100 pages, ~20 MB), built on first use."""
    INPUTS.mkdir(parents=True, exist_ok=True)
    builders = {"1-page": lambda: reportlab_pdf(1), "100-page": lambda: reportlab_pdf(100),
                "20-MB": _big_pdf}
    docs = {}
    for name, build in builders.items():
        path = INPUTS / f"{name}.pdf"
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(build())
            tmp.replace(path)
        docs[name] = path.read_bytes()
    return docs


def _big_pdf() -> bytes:
    """~20 MB: pages each embedding a different random-noise image (zlib cannot shrink it).

    reportlab writes image data ASCII85-encoded, 5 bytes for every 4, hence the 1.25.
    """
    per_page = _NOISE_SIDE * _NOISE_SIDE * 3
    pages = round(BIG_TARGET_BYTES / (per_page * 1.25))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for n in range(pages):
        noise = Image.frombytes("RGB", (_NOISE_SIDE, _NOISE_SIDE), os.urandom(per_page))
        c.drawImage(ImageReader(noise), 72, 300, width=450, height=450)
        c.drawString(72, 770, f"Large benchmark document, page {n + 1} of {pages}")
        c.showPage()
    c.save()
    return buf.getvalue()
