"""PKCS#11 key store: seal keys generated inside a token (HSM, smart card; tested on
SoftHSM2) that never leave it.

Keys are made with CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE true and CKA_EXTRACTABLE false, so
the token refuses to reveal or wrap them; the host only ever gets signatures. A key is found
by its label (``CKA_LABEL``; CKA_ID holds the same bytes for keys made here). EC keys (P-256
made here; any curve the token has for imported ones) sign with CKM_ECDSA over a digest the
host computes; RSA keys (3072 bits made here) with CKM_SHA<n>_RSA_PKCS.

One session is opened on first use, logged in once and reused under a lock (PKCS#11 sessions
are not safe for concurrent calls): sealing never logs in per document. The PIN is asked of
a callable when that first session opens; it is never logged, never kept in a repr, never put
in an error message.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

import pkcs11
from asn1crypto import keys as asn1_keys
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11 import exceptions as p11
from pkcs11.util.ec import (
    encode_ec_public_key,
    encode_ecdsa_signature,
    encode_named_curve_parameters,
)
from pkcs11.util.rsa import encode_rsa_public_key

from openseal.core.keys.stores import sm2_not_in_token
from openseal.errors import Conflict, InvalidInput, NotFound, OpenSealError, Unavailable

_LABEL = re.compile(r"^[^\x00-\x1f\x7f]{1,93}$")  # 93 = 100 (the key_id column) - "pkcs11:"
_DIGESTS = ("sha256", "sha384", "sha512")
_RSA_MECHANISMS = {"sha256": Mechanism.SHA256_RSA_PKCS, "sha384": Mechanism.SHA384_RSA_PKCS,
                   "sha512": Mechanism.SHA512_RSA_PKCS}
ALGORITHMS = ("ecdsa", "rsa")
RSA_BITS = 3072  # 128-bit strength, like P-256 (NIST SP 800-57)
_PRIVATE_TEMPLATE = {Attribute.TOKEN: True, Attribute.PRIVATE: True, Attribute.SENSITIVE: True,
                     Attribute.EXTRACTABLE: False, Attribute.SIGN: True,
                     Attribute.DECRYPT: False, Attribute.UNWRAP: False, Attribute.DERIVE: False}
_PUBLIC_TEMPLATE = {Attribute.TOKEN: True, Attribute.VERIFY: True, Attribute.ENCRYPT: False,
                    Attribute.WRAP: False}


class Pkcs11KeyStore:
    """KeyStore over one PKCS#11 token, by label. Thread-safe; fork-aware (a child process
    opens its own session)."""

    def __init__(self, library_path: str, token_label: str, pin: str | Callable[[], str]
                 ) -> None:
        self._library_path = library_path
        self._token_label = token_label
        self._pin = pin if callable(pin) else (lambda: pin)
        self._lock = threading.RLock()
        self._session: Any = None
        self._pid = 0
        self._handles: dict[str, Any] = {}  # label -> private key object of this session
        self._refused_pin: bytes | None = None  # keyed hash of a PIN the token refused
        self._pin_key = secrets.token_bytes(32)

    def check(self) -> None:
        """Open the token and log in now (readiness probes); Unavailable if that fails."""
        with self._lock:
            self._open()

    def __repr__(self) -> str:
        return f"Pkcs11KeyStore(library={self._library_path!r}, token={self._token_label!r})"

    def generate_key(self, key_id: str, algorithm: str = "ecdsa") -> asn1_keys.PublicKeyInfo:
        """A new non-extractable key pair in the token: "ecdsa" (P-256) or "rsa" (3072).
        SM2: InvalidInput PKCS11_SM2 (no token mechanism for it). Conflict if the label is
        taken."""
        if algorithm == "sm2":
            raise sm2_not_in_token()
        if algorithm not in ALGORITHMS:
            raise InvalidInput("KEY_ALGORITHM", f"硬件令牌不支持的密钥算法：{algorithm!r}",
                               f"Unsupported key algorithm for the token: {algorithm!r}",
                               algorithm=algorithm, allowed=list(ALGORITHMS))
        label = _checked_label(key_id)
        with self._lock:
            session = self._open()
            if self._find(session, label, ObjectClass.PRIVATE_KEY) is not None:
                raise Conflict("KEY_EXISTS", f"令牌中已有标签为 {label} 的密钥",
                               f"The token holds a key labelled {label} already")
            public, _ = self._call(lambda: _generate(session, label, algorithm))
            return self._call(lambda: _public_info(public))

    def public_key(self, key_id: str) -> asn1_keys.PublicKeyInfo:
        """The token's public key object of ``key_id`` (found by label, else by the private
        key's CKA_ID); NotFound when the token has no such key."""
        label = _checked_label(key_id)
        with self._lock:
            session = self._open()
            private = self._private(session, label)
            public = self._find(session, label, ObjectClass.PUBLIC_KEY)
            if public is None:
                public = self._call(lambda: _public_by_id(session, private))
            if public is None:
                raise InvalidInput("PKCS11_NO_PUBLIC_KEY",
                                   f"令牌中的密钥 {label} 没有对应的公钥对象",
                                   f"The token key {label} has no public key object")
            return self._call(lambda: _public_info(public))

    def sign_raw(self, key_id: str, data: bytes, digest_algorithm: str) -> bytes:
        """ECDSA (DER r,s; the digest made here, CKM_ECDSA in the token) or RSASSA-PKCS1-v1_5
        (CKM_SHA<n>_RSA_PKCS) with sha256/sha384/sha512."""
        digest = _checked_digest(digest_algorithm)
        label = _checked_label(key_id)
        with self._lock:
            for pause in (*_TRANSIENT_PAUSES, None):
                try:
                    return bytes(self._with_key(label, lambda key: _sign(key, data, digest)))
                except Unavailable as exc:
                    if pause is None or exc.fields.get("reason") not in _TRANSIENT:
                        raise
                self._session = None  # again, on a session opened afresh
                time.sleep(pause)
            raise AssertionError("unreachable")

    def signature_algorithm(self, key_id: str, digest_algorithm: str) -> str:
        digest = _checked_digest(digest_algorithm)
        label = _checked_label(key_id)
        with self._lock:
            rsa = self._with_key(label, lambda key: key.key_type == KeyType.RSA)
            return f"{digest}_rsa" if rsa else f"{digest}_ecdsa"

    def destroy_key(self, key_id: str) -> bool:
        """Delete the key pair's objects from the token; False if there were none."""
        label = _checked_label(key_id)
        with self._lock:
            session = self._open()
            self._handles.pop(label, None)
            found = [o for cls in (ObjectClass.PRIVATE_KEY, ObjectClass.PUBLIC_KEY)
                     if (o := self._find(session, label, cls)) is not None]
            for obj in found:
                self._call(obj.destroy)
            return bool(found)

    # -------------------------------------------------------------- session and objects

    def _open(self) -> Any:
        """The logged-in session, opened on first use (again in a forked child)."""
        if self._session is not None and self._pid == os.getpid():
            return self._session
        if not self._token_label:
            raise Unavailable("PKCS11_TOKEN_MISSING", "请设置 OPENSEAL_PKCS11_TOKEN（令牌的标签）",
                              "Set OPENSEAL_PKCS11_TOKEN (the token's label)")
        lib = _library(self._library_path)
        try:
            token = lib.get_token(token_label=self._token_label)
        except (p11.NoSuchToken, p11.MultipleTokensReturned):
            raise Unavailable("PKCS11_TOKEN_NOT_FOUND",
                              f"找不到标签为「{self._token_label}」的 PKCS#11 令牌"
                              "（检查 OPENSEAL_PKCS11_TOKEN）",
                              f"No PKCS#11 token labelled '{self._token_label}' "
                              "(check OPENSEAL_PKCS11_TOKEN)") from None
        except p11.PKCS11Error as exc:
            raise _token_error(exc) from None
        self._handles.clear()
        self._session = self._login(token)
        self._pid = os.getpid()
        return self._session

    def _login(self, token: Any) -> Any:
        """Log in once. A PIN the token refused is not tried again (real tokens lock the
        PIN after a few failures): only a different PIN (a changed PIN file) is."""
        pin = self._pin()
        digest = hmac.digest(self._pin_key, pin.encode(), "sha256")
        if digest == self._refused_pin:
            raise self._wrong_pin()
        try:
            return token.open(user_pin=pin, rw=True)
        except p11.UserAlreadyLoggedIn:
            # Login is per process and token: another store here logged in already.
            return token.open(rw=True)
        except (p11.PinIncorrect, p11.PinLenRange):
            self._refused_pin = digest
            raise self._wrong_pin() from None
        except p11.PinLocked:
            raise Unavailable("PKCS11_PIN_LOCKED",
                              f"令牌「{self._token_label}」的 PIN 已锁定，请由安全员解锁",
                              f"The PIN of the token '{self._token_label}' is locked: have "
                              "the security officer unlock it") from None
        except p11.PKCS11Error as exc:
            raise _token_error(exc) from None
        finally:
            del pin

    def _wrong_pin(self) -> Unavailable:
        return Unavailable("PKCS11_PIN_INCORRECT",
                           f"令牌「{self._token_label}」的 PIN 不正确（检查 OPENSEAL_PKCS11_PIN"
                           " 或 OPENSEAL_PKCS11_PIN_FILE；为免锁定令牌，同一 PIN 不再重试）",
                           f"Wrong PIN for the token '{self._token_label}' (check "
                           "OPENSEAL_PKCS11_PIN or OPENSEAL_PKCS11_PIN_FILE; the same PIN is "
                           "not tried again, so that the token does not lock)")

    def _with_key(self, label: str, action: Callable[[Any], Any]) -> Any:
        """``action(private key)``. A cached handle gone stale (the key was destroyed by
        another process) is looked up once more: NotFound then, if it is gone."""
        private = self._private(self._open(), label)
        try:
            return action(private)
        except p11.ObjectHandleInvalid:
            self._handles.pop(label, None)
        except p11.PKCS11Error as exc:
            self._forget(exc)
            raise _token_error(exc) from None
        return self._call(lambda: action(self._private(self._open(), label)))

    def _private(self, session: Any, label: str) -> Any:
        private = self._handles.get(label)
        if private is not None:
            return private
        private = self._find(session, label, ObjectClass.PRIVATE_KEY)
        if private is None:
            raise NotFound("KEY_NOT_FOUND", f"令牌中找不到标签为 {label} 的私钥",
                           f"No private key labelled {label} in the token", label=label)
        self._handles[label] = private
        return private

    def _find(self, session: Any, label: str, object_class: ObjectClass) -> Any:
        try:
            return session.get_key(object_class=object_class, label=label)
        except p11.NoSuchKey:
            return None
        except p11.MultipleObjectsReturned:
            raise Conflict("PKCS11_LABEL_AMBIGUOUS", f"令牌中有多个标签为 {label} 的密钥",
                           f"The token holds several keys labelled {label}",
                           label=label) from None
        except p11.PKCS11Error as exc:
            self._forget(exc)
            raise _token_error(exc) from None

    def _call(self, action: Callable[[], Any]) -> Any:
        """Run one token operation; library errors become Unavailable (no stack trace
        reaches a user), and a lost session is dropped so the next call logs in again."""
        try:
            return action()
        except OpenSealError:
            raise
        except p11.PKCS11Error as exc:
            self._forget(exc)
            raise _token_error(exc) from None

    def _forget(self, exc: Exception) -> None:
        """After a lost session (or a key handle gone stale, e.g. the key was destroyed by
        another process) the next call finds and logs in afresh."""
        if isinstance(exc, (p11.SessionClosed, p11.SessionHandleInvalid, p11.DeviceRemoved,
                            p11.TokenNotPresent, p11.UserNotLoggedIn)):
            self._session = None
        self._handles.clear()


