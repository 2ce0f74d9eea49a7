"""B3: encrypted PDFs are refused as PDF_ENCRYPTED; nothing is sealed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import producers
from tests.support.instance import TestInstance
from tests.support.producers import assert_refused, sealed_count, sign_cli

INPUTS = {
    "aes256-user-password": producers.encrypted_aes256,
    "public-key": producers.encrypted_pubkey,
}


@pytest.mark.parametrize("kind", INPUTS)
def test_encrypted_pdf_is_refused(kind: str, fresh_instance: TestInstance,
                                  tmp_path: Path) -> None:
    infile = tmp_path / f"{kind}.pdf"
    infile.write_bytes(INPUTS[kind]())
    before = sealed_count(fresh_instance)

    result = sign_cli(fresh_instance.wiring.settings.home, infile,
                      fresh_instance.seals["contract"].id, "--json", lang="en")
    payload = assert_refused(result, "PDF_ENCRYPTED")
    assert "ncrypted" in str(payload["message"])
    assert sealed_count(fresh_instance) == before
