"""Software key store: EC P-256, RSA and SM2 keys, encrypted at rest with AES-256-GCM under
a master key.

Each key is one file ``<dir>/<key_id>.key`` (mode 0600) holding nonce || ciphertext of the
PKCS#8 DER key; the key id is bound in as associated data, so swapping files is detected.
The PKCS#8 says what a key is: SM2 (curve 1.2.156.10197.1.301, signed through
``openseal.core.gm.sm2``), any other EC curve (ECDSA through ``cryptography``) or RSA
(RSASSA-PKCS1-v1_5 through ``cryptography``). Decrypted keys are kept in memory after first
use: sealing never reloads a key.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import pem
from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from openseal.core.gm import keys as gm_keys
from openseal.core.gm import sm2
from openseal.core.keys.model import RSA_BITS, RSA_MIN_BITS
from openseal.errors import Conflict, IntegrityViolation, InvalidInput, NotFound

_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}
ALGORITHMS = ("ecdsa", "rsa", "sm2")
RSA_PUBLIC_EXPONENT = 65537


@dataclass(frozen=True, repr=False)
class _Sm2Key:
    """A raw SM2 key pair (``openseal.core.gm.sm2``). No repr: it would print the key."""

    private: bytes
    public: bytes


_Key = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | _Sm2Key


class SoftwareKeyStore:
    """KeyStore backed by encrypted files. Thread-safe."""

    def __init__(self, directory: Path, master_key: bytes) -> None:
        if len(master_key) != 32:
            raise InvalidInput("MASTER_KEY_LENGTH", "主密钥必须为 32 字节",
                               "The master key must be 32 bytes")
        self._dir = directory
        self._aead = AESGCM(master_key)
        self._cache: dict[str, _Key] = {}
        self._lock = threading.Lock()

    def generate_key(self, key_id: str, algorithm: str = "ecdsa") -> asn1_keys.PublicKeyInfo:
        """A new key: "ecdsa" (P-256), "rsa" (RSA_BITS) or "sm2". Conflict if ``key_id``
        exists."""
        if algorithm not in ALGORITHMS:
            raise InvalidInput("KEY_ALGORITHM", f"不支持的密钥算法：{algorithm!r}",
                               f"Unsupported key algorithm {algorithm!r}",
                               algorithm=algorithm, allowed=list(ALGORITHMS))
        self._check_free(key_id)
        key: _Key
        if algorithm == "sm2":
            key = _Sm2Key(*sm2.generate())
        elif algorithm == "rsa":
            key = rsa.generate_private_key(RSA_PUBLIC_EXPONENT, RSA_BITS)
        else:
            key = ec.generate_private_key(ec.SECP256R1())
        return self._store(key_id, key)

    def import_key(self, key_id: str, pkcs8_der: bytes) -> asn1_keys.PublicKeyInfo:
        """Keep a key made elsewhere (unencrypted PKCS#8, DER or PEM; SM2 keys also SEC1)
        and return its public key. It is stored like a generated one. Conflict if
        ``key_id`` exists; InvalidInput for anything but an SM2, EC or RSA private key, and
        KEY_RSA_TOO_SMALL for an RSA key under RSA_MIN_BITS bits."""
        self._check_free(key_id)
        return self._store(key_id, _strong_enough(_parse_key(pkcs8_der)))

    def public_key(self, key_id: str) -> asn1_keys.PublicKeyInfo:
        return _public_info(self._load(key_id))

    def sign_raw(self, key_id: str, data: bytes, digest_algorithm: str) -> bytes:
        """ECDSA (DER) or RSASSA-PKCS1-v1_5 with sha256/sha384/sha512, or SM2 (DER, signer
        ID 1234567812345678) with sm3; InvalidInput for another digest."""
        key = self._load(key_id)
        digest = _check_digest(key, digest_algorithm)
        if isinstance(key, _Sm2Key):
            return sm2.sign(key.private, key.public, data)
        if isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), _HASHES[digest]())
        return key.sign(data, ec.ECDSA(_HASHES[digest]()))

    def signature_algorithm(self, key_id: str, digest_algorithm: str) -> str:
        """"sha256_ecdsa", "sha256_rsa" (PKCS#1 v1.5) etc., or "sm2_sm3" for an SM2 key
        (which signs with SM3 only)."""
        key = self._load(key_id)
        digest = _check_digest(key, digest_algorithm)
        if isinstance(key, _Sm2Key):
            return "sm2_sm3"
        return f"{digest}_rsa" if isinstance(key, rsa.RSAPrivateKey) else f"{digest}_ecdsa"

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

    def _check_free(self, key_id: str) -> Path:
        path = self._path(key_id)
        if path.exists():
            raise Conflict("KEY_EXISTS", f"密钥 {key_id} 已存在", f"Key {key_id} exists")
        return path

    def _store(self, key_id: str, key: _Key) -> asn1_keys.PublicKeyInfo:
        path = self._check_free(key_id)
        nonce = secrets.token_bytes(12)
        blob = nonce + self._aead.encrypt(nonce, _pkcs8(key), key_id.encode())
        _write_private_file(path, blob)
        with self._lock:
            self._cache[key_id] = key
        return _public_info(key)

    def _load(self, key_id: str) -> _Key:
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
        key = _parse_key(der)
        with self._lock:
            self._cache[key_id] = key
        return key

    def _path(self, key_id: str) -> Path:
        if not _KEY_ID.match(key_id):
            raise InvalidInput("KEY_ID", f"密钥标识不合法：{key_id!r}", f"Bad key id {key_id!r}")
        return self._dir / f"{key_id}.key"


def _parse_key(data: bytes) -> _Key:
    """The private key in ``data``: SM2 (curve 1.2.156.10197.1.301), another EC curve or
    RSA (``cryptography``); InvalidInput for anything else. Key files always hold PKCS#8
    DER; imported keys may also be PEM (SM2: SEC1 too)."""
    try:
        return _Sm2Key(*gm_keys.load_private_key(data))
    except InvalidInput as exc:
        if exc.code != "SM2_KEY_NOT_SM2":
            raise
    try:
        if pem.detect(data):
            key = serialization.load_pem_private_key(data, password=None)
        else:
            key = serialization.load_der_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise InvalidInput("KEY_INVALID", "无法读取私钥（需要未加密的 PKCS#8）",
                           "Unreadable private key (unencrypted PKCS#8 expected)") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise InvalidInput("KEY_ALGORITHM", "只支持 SM2、EC（ECDSA）和 RSA 私钥",
                           "Only SM2, EC (ECDSA) and RSA private keys are supported")
    return key


def _strong_enough(key: _Key) -> _Key:
    """``key``, unless it is an RSA key under RSA_MIN_BITS bits (InvalidInput)."""
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size < RSA_MIN_BITS:
        raise InvalidInput(
            "KEY_RSA_TOO_SMALL",
            f"RSA 密钥过短（{key.key_size} 位），至少需要 {RSA_MIN_BITS} 位",
            f"The RSA key is too short ({key.key_size} bits): at least {RSA_MIN_BITS} bits "
            "are required", bits=key.key_size, minimum=RSA_MIN_BITS)
    return key


def _pkcs8(key: _Key) -> bytes:
    if isinstance(key, _Sm2Key):
        return gm_keys.private_key_info(key.private, key.public)
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _check_digest(key: _Key, digest_algorithm: str) -> str:
    digest = digest_algorithm.lower()
    allowed = ("sm3",) if isinstance(key, _Sm2Key) else tuple(_HASHES)
    if digest not in allowed:
        names = ", ".join(allowed)
        raise InvalidInput(
            "KEY_DIGEST", f"此密钥不能使用摘要算法 {digest_algorithm!r}（可用：{names}）",
            f"This key cannot sign with digest {digest_algorithm!r} (allowed: {names})",
            digest=digest_algorithm, allowed=list(allowed))
    return digest


def _public_info(key: _Key) -> asn1_keys.PublicKeyInfo:
    if isinstance(key, _Sm2Key):
        return gm_keys.public_key_info(key.public)
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
