"""The batch benchmark's inputs: N one-page contracts that differ by their number.

Made with the producer of bench/inputs.py's 1-page document (reportlab, ``reportlab_pdf``).
"""

from __future__ import annotations

from pathlib import Path

from tests.support.pdfs import reportlab_pdf


def write_contracts(folder: Path, count: int, first: int = 0) -> list[Path]:
    """``count`` one-page PDFs ``contract-<first>.pdf`` ... in ``folder``, each its own number."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(first, first + count):
        path = folder / f"contract-{n:04d}.pdf"
        path.write_bytes(reportlab_pdf(1, title=f"采购合同 Purchase contract no. {n:04d}"))
        paths.append(path)
    return paths
