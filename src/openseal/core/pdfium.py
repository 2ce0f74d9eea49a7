"""PDFium (through pypdfium2) is not thread-safe: every use of it, anywhere in the process,
holds this one lock."""

from __future__ import annotations

import threading

PDFIUM_LOCK = threading.Lock()
