"""Teach asn1crypto the SM object identifiers, once per process.

asn1crypto knows no SM algorithm: an SM2 certificate parses, but its curve, its signature
algorithm and SM3 digests appear as bare dotted OIDs, and an SM2 private key cannot be
encoded by name. :func:`register` adds the names below (importing ``openseal.core.gm`` calls
it). It only adds entries: every existing name and lookup behaves as before, so pyHanko and
certvalidator are unaffected (they treat an unknown signature mechanism as unsupported).

- curve ``sm2`` (1.2.156.10197.1.301) in ``keys.NamedCurve`` (32-byte private keys);
- ``sm2_sm3`` (1.2.156.10197.1.501) in ``algos.SignedDigestAlgorithmId``, and
  ``SignedDigestAlgorithm.signature_algo`` / ``hash_algo`` answer "sm2" / "sm3" for it
  (asn1crypto keeps those two lookups in local tables, so the properties are wrapped);
- ``sm3`` (1.2.156.10197.1.401) in ``algos.DigestAlgorithmId`` and ``hmac_sm3``
  (1.2.156.10197.1.401.2) in ``algos.HmacAlgorithmId`` (PBKDF2 in GmSSL's encrypted keys);
- ``sm4_cbc`` (1.2.156.10197.1.104.2) in ``algos.EncryptionAlgorithmId``, its parameters
  an IV (ditto).
"""

from __future__ import annotations

import threading
from typing import Any

from asn1crypto import algos, core, keys

SM2_CURVE = "sm2"
SM2_SM3 = "sm2_sm3"
SM3 = "sm3"
HMAC_SM3 = "hmac_sm3"
SM4_CBC = "sm4_cbc"

OIDS: dict[str, str] = {
    SM2_CURVE: "1.2.156.10197.1.301",
    SM2_SM3: "1.2.156.10197.1.501",
    SM3: "1.2.156.10197.1.401",
    HMAC_SM3: "1.2.156.10197.1.401.2",
    SM4_CBC: "1.2.156.10197.1.104.2",
}

_lock = threading.Lock()
_done = False


def register() -> None:
    """Register the SM names with asn1crypto. Idempotent and thread-safe."""
    global _done
    with _lock:
        if _done:
            return
        keys.NamedCurve.register(SM2_CURVE, OIDS[SM2_CURVE], 32)
        _add(algos.SignedDigestAlgorithmId, SM2_SM3)
        _add(algos.DigestAlgorithmId, SM3)
        _add(algos.HmacAlgorithmId, HMAC_SM3)
        _add(algos.EncryptionAlgorithmId, SM4_CBC)
        algos.EncryptionAlgorithm._oid_specs[SM4_CBC] = core.OctetString  # the IV
        _wrap(algos.SignedDigestAlgorithm, "signature_algo", "sm2")
        _wrap(algos.SignedDigestAlgorithm, "hash_algo", SM3)
        _done = True


def _add(oid_class: type[core.ObjectIdentifier], name: str) -> None:
    oid = OIDS[name]
    oid_class._map[oid] = name
    if oid_class._reverse_map is not None:  # built lazily on first use by name
        oid_class._reverse_map[name] = oid


def _wrap(cls: type[Any], attribute: str, sm2_answer: str) -> None:
    """Make ``cls.attribute`` answer ``sm2_answer`` for sm2_sm3; anything else as before."""
    original = getattr(cls, attribute)
    if getattr(original.fget, "_openseal_sm", False):
        return

    def fget(self: algos.SignedDigestAlgorithm) -> Any:
        if self["algorithm"].native == SM2_SM3:
            return sm2_answer
        return original.fget(self)

    fget._openseal_sm = True  # type: ignore[attr-defined]
    fget.__doc__ = original.fget.__doc__
    setattr(cls, attribute, property(fget))