#: Token errors worth one more try on a fresh session (SoftHSM2 answers CKR_GENERAL_ERROR now
#: and then when several processes use one token at once; a real HSM after a failover).
_TRANSIENT = ("GeneralError", "DeviceError", "SessionClosed", "SessionHandleInvalid")
_TRANSIENT_PAUSES = (0.05, 0.2, 0.8)  # seconds before each retry of a signature
_initialised_in: dict[str, int] = {}  # library path -> the process that initialised it


def _library(path: str) -> Any:
    """The PKCS#11 library, initialised in this process: a forked child (batch workers)
    must not use the parent's initialisation (PKCS#11 v2.40 §6.7.7), so it starts again."""
    try:
        lib = pkcs11.lib(path)
    except (OSError, RuntimeError, p11.PKCS11Error) as exc:
        raise Unavailable("PKCS11_LIBRARY", f"无法加载 PKCS#11 库 {path}（检查 "
                          "OPENSEAL_PKCS11_LIBRARY）",
                          f"Cannot load the PKCS#11 library {path} (check "
                          f"OPENSEAL_PKCS11_LIBRARY): {type(exc).__name__}") from None
    if _initialised_in.setdefault(path, os.getpid()) != os.getpid():
        try:
            lib.reinitialize()
        except p11.PKCS11Error as exc:
            raise _token_error(exc) from None
        _initialised_in[path] = os.getpid()
    return lib


