"""Software key store: encrypted at rest, 0600, never readable without the master key."""

from __future__ import annotations

import hashlib
import secrets
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

from openseal.adapters.keys.software import SoftwareKeyStore
from openseal.errors import Conflict, IntegrityViolation, InvalidInput, NotFound


@pytest.fixture()
def store(tmp_path: Path) -> SoftwareKeyStore:
    return SoftwareKeyStore(tmp_path / "keys", secrets.token_bytes(32))


def test_signature_verifies_with_the_public_key(store: SoftwareKeyStore) -> None:
    public = store.generate_key("seal-1")
    signature = store.sign_raw("seal-1", b"to be signed", "sha256")
    key = load_der_public_key(public.dump())
    assert isinstance(key, ec.EllipticCurvePublicKey)
    key.verify(signature, b"to be signed", ec.ECDSA(hashes.SHA256()))


def test_key_file_is_private_and_encrypted(store: SoftwareKeyStore, tmp_path: Path) -> None:
    store.generate_key("seal-1")
    path = tmp_path / "keys" / "seal-1.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    blob = path.read_bytes()
    assert b"PRIVATE KEY" not in blob and b"\x30\x81" not in blob[:14]


def test_wrong_master_key_cannot_decrypt(tmp_path: Path) -> None:
    SoftwareKeyStore(tmp_path / "keys", secrets.token_bytes(32)).generate_key("k")
    other = SoftwareKeyStore(tmp_path / "keys", secrets.token_bytes(32))
    with pytest.raises(IntegrityViolation) as err:
        other.sign_raw("k", b"x", "sha256")
    assert err.value.code == "KEY_DECRYPT_FAILED"


def test_swapped_key_files_are_detected(tmp_path: Path) -> None:
    master = secrets.token_bytes(32)
    store = SoftwareKeyStore(tmp_path / "keys", master)
    store.generate_key("a")
    store.generate_key("b")
    (tmp_path / "keys" / "a.key").write_bytes((tmp_path / "keys" / "b.key").read_bytes())
    with pytest.raises(IntegrityViolation):
        SoftwareKeyStore(tmp_path / "keys", master).sign_raw("a", b"x", "sha256")


def test_duplicate_missing_and_bad_ids(store: SoftwareKeyStore) -> None:
    store.generate_key("k")
    with pytest.raises(Conflict):
        store.generate_key("k")
    with pytest.raises(NotFound):
        store.sign_raw("nope", b"x", "sha256")
    with pytest.raises(InvalidInput):
        store.generate_key("../escape")


def test_each_key_is_distinct(store: SoftwareKeyStore) -> None:
    keys = {hashlib.sha256(store.generate_key(f"k{i}").dump()).hexdigest() for i in range(5)}
    assert len(keys) == 5


def test_master_key_must_be_32_bytes(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        SoftwareKeyStore(tmp_path, b"short")
