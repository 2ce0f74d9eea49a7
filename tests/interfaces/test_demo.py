"""`make run` runs `openseal demo`: it must leave a verifiable sealed contract and seal images."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from openseal.core.pki.pem import load_pem_certificates
from openseal.core.verification import verify_pdf

KINDS = ("official", "contract", "finance", "invoice", "legal-rep", "custom")


def _demo(home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPENSEAL_HOME": str(home), "OPENSEAL_LANG": "zh"}
    env.pop("OPENSEAL_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "openseal", "demo"], env=env,
                          capture_output=True, text=True, timeout=300)


def test_demo_prepares_seals_and_a_valid_sealed_contract(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    first = _demo(home)
    assert first.returncode == 0, first.stderr
    out = home / "out"
    assert str(out / "contract-sealed.pdf") in first.stdout
    for kind in KINDS:
        assert (out / f"seal-{kind}.png").stat().st_size > 1000
        assert (out / f"seal-{kind}.svg").is_file()
    roots = load_pem_certificates((out / "openseal-roots.pem").read_bytes())
    report = verify_pdf((out / "contract-sealed.pdf").read_bytes(), roots)
    assert report.verdict == "VALID"
    assert len(report.to_dict()["signatures"]) == 2
    again = _demo(home)  # running `make run` twice reuses the instance
    assert again.returncode == 0, again.stderr
