"""A1: the 21 attack files of the 2019 study never verify as VALID, and never crash."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from openseal.core.verification import verify_pdf

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "testdata" / "pdf-attacks-2019"
FILES = sorted(p.name for p in CORPUS.glob("*.pdf")) if CORPUS.is_dir() else []
MANIPULATION_CODES = {"MALFORMED_SIGNATURE", "MALFORMED_PDF", "NONSTANDARD_BYTERANGE",
                      "MODIFIED_AFTER_SEAL", "UNSIGNED_TRAILING_DATA", "SIGNATURE_BROKEN"}
NOT_VALID_CODES = MANIPULATION_CODES | {"UNTRUSTED_SIGNER"}


def test_corpus_is_complete(shared_dir: Path) -> None:
    assert len(list((shared_dir / "testdata/pdf-attacks-2019").glob("*.pdf"))) == 21


@pytest.mark.parametrize("name", FILES)
def test_never_valid(name: str, shared_dir: Path) -> None:
    data = (shared_dir / "testdata/pdf-attacks-2019" / name).read_bytes()
    report = verify_pdf(data, trust_roots=[], filename=name)
    assert report.verdict in ("INVALID", "INDETERMINATE")
    assert report.reasons
    assert set(report.reasons) & NOT_VALID_CODES
    assert all(s.verdict != "VALID" for s in report.signatures)


@pytest.mark.parametrize("name", FILES)
def test_manipulation_is_named_even_with_the_signer_trusted(name: str, shared_dir: Path) -> None:
    """With the attack files' own (self-signed) certificate as a root, trust is no excuse:
    the reason must be about the manipulation itself."""
    data = (shared_dir / "testdata/pdf-attacks-2019" / name).read_bytes()
    roots = _embedded_signer_certs(data)
    report = verify_pdf(data, trust_roots=roots, filename=name)
    assert report.verdict in ("INVALID", "INDETERMINATE")
    assert set(report.reasons) & (MANIPULATION_CODES | {"WEAK_ALGORITHM"}), report.reasons


def test_isa_b_reports_unsigned_trailing_data(shared_dir: Path) -> None:
    data = (shared_dir / "testdata/pdf-attacks-2019/isa_B.pdf").read_bytes()
    report = verify_pdf(data, trust_roots=[], filename="isa_B.pdf")
    assert "UNSIGNED_TRAILING_DATA" in report.reasons
    assert report.unsigned_trailing_bytes > 0
    assert report.verdict != "VALID"


@pytest.mark.parametrize("name", FILES)
def test_cli_gives_a_verdict_not_a_traceback(name: str, shared_dir: Path,
                                             tmp_path: Path) -> None:
    path = shared_dir / "testdata/pdf-attacks-2019" / name
    env = {**os.environ, "OPENSEAL_HOME": str(tmp_path / "home")}
    done = subprocess.run([sys.executable, "-m", "openseal", "verify", str(path), "--json"],
                          capture_output=True, text=True, env=env, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode in (1, 2), done.stderr
    assert "Traceback" not in done.stderr
    body = json.loads(done.stdout)
    assert isinstance(body, dict)
    assert body["verdict"] in ("INVALID", "INDETERMINATE")
    assert body["reasons"]


def _embedded_signer_certs(data: bytes) -> list:  # type: ignore[type-arg]
    """Every certificate embedded in any CMS blob of the file (best effort)."""
    import re

    from asn1crypto import cms

    certs = []
    for match in re.finditer(rb"<([0-9A-Fa-f]{1000,})>", data):
        try:
            info = cms.ContentInfo.load(bytes.fromhex(match.group(1).decode()))
            certs += [c.chosen for c in info["content"]["certificates"]]
        except Exception:  # noqa: BLE001 - broken blobs are part of the corpus
            continue
    return certs
