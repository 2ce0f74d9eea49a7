"""Keys and secrets never leak; sealing without a timestamp fails closed."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from openseal.bootstrap import load_master_key
from openseal.config import Settings
from openseal.core.pki.tsa import InProcessTimeStamper
from openseal.core.signing.appearance import SealImage
from openseal.core.signing.pdf import PdfSealer, SealRequest
from openseal.core.signing.signer import KeyStoreSigner
from openseal.errors import Unavailable
from tests.support.instance import TestInstance
from tests.support.pdfs import reportlab_pdf


def test_master_key_is_never_printed_or_in_settings_repr(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "OPENSEAL_HOME": str(home)}
    env.pop("OPENSEAL_DATABASE_URL", None)
    init = subprocess.run([sys.executable, "-m", "openseal", "init", "--json"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert init.returncode == 0, init.stderr
    key_text = (home / "master.key").read_text().strip()
    assert (home / "master.key").stat().st_mode & 0o077 == 0
    assert key_text not in init.stdout + init.stderr
    settings = Settings(home=home, master_key=key_text)
    assert key_text not in repr(settings) and key_text not in str(settings)
    assert load_master_key(settings) == base64.b64decode(key_text)


def test_private_keys_are_not_stored_in_the_clear(sealing_instance: TestInstance) -> None:
    keys = list(sealing_instance.wiring.settings.keys_dir.glob("*.key"))
    assert keys
    for path in keys:
        assert b"PRIVATE KEY" not in path.read_bytes()
        assert path.stat().st_mode & 0o077 == 0
    db = sealing_instance.wiring.settings.home / "openseal.db"
    assert b"PRIVATE KEY" not in db.read_bytes()


def test_sealing_without_a_timestamp_authority_fails_closed(
    sealing_instance: TestInstance,
) -> None:
    seal = sealing_instance.seals["contract"]
    with sealing_instance.wiring.context() as c:
        signer = KeyStoreSigner(c.keystore, seal.key_id, c.pki.certificate(seal.cert_id),
                                c.pki.chain(seal.cert_id))
    image = SealImage(seal.artwork.width_mm, seal.artwork.height_mm, vector=seal.artwork.vector)
    sealer = PdfSealer(signer, image, InProcessTimeStamper(None))
    with pytest.raises(Unavailable) as err:
        sealer.seal(reportlab_pdf(), SealRequest())
    assert err.value.code == "TSA_UNAVAILABLE"
