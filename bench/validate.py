"""Checks that a benchmark output is a valid PAdES B-T seal; the benchmark fails otherwise."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

from asn1crypto import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext


class NotValid(Exception):
    """An output failed validation: the figures for it mean nothing."""


def check_output(path: Path, roots: list[x509.Certificate]) -> dict[str, object]:
    """pyHanko's validator (always) and pdfsig (when installed) on ``path``'s last signature."""
    data = path.read_bytes()
    sig = PdfFileReader(io.BytesIO(data)).embedded_signatures[-1]
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    status = validate_pdf_signature(sig, signer_validation_context=context,
                                    ts_validation_context=context)
    ts = status.timestamp_validity
    checks: dict[str, object] = {
        "intact": status.intact, "valid": status.valid, "trusted": status.trusted,
        "timestamp_valid": ts is not None and ts.intact and ts.valid and ts.trusted,
        "whole_file": status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
    }
    if not all(checks.values()):
        raise NotValid(f"{path.name}: pyHanko validation failed: {checks}")
    checks["pdfsig"] = _pdfsig(path)
    return checks


def _pdfsig(path: Path) -> str:
    exe = shutil.which("pdfsig")
    if exe is None:
        return "not installed"
    out = subprocess.run([exe, str(path)], capture_output=True, text=True, check=False).stdout
    if "Signature is Valid." not in out or "Total document signed" not in out:
        raise NotValid(f"{path.name}: pdfsig does not accept it:\n{out}")
    return "Signature is Valid; Total document signed"
