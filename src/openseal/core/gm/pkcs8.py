"""Decrypt an encrypted PKCS#8 private key (PBES2, RFC 8018) whatever the curve.

``cryptography`` decrypts PKCS#8 only together with loading the key, which fails for SM2
("Curve 1.2.156.10197.1.301 is not supported"), so PBES2 is unwrapped here with its
primitives. Read: PBKDF2 with HMAC-SHA-1/-224/-256/-384/-512 (OpenSSL's ``pkcs8 -topk8``
default is HMAC-SHA-256) or HMAC-SM3 (GmSSL), and AES-128/192/256-CBC or SM4-CBC. Not
read (refused with ``SM2_KEY_ENCRYPTION``): PBES1, scrypt, other ciphers.
"""

from __future__ import annotations

from asn1crypto import algos, keys
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from openseal.core.gm import oids
from openseal.errors import InvalidInput

_PRF: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256,
    "sha384": hashes.SHA384, "sha512": hashes.SHA512, oids.HMAC_SM3: hashes.SM3,
}
_CIPHERS: dict[str, tuple[type[algorithms.AES] | type[algorithms.SM4], int]] = {
    "aes128_cbc": (algorithms.AES, 16), "aes192_cbc": (algorithms.AES, 24),
    "aes256_cbc": (algorithms.AES, 32), oids.SM4_CBC: (algorithms.SM4, 16),
}
_MAX_ITERATIONS = 10_000_000  # a hostile file must not keep a worker busy for hours


def decrypt_pkcs8(der: bytes, password: bytes | None) -> bytes:
    """The PrivateKeyInfo DER inside an EncryptedPrivateKeyInfo ``der``.

    Raises InvalidInput: SM2_KEY_PASSWORD (no password, or a wrong one), SM2_KEY_ENCRYPTION
    (an encryption scheme we do not read), SM2_KEY_INVALID (malformed).
    """
    if password is None:
        raise InvalidInput("SM2_KEY_PASSWORD", "私钥已加密，需要口令",
                           "the private key is encrypted: a password is needed")
    try:
        info = keys.EncryptedPrivateKeyInfo.load(der)
        scheme = info["encryption_algorithm"]
        key, cipher = _derive(scheme, password)
        ciphertext = info["encrypted_data"].native
    except (ValueError, TypeError, KeyError):
        raise InvalidInput("SM2_KEY_INVALID", "加密私钥格式不对",
                           "malformed encrypted private key") from None
    try:
        decryptor = Cipher(cipher(key), modes.CBC(_iv(scheme))).decryptor()
        padded = decryptor.update(ciphertext) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        plain = unpadder.update(padded) + unpadder.finalize()
        keys.PrivateKeyInfo.load(plain, strict=True).native  # noqa: B018 (checks it parses)
    except (ValueError, TypeError, KeyError):
        raise InvalidInput("SM2_KEY_PASSWORD", "口令不对，无法解密私钥",
                           "wrong password: the private key cannot be decrypted") from None
    return plain


def _derive(scheme: algos.EncryptionAlgorithm,
            password: bytes) -> tuple[bytes, type[algorithms.AES] | type[algorithms.SM4]]:
    if scheme["algorithm"].native != "pbes2" or scheme.kdf != "pbkdf2":
        raise _unsupported(str(scheme["algorithm"].native))
    cipher_name = scheme["parameters"]["encryption_scheme"]["algorithm"].native
    prf = scheme.kdf_hmac
    if cipher_name not in _CIPHERS or prf not in _PRF:
        raise _unsupported(f"{cipher_name}, hmac {prf}")
    cipher, length = _CIPHERS[cipher_name]
    iterations = scheme.kdf_iterations
    if not 0 < iterations <= _MAX_ITERATIONS:
        raise _unsupported(f"{iterations} PBKDF2 iterations")
    kdf = PBKDF2HMAC(_PRF[prf](), length, scheme.kdf_salt, iterations)
    return kdf.derive(password), cipher


def _iv(scheme: algos.EncryptionAlgorithm) -> bytes:
    iv = scheme["parameters"]["encryption_scheme"]["parameters"].native
    if not isinstance(iv, bytes) or len(iv) != 16:
        raise ValueError("bad IV")
    return iv


def _unsupported(what: str) -> InvalidInput:
    return InvalidInput("SM2_KEY_ENCRYPTION", f"不支持这种私钥加密方式（{what}）",
                        f"unsupported private key encryption ({what})", scheme=what)