def _generate(session: Any, label: str, algorithm: str) -> Any:
    """(public, private) key objects of a new pair in the token."""
    ident = label.encode()
    if algorithm == "rsa":
        return session.generate_keypair(
            KeyType.RSA, RSA_BITS, store=True, label=label, id=ident,
            public_template=_PUBLIC_TEMPLATE, private_template=_PRIVATE_TEMPLATE)
    params = session.create_domain_parameters(
        KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")},
        local=True)
    return params.generate_keypair(store=True, label=label, id=ident,
                                   public_template=_PUBLIC_TEMPLATE,
                                   private_template=_PRIVATE_TEMPLATE)


def _sign(private: Any, data: bytes, digest: str) -> bytes:
    if private.key_type == KeyType.RSA:
        return bytes(private.sign(data, mechanism=_RSA_MECHANISMS[digest]))
    hashed = hashlib.new(digest, data).digest()
    return bytes(encode_ecdsa_signature(private.sign(hashed, mechanism=Mechanism.ECDSA)))


def _public_by_id(session: Any, private: Any) -> Any:
    try:
        ident = private[Attribute.ID]
    except p11.PKCS11Error:
        return None
    for obj in session.get_objects({Attribute.CLASS: ObjectClass.PUBLIC_KEY,
                                    Attribute.ID: ident}):
        return obj
    return None


