"""SM2 keys in the software key store, next to its ECDSA keys (which must not change):
signatures checked by gmalglib and the openssl CLI, the file format, imports, refusals."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

import pytest
from asn1crypto import algos, pem
from asn1crypto import keys as asn1_keys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from gmalglib import sm2 as gmalg_sm2

from openseal.adapters.keys.software import SoftwareKeyStore
from openseal.core.gm import keys, sm2
from openseal.errors import Conflict, IntegrityViolation, InvalidInput, NotFound
from tests.support import openssl_sm2

DATA = "DER(TBS_Sign) 待签数据".encode()


@pytest.fixture()
def master() -> bytes:
    return secrets.token_bytes(32)


@pytest.fixture()
def store(tmp_path: Path, master: bytes) -> SoftwareKeyStore:
    return SoftwareKeyStore(tmp_path / "keys", master)


def gmalglib_verify(spki: asn1_keys.PublicKeyInfo, data: bytes, signature: bytes) -> bool:
    raw = algos.DSASignature.load(signature).to_p1363()
    return bool(gmalg_sm2.SM2(pk=b"\x04" + keys.public_point(spki)).verify(data, raw))


def decrypt_file(tmp_path: Path, master: bytes, key_id: str) -> bytes:
    blob = (tmp_path / "keys" / f"{key_id}.key").read_bytes()
    return AESGCM(master).decrypt(blob[:12], blob[12:], key_id.encode())


def test_sm2_key_signs_and_two_others_agree(store: SoftwareKeyStore, tmp_path: Path) -> None:
    spki = store.generate_key("seal-sm2", "sm2")
    assert keys.is_sm2(spki) and store.public_key("seal-sm2").dump() == spki.dump()
    assert store.signature_algorithm("seal-sm2", "sm3") == "sm2_sm3"
    signature = store.sign_raw("seal-sm2", DATA, "sm3")
    assert sm2.verify(keys.public_point(spki), DATA, signature)
    assert gmalglib_verify(spki, DATA, signature)
    assert openssl_sm2.verify(pem.armor("PUBLIC KEY", spki.dump()), DATA, signature, tmp_path)
    assert not sm2.verify(keys.public_point(spki), DATA + b"x", signature)
    assert store.sign_raw("seal-sm2", DATA, "SM3") != signature  # case-blind, randomised


def test_file_is_encrypted_pkcs8_with_the_sm2_curve(
        store: SoftwareKeyStore, tmp_path: Path, master: bytes) -> None:
    spki = store.generate_key("k", "sm2")
    der = decrypt_file(tmp_path, master, "k")
    info = asn1_keys.PrivateKeyInfo.load(der)
    assert info["private_key_algorithm"]["parameters"].chosen.native == "sm2"
    private, public = keys.load_private_key(der)
    assert keys.public_key_info(public).dump() == spki.dump()
    (tmp_path / "k.der").write_bytes(der)
    # OpenSSL reads the stored key as the same key.
    pub = openssl_sm2.run("pkey", "-inform", "DER", "-in", tmp_path / "k.der", "-pubout",
                          "-outform", "DER").stdout
    assert pub == spki.dump()


def test_reloaded_key_signs_and_is_then_cached(tmp_path: Path, master: bytes) -> None:
    spki = SoftwareKeyStore(tmp_path / "keys", master).generate_key("k", "sm2")
    fresh = SoftwareKeyStore(tmp_path / "keys", master)
    signature = fresh.sign_raw("k", DATA, "sm3")
    assert sm2.verify(keys.public_point(spki), DATA, signature)
    shutil.move(tmp_path / "keys" / "k.key", tmp_path / "elsewhere")
    # Signing again does not read the file: the decrypted key is kept in memory.
    assert sm2.verify(keys.public_point(spki), DATA, fresh.sign_raw("k", DATA, "sm3"))
    with pytest.raises(NotFound):
        SoftwareKeyStore(tmp_path / "keys", master).sign_raw("k", DATA, "sm3")


def test_wrong_digests_are_refused(store: SoftwareKeyStore) -> None:
    store.generate_key("sm2", "sm2")
    store.generate_key("ec")
    for key_id, digest in (("sm2", "sha256"), ("sm2", "sm2"), ("ec", "sm3"), ("ec", "md5")):
        with pytest.raises(InvalidInput) as err:
            store.sign_raw(key_id, DATA, digest)
        assert err.value.code == "KEY_DIGEST" and digest in err.value.en and err.value.zh
        with pytest.raises(InvalidInput) as err:
            store.signature_algorithm(key_id, digest)
        assert err.value.code == "KEY_DIGEST"


def test_algorithm_names(store: SoftwareKeyStore, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as err:
        store.generate_key("k", "dsa")
    assert err.value.code == "KEY_ALGORITHM"
    assert not (tmp_path / "keys" / "k.key").exists()
    store.generate_key("default")
    assert store.signature_algorithm("default", "sha256") == "sha256_ecdsa"
    assert store.public_key("default")["algorithm"]["parameters"].chosen.native == "secp256r1"


def test_ecdsa_files_written_before_sm2_support_still_load(
        tmp_path: Path, master: bytes) -> None:
    """A key file exactly as the store wrote it before SM2 (cryptography's PKCS#8 DER)."""
    key = ec.generate_private_key(ec.SECP256R1())
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    nonce = secrets.token_bytes(12)
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "old.key").write_bytes(
        nonce + AESGCM(master).encrypt(nonce, der, b"old"))
    store = SoftwareKeyStore(tmp_path / "keys", master)
    signature = store.sign_raw("old", DATA, "sha256")
    key.public_key().verify(signature, DATA, ec.ECDSA(hashes.SHA256()))
    assert store.signature_algorithm("old", "sha256") == "sha256_ecdsa"


