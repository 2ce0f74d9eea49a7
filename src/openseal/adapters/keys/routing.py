"""The key store the services get: each key id goes to the store that holds it.

Ids starting with ``pkcs11:`` name a key in the PKCS#11 token (the rest of the id is its
label); every other id names a software key. The token store is made on first use of a token
key, so an instance without a token (or whose PIN is wrong) works as before for software keys
and refuses only token keys, with a clear message.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from asn1crypto import keys as asn1_keys

from openseal.adapters.keys.software import SoftwareKeyStore
from openseal.core.keys.model import KeyStore
from openseal.core.keys.stores import PKCS11_PREFIX
from openseal.errors import InvalidInput, Unavailable


def no_token() -> Unavailable:
    return Unavailable("PKCS11_NOT_CONFIGURED",
                       "未配置 PKCS#11 硬件令牌：请设置 OPENSEAL_PKCS11_LIBRARY、"
                       "OPENSEAL_PKCS11_TOKEN 和 OPENSEAL_PKCS11_PIN"
                       "（或 OPENSEAL_PKCS11_PIN_FILE）",
                       "No PKCS#11 token is configured: set OPENSEAL_PKCS11_LIBRARY, "
                       "OPENSEAL_PKCS11_TOKEN and OPENSEAL_PKCS11_PIN (or "
                       "OPENSEAL_PKCS11_PIN_FILE)", field="key_store")


class RoutingKeyStore:
    """KeyStore over the software store and, when configured, a PKCS#11 token."""

    def __init__(self, software: SoftwareKeyStore,
                 token: Callable[[], KeyStore] | None = None) -> None:
        self.software = software
        self._token_factory = token
        self._token: KeyStore | None = None
        self._lock = threading.Lock()

    @property
    def has_token(self) -> bool:
        return self._token_factory is not None

    def token(self) -> KeyStore:
        """The token store (made on first use); Unavailable PKCS11_NOT_CONFIGURED."""
        with self._lock:
            if self._token is None:
                if self._token_factory is None:
                    raise no_token()
                self._token = self._token_factory()
            return self._token

    def check(self) -> None:
        """Readiness: the token opens and logs in (nothing to check without a token)."""
        if self._token_factory is not None:
            token = self.token()
            check = getattr(token, "check", None)
            if check is not None:
                check()

    def generate_key(self, key_id: str, algorithm: str = "ecdsa") -> asn1_keys.PublicKeyInfo:
        store, name = self._route(key_id)
        return store.generate_key(name, algorithm)

    def import_key(self, key_id: str, pkcs8_der: bytes) -> asn1_keys.PublicKeyInfo:
        """Keep a key file's key (software only: a token key is made in the token or found
        there by label, never copied in from a file here)."""
        if key_id.startswith(PKCS11_PREFIX):
            raise InvalidInput("PKCS11_IMPORT_FILE",
                               "不能把密钥文件导入硬件令牌；请用令牌厂商的工具写入，"
                               "再按标签导入（--pkcs11-key）",
                               "A key file cannot be imported into the token here; put it "
                               "there with the vendor's tool and import by label "
                               "(--pkcs11-key)", field="key")
        return self.software.import_key(key_id, pkcs8_der)

    def public_key(self, key_id: str) -> asn1_keys.PublicKeyInfo:
        store, name = self._route(key_id)
        return store.public_key(name)

    def sign_raw(self, key_id: str, data: bytes, digest_algorithm: str) -> bytes:
        store, name = self._route(key_id)
        return store.sign_raw(name, data, digest_algorithm)

    def signature_algorithm(self, key_id: str, digest_algorithm: str) -> str:
        store, name = self._route(key_id)
        return store.signature_algorithm(name, digest_algorithm)

    def destroy_key(self, key_id: str) -> bool:
        store, name = self._route(key_id)
        return store.destroy_key(name)

    def _route(self, key_id: str) -> tuple[KeyStore, str]:
        if key_id.startswith(PKCS11_PREFIX):
            return self.token(), key_id[len(PKCS11_PREFIX):]
        return self.software, key_id
