"""Secrets at rest and signed values, under keys derived from the instance's master key.

``SecretBox.encrypt`` protects TOTP seeds in the database (AES-256-GCM, a fresh nonce each
time, the purpose bound as associated data); ``SecretBox.mac`` signs small values such as the
trusted-device cookie. Each use gets its own key from HKDF-SHA256, so no key serves twice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from openseal.errors import IntegrityViolation


def _derive(master_key: bytes, purpose: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=b"openseal/" + purpose).derive(master_key)


class SecretBox:
    def __init__(self, master_key: bytes) -> None:
        self._aead = AESGCM(_derive(master_key, b"secrets-at-rest"))
        self._mac_key = _derive(master_key, b"mac")

    def encrypt(self, plaintext: str, purpose: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), purpose.encode())
        return "v1:" + base64.b64encode(nonce + sealed).decode()

    def decrypt(self, stored: str, purpose: str) -> str:
        try:
            raw = base64.b64decode(stored.removeprefix("v1:"))
            return self._aead.decrypt(raw[:12], raw[12:], purpose.encode()).decode()
        except (InvalidTag, ValueError) as exc:
            raise IntegrityViolation("SECRET_UNREADABLE", "存储的密钥材料无法解密",
                                     "A stored secret cannot be decrypted") from exc

    def mac(self, text: str) -> str:
        return hmac.new(self._mac_key, text.encode(), hashlib.sha256).hexdigest()

    def mac_matches(self, text: str, tag: str) -> bool:
        return hmac.compare_digest(self.mac(text), tag)
