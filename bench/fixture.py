"""The benchmark's instance: built once per run, then opened read-only by every worker.

pyHanko's standard use needs the seal key as a PEM file. The benchmark exports the *same*
seal key (read through the SoftwareKeyStore's private ``_load``, for the benchmark only) to
an encrypted PKCS#8 PEM, next to the seal certificate and its chain, so both sides sign with
identical keys, certificates, timestamp authority and seal appearance.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from openseal.core.pki.issuance import certificate_to_pem
from tests.support.instance import make_instance

PASSPHRASE = b"bench-only-passphrase"
SEAL_TYPE = "contract"


@dataclass(frozen=True)
class BenchHome:
    """Where the instance lives and what a worker needs to find the seal."""

    home: Path
    seal_id: str
    key_pem: Path
    cert_pem: Path
    chain_pems: tuple[Path, ...]
    roots_pem: Path


def build_home(results: Path) -> BenchHome:
    """A fresh instance under ``results/home`` with one contract seal, plus PEM exports."""
    home = results / "home"
    shutil.rmtree(home, ignore_errors=True)
    instance = make_instance(home, seal_types=(SEAL_TYPE,))
    seal = instance.seals[SEAL_TYPE]
    with instance.wiring.context() as c:
        cert = c.pki.certificate(seal.cert_id)
        chain = c.pki.chain(seal.cert_id)
        key = c.keystore._load(seal.key_id)  # bench only: pyHanko's standard use needs a PEM
    pem_dir = home / "bench-pem"
    pem_dir.mkdir()
    key_pem = pem_dir / "seal-key.pem"
    key_pem.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSPHRASE)))
    cert_pem = pem_dir / "seal-cert.pem"
    cert_pem.write_text(certificate_to_pem(cert))
    chain_pems = []
    for n, ca in enumerate(chain):
        path = pem_dir / f"chain-{n}.pem"
        path.write_text(certificate_to_pem(ca))
        chain_pems.append(path)
    instance.wiring.engine.dispose()
    return BenchHome(home, seal.id, key_pem, cert_pem, tuple(chain_pems), instance.roots_pem)