def test_import_openssl_key(store: SoftwareKeyStore, tmp_path: Path, master: bytes) -> None:
    key = openssl_sm2.genkey(tmp_path / "key.pem")
    spki = store.import_key("imported", key.read_bytes())
    openssl_public = openssl_sm2.run("pkey", "-in", key, "-pubout").stdout
    assert pem.unarmor(openssl_public)[2] == spki.dump()
    signature = store.sign_raw("imported", DATA, "sm3")
    assert openssl_sm2.verify(openssl_public, DATA, signature, tmp_path)
    # Stored as PKCS#8 DER like a generated key.
    assert keys.load_private_key(decrypt_file(tmp_path, master, "imported")) == \
        keys.load_private_key(key.read_bytes())
    with pytest.raises(Conflict):
        store.import_key("imported", key.read_bytes())


def test_import_ecdsa_and_refusals(store: SoftwareKeyStore, tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    store.import_key("ec", der)
    key.public_key().verify(store.sign_raw("ec", DATA, "sha256"), DATA,
                            ec.ECDSA(hashes.SHA256()))
    ed25519_der = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    encrypted = openssl_sm2.run("pkcs8", "-topk8", "-in",
                                openssl_sm2.genkey(tmp_path / "k.pem"),
                                "-passout", "pass:pw").stdout
    for data, code in ((ed25519_der, "KEY_ALGORITHM"), (b"garbage", "SM2_KEY_INVALID"),
                       (encrypted, "SM2_KEY_PASSWORD")):
        with pytest.raises(InvalidInput) as err:
            store.import_key("bad", data)
        assert err.value.code == code
    assert not (tmp_path / "keys" / "bad.key").exists()


def test_destroy_and_integrity_for_sm2(tmp_path: Path, master: bytes) -> None:
    store = SoftwareKeyStore(tmp_path / "keys", master)
    store.generate_key("a", "sm2")
    store.generate_key("b", "sm2")
    (tmp_path / "keys" / "a.key").write_bytes((tmp_path / "keys" / "b.key").read_bytes())
    with pytest.raises(IntegrityViolation):
        SoftwareKeyStore(tmp_path / "keys", master).sign_raw("a", DATA, "sm3")
    assert store.destroy_key("b") and not store.destroy_key("b")
    with pytest.raises(NotFound):
        store.sign_raw("b", DATA, "sm3")
