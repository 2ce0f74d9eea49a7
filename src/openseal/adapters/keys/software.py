"""Software key store: EC P-256 keys, encrypted at rest with AES-256-GCM under a master key.

Each key is one file ``<dir>/<key_id>.key`` (mode 0600) holding nonce || ciphertext of the
PKCS#8 DER key; the key id is bound in as associated data, so swapping files is detected.
Decrypted keys are kept in memory after first use: sealing never reloads a key.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
from pathlib import Path

from asn1crypto import keys as asn1_keys
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from openseal.errors import Conflict, IntegrityViolation, InvalidInput, NotFound

_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}


class SoftwareKeyStore:
    """KeyStore backed by encrypted files. Thread-safe."""

    def __init__(self, directory: Path, master_key: bytes) -> None:
        if len(master_key) != 32:
            raise InvalidInput("MASTER_KEY_LENGTH", "主密钥必须为 32 字节",
                               "The master key must be 32 bytes")
        self._dir = directory
        self._aead = AESGCM(master_key)
        self._cache: dict[str, ec.EllipticCurvePrivateKey] = {}
        self._lock = threading.Lock()

    def generate_key(self, key_id: str) -> asn1_keys.PublicKeyInfo:
        path = self._path(key_id)
        if path.exists():
            raise Conflict("KEY_EXISTS", f"密钥 {key_id} 已存在", f"Key {key_id} exists")
        key = ec.generate_private_key(ec.SECP256R1())
        der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        nonce = secrets.token_bytes(12)
        blob = nonce + self._aead.encrypt(nonce, der, key_id.encode())
        _write_private_file(path, blob)
        with self._lock:
            self._cache[key_id] = key
        return _public_info(key)

    def public_key(self, key_id: str) -> asn1_keys.PublicKeyInfo:
        return _public_info(self._load(key_id))

    def sign_raw(self, key_id: str, data: bytes, digest_algorithm: str) -> bytes:
        key = self._load(key_id)
        return key.sign(data, ec.ECDSA(_HASHES[digest_algorithm.lower()]()))

    def signature_algorithm(self, key_id: str, digest_algorithm: str) -> str:
        return f"{digest_algorithm.lower()}_ecdsa"

    def destroy_key(self, key_id: str) -> bool:
        """Overwrite the key file with random bytes, flush it, unlink it, forget the cached
        key. (On flash storage or copy-on-write file systems an overwrite cannot promise the
        old blocks are gone; the key is encrypted under the master key there as well.)"""
        path = self._path(key_id)
        with self._lock:
            self._cache.pop(key_id, None)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return False
        with path.open("r+b") as fh:
            fh.write(secrets.token_bytes(size))
            fh.flush()
            os.fsync(fh.fileno())
        path.unlink()
        return True

    def _load(self, key_id: str) -> ec.EllipticCurvePrivateKey:
        cached = self._cache.get(key_id)
        if cached is not None:
            return cached
        path = self._path(key_id)
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            raise NotFound("KEY_NOT_FOUND", f"找不到密钥 {key_id}",
                           f"Key {key_id} not found") from None
        try:
            der = self._aead.decrypt(blob[:12], blob[12:], key_id.encode())
        except InvalidTag:
            raise IntegrityViolation(
                "KEY_DECRYPT_FAILED", f"密钥 {key_id} 无法解密：主密钥不对或文件被改动",
                f"Key {key_id} cannot be decrypted: wrong master key or altered file",
            ) from None
        key = serialization.load_der_private_key(der, password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        with self._lock:
            self._cache[key_id] = key
        return key

    def _path(self, key_id: str) -> Path:
        if not _KEY_ID.match(key_id):
            raise InvalidInput("KEY_ID", f"密钥标识不合法：{key_id!r}", f"Bad key id {key_id!r}")
        return self._dir / f"{key_id}.key"


def _public_info(key: ec.EllipticCurvePrivateKey) -> asn1_keys.PublicKeyInfo:
    der = key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    return asn1_keys.PublicKeyInfo.load(der)


def _write_private_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically with mode 0600 (never world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(path.suffix + f".{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
