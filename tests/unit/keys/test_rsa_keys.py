"""RSA keys in the software key store (issue 9 item 3, RSA seals): RSA-3072 generated and
kept encrypted like the others, RSASSA-PKCS1-v1_5 signatures checked by ``cryptography``
and the openssl CLI, imports (2048 bits at least), refusals."""

from __future__ import annotations

import secrets
import subprocess
from pathlib import Path

import pytest
from asn1crypto import pem
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from openseal.adapters.keys.software import SoftwareKeyStore
from openseal.core.keys.model import RSA_BITS, RSA_MIN_BITS
from openseal.errors import Conflict, InvalidInput
from tests.support.tools import require_tool

DATA = "DER(SignedAttributes) 待签数据".encode()
HASHES = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}


@pytest.fixture(scope="module")
def master() -> bytes:
    return secrets.token_bytes(32)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("rsa-keys") / "keys"


@pytest.fixture(scope="module")
def store(folder: Path, master: bytes) -> SoftwareKeyStore:
    """One store with one generated RSA key, "seal-rsa" (3072-bit keys take a moment)."""
    store = SoftwareKeyStore(folder, master)
    store.generate_key("seal-rsa", "rsa")
    return store


def public(store: SoftwareKeyStore, key_id: str) -> rsa.RSAPublicKey:
    key = serialization.load_der_public_key(store.public_key(key_id).dump())
    assert isinstance(key, rsa.RSAPublicKey)
    return key


def pkcs8(key: rsa.RSAPrivateKey, encoding: serialization.Encoding) -> bytes:
    return key.private_bytes(encoding, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def test_a_generated_rsa_key_is_3072_bits_with_exponent_65537(store: SoftwareKeyStore) -> None:
    spki = store.public_key("seal-rsa")
    assert spki["algorithm"]["algorithm"].native == "rsa"
    key = public(store, "seal-rsa")
    assert key.key_size == RSA_BITS == 3072 and key.public_numbers().e == 65537


@pytest.mark.parametrize("digest", ["sha256", "sha384", "sha512"])
def test_pkcs1_v15_signatures_verify_with_cryptography(store: SoftwareKeyStore,
                                                       digest: str) -> None:
    signature = store.sign_raw("seal-rsa", DATA, digest)
    assert len(signature) == RSA_BITS // 8
    assert store.signature_algorithm("seal-rsa", digest) == f"{digest}_rsa"
    key = public(store, "seal-rsa")
    key.verify(signature, DATA, padding.PKCS1v15(), HASHES[digest])
    with pytest.raises(InvalidSignature):
        key.verify(signature, DATA + b"x", padding.PKCS1v15(), HASHES[digest])
    with pytest.raises(InvalidSignature):  # PKCS#1 v1.5, not PSS
        key.verify(signature, DATA, padding.PSS(padding.MGF1(HASHES[digest]),
                                                padding.PSS.AUTO), HASHES[digest])
    # PKCS#1 v1.5 is deterministic; the digest name is case-blind
    assert store.sign_raw("seal-rsa", DATA, digest.upper()) == signature


def test_openssl_verifies_the_signature(store: SoftwareKeyStore, tmp_path: Path) -> None:
    openssl = require_tool("openssl")
    (tmp_path / "pub.pem").write_bytes(pem.armor("PUBLIC KEY", store.public_key("seal-rsa")
                                                 .dump()))
    (tmp_path / "data").write_bytes(DATA)
    (tmp_path / "sig").write_bytes(store.sign_raw("seal-rsa", DATA, "sha256"))
    done = subprocess.run([openssl, "dgst", "-sha256", "-verify", str(tmp_path / "pub.pem"),
                           "-signature", str(tmp_path / "sig"), str(tmp_path / "data")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "Verified OK" in done.stdout, done.stdout + done.stderr
    (tmp_path / "data").write_bytes(DATA + b"x")
    bad = subprocess.run([openssl, "dgst", "-sha256", "-verify", str(tmp_path / "pub.pem"),
                          "-signature", str(tmp_path / "sig"), str(tmp_path / "data")],
                         capture_output=True, text=True, check=False)
    assert bad.returncode != 0 and "Verification failure" in bad.stdout + bad.stderr


@pytest.mark.parametrize("digest", ["sm3", "sha1", "md5", ""])
def test_a_wrong_digest_is_refused(store: SoftwareKeyStore, digest: str) -> None:
    for call in (lambda: store.sign_raw("seal-rsa", DATA, digest),
                 lambda: store.signature_algorithm("seal-rsa", digest)):
        with pytest.raises(InvalidInput) as refused:
            call()
        assert refused.value.code == "KEY_DIGEST"
        assert "sha256, sha384, sha512" in refused.value.en
        assert "摘要算法" in refused.value.zh


def test_the_file_is_encrypted_pkcs8_and_reloads(store: SoftwareKeyStore, folder: Path,
                                                 master: bytes) -> None:
    blob = (folder / "seal-rsa.key").read_bytes()
    assert (folder / "seal-rsa.key").stat().st_mode & 0o777 == 0o600
    assert b"\x30\x82" not in blob[:16]  # not a bare DER key
    der = AESGCM(master).decrypt(blob[:12], blob[12:], b"seal-rsa")
    key = serialization.load_der_private_key(der, password=None)
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == RSA_BITS
    reloaded = SoftwareKeyStore(folder, master)  # a new process: nothing cached
    assert reloaded.sign_raw("seal-rsa", DATA, "sha256") == \
        store.sign_raw("seal-rsa", DATA, "sha256")
    with pytest.raises(Conflict):
        store.generate_key("seal-rsa", "rsa")


@pytest.mark.parametrize("form", ["DER", "PEM"])
def test_an_rsa_2048_key_is_imported(store: SoftwareKeyStore, folder: Path, form: str) -> None:
    key = rsa.generate_private_key(65537, RSA_MIN_BITS)
    key_id = f"imported-{form}"
    spki = store.import_key(key_id, pkcs8(key, getattr(serialization.Encoding, form)))
    assert spki.dump() == key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    signature = store.sign_raw(key_id, DATA, "sha384")
    key.public_key().verify(signature, DATA, padding.PKCS1v15(), hashes.SHA384())
    assert (folder / f"{key_id}.key").exists()


def test_a_too_small_rsa_key_is_refused_and_nothing_stored(store: SoftwareKeyStore,
                                                          folder: Path) -> None:
    small = rsa.generate_private_key(65537, 1024)
    with pytest.raises(InvalidInput) as refused:
        store.import_key("weak", pkcs8(small, serialization.Encoding.DER))
    assert refused.value.code == "KEY_RSA_TOO_SMALL"
    assert refused.value.en == ("The RSA key is too short (1024 bits): at least 2048 bits are "
                                "required")
    assert refused.value.zh == "RSA 密钥过短（1024 位），至少需要 2048 位"
    assert not (folder / "weak.key").exists()


def test_an_encrypted_rsa_key_is_refused(store: SoftwareKeyStore, folder: Path) -> None:
    key = rsa.generate_private_key(65537, RSA_MIN_BITS)
    encrypted = key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.BestAvailableEncryption(b"pw"))
    with pytest.raises(InvalidInput) as refused:
        store.import_key("locked", encrypted)
    assert refused.value.code == "SM2_KEY_PASSWORD" and "password" in refused.value.en
    assert not (folder / "locked.key").exists()
