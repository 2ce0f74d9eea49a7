"""Which key store holds a key: told by its id, so records need no extra column.

A key in a PKCS#11 token (a hardware security module or smart card) has an id starting
with ``pkcs11:`` followed by its label in the token; every other id names a software key
(an encrypted file under the master key).
"""

from __future__ import annotations

from openseal.errors import InvalidInput

PKCS11_PREFIX = "pkcs11:"
SOFTWARE = "software"
PKCS11 = "pkcs11"
KEY_STORES = (SOFTWARE, PKCS11)


def key_store_of(key_id: str) -> str:
    """"pkcs11" for a token key's id, else "software"."""
    return PKCS11 if key_id.startswith(PKCS11_PREFIX) else SOFTWARE


def key_id_prefix(key_store: str) -> str:
    """What new key ids of ``key_store`` start with ("" for software keys)."""
    return PKCS11_PREFIX if checked_key_store(key_store) == PKCS11 else ""


def checked_key_store(value: str | None) -> str:
    """``value`` as a key store name ("software" when empty); InvalidInput KEY_STORE for
    anything else."""
    store = (value or SOFTWARE).strip().lower()
    if store not in KEY_STORES:
        allowed = ", ".join(KEY_STORES)
        raise InvalidInput("KEY_STORE", f"不支持的密钥库「{value}」，可选：{allowed}",
                           f"Unknown key store '{value}'; choose one of: {allowed}",
                           field="key_store", allowed=list(KEY_STORES))
    return store


def sm2_not_in_token() -> InvalidInput:
    """SoftHSM2 and the PKCS#11 tokens in common use have no SM2 mechanism."""
    return InvalidInput("PKCS11_SM2", "该硬件令牌不支持 SM2：SM2 印章的密钥只能保存在软件密钥库",
                        "This token does not support SM2: an SM2 seal's key stays in the "
                        "software key store", field="key_store", algorithm="sm2")
