"""External tools and services: required in CI, skipped with a hint on a laptop."""

from __future__ import annotations

import os
import shutil

import pytest

APT_PACKAGE = {
    "pdfsig": "poppler-utils", "pdftoppm": "poppler-utils", "qpdf": "qpdf",
    "gs": "ghostscript", "certutil": "libnss3-tools", "openssl": "openssl",
    "softhsm2-util": "softhsm2", "zbarimg": "zbar-tools",
}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing(what: str) -> None:
    """Fail in CI, skip elsewhere, saying what to install."""
    if in_ci():
        pytest.fail(f"{what} (CI=true: missing tools are failures)")
    pytest.skip(what)


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        missing(f"{name} not found: apt-get install {APT_PACKAGE.get(name, name)}")
    assert path is not None
    return path