def _public_info(public: Any) -> asn1_keys.PublicKeyInfo:
    if public.key_type == KeyType.RSA:
        rsa = asn1_keys.RSAPublicKey.load(encode_rsa_public_key(public))
        return asn1_keys.PublicKeyInfo({"algorithm": {"algorithm": "rsa", "parameters": None},
                                        "public_key": rsa})
    if public.key_type == KeyType.EC:
        return asn1_keys.PublicKeyInfo.load(encode_ec_public_key(public))
    raise InvalidInput("KEY_ALGORITHM", "令牌中的密钥既不是 EC 也不是 RSA",
                       "The token key is neither EC nor RSA")


def _checked_label(key_id: str) -> str:
    if not _LABEL.match(key_id):
        raise InvalidInput("KEY_ID", f"令牌密钥标签不合法：{key_id!r}（1–93 个字符）",
                           f"Bad token key label {key_id!r} (1-93 characters)")
    return key_id


def _checked_digest(digest_algorithm: str) -> str:
    digest = digest_algorithm.lower()
    if digest not in _DIGESTS:
        names = ", ".join(_DIGESTS)
        raise InvalidInput(
            "KEY_DIGEST", f"此密钥不能使用摘要算法 {digest_algorithm!r}（可用：{names}）",
            f"This key cannot sign with digest {digest_algorithm!r} (allowed: {names})",
            digest=digest_algorithm, allowed=list(_DIGESTS))
    return digest


def _token_error(exc: Exception) -> Unavailable:
    name = type(exc).__name__
    return Unavailable("PKCS11_ERROR", f"PKCS#11 令牌操作失败（{name}）",
                       f"The PKCS#11 token operation failed ({name})", reason=name)
