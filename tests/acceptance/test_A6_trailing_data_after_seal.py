"""A6: data appended after the sealed revision is reported with its byte count."""

from __future__ import annotations

import random

import pytest

from openseal.core.verification import verify_pdf
from tests.support.instance import TestInstance


@pytest.fixture(scope="module")
def sealed(sealing_instance: TestInstance, sample_pdf: bytes) -> bytes:
    return sealing_instance.seal(sample_pdf)


@pytest.mark.parametrize("tail", [b"\n", b"\r\n", b"  \n"])
def test_whitespace_after_eof_is_harmless(sealed: bytes, sealing_instance: TestInstance,
                                          tail: bytes) -> None:
    report = verify_pdf(sealed + tail, sealing_instance.roots)
    assert report.verdict == "VALID", report.to_dict()
    assert report.unsigned_trailing_bytes == 0


def test_64k_junk_is_flagged_with_byte_count(sealed: bytes,
                                             sealing_instance: TestInstance) -> None:
    junk = random.Random(6).randbytes(65536)
    report = verify_pdf(sealed + junk, sealing_instance.roots)
    data = report.to_dict()
    assert "UNSIGNED_TRAILING_DATA" in data["reasons"]
    assert data["unsigned_trailing_bytes"] == 65536
    assert data["signatures"][0]["intact"] is True
    assert data["verdict"] == "INDETERMINATE"


def test_unreferenced_objects_after_eof_are_flagged(sealed: bytes,
                                                    sealing_instance: TestInstance) -> None:
    extra = b"\n99 0 obj\n<< /Evil true >>\nendobj\n"
    report = verify_pdf(sealed + extra, sealing_instance.roots)
    data = report.to_dict()
    assert "UNSIGNED_TRAILING_DATA" in data["reasons"]
    assert data["unsigned_trailing_bytes"] == len(extra)
    assert data["signatures"][0]["intact"] is True
    assert data["verdict"] == "INDETERMINATE"


def test_unreferenced_objects_in_a_fake_revision_are_flagged(
        sealed: bytes, sealing_instance: TestInstance) -> None:
    """Like isa_B: objects, an empty xref and a startxref, so the parser sees a revision."""
    start = len(sealed)
    body = b"99 0 obj\n<< /Evil true >>\nendobj\n"
    xref_at = start + len(body)
    extra = body + (b"xref\n0 0\ntrailer\n<< /Size 100 >>\nstartxref\n%d\n%%%%EOF\n" % xref_at)
    report = verify_pdf(sealed + extra, sealing_instance.roots)
    assert report.verdict != "VALID"
    assert "UNSIGNED_TRAILING_DATA" in report.reasons
    assert report.unsigned_trailing_bytes == len(extra)
