"""SM2 key encodings with asn1crypto: PKCS#8, SEC1 and SubjectPublicKeyInfo.

An SM2 key is encoded like any named-curve EC key (GB/T 35276, GM/T 0010): algorithm
id-ecPublicKey with the curve 1.2.156.10197.1.301. That is what ``openssl genpkey
-algorithm SM2`` (or ``-algorithm ec -pkeyopt ec_paramgen_curve:SM2``) and GmSSL write, and
what GB/T 38540 seal certificates carry. Raw keys are those of ``openseal.core.gm.sm2``:
32-byte private, 64-byte public (x || y).

Errors are ``InvalidInput`` with the codes ``SM2_KEY_INVALID`` (not a key, or a broken
one), ``SM2_KEY_NOT_SM2`` (a key, but not on the SM2 curve), ``SM2_KEY_PASSWORD`` (password
missing or wrong) and ``SM2_KEY_ENCRYPTION`` (an encryption we do not read).
"""

from __future__ import annotations

import gmssl_pyx
from asn1crypto import core, keys, pem, x509

from openseal.core.gm import oids, sm2
from openseal.core.gm.pkcs8 import decrypt_pkcs8
from openseal.errors import InvalidInput

_PEM_LABELS = {"PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "EC PRIVATE KEY", "SM2 PRIVATE KEY"}


def private_key_info(private: bytes, public: bytes) -> bytes:
    """PKCS#8 DER of an SM2 key pair, byte for byte as OpenSSL writes it.

    id-ecPublicKey with the sm2 named curve; the ECPrivateKey inside carries the public key
    (and, like OpenSSL's, no curve of its own). Raises InvalidInput for a malformed key.
    """
    if not sm2.is_valid_private(private) or not sm2.is_valid_public(public):
        raise _invalid("SM2 私钥或公钥格式不对", "malformed SM2 private or public key")
    ec_key = keys.ECPrivateKey({"version": "ecPrivkeyVer1", "private_key": 0,
                                "public_key": b"\x04" + sm2.point(public)})
    ec_key.set_key_size(32)
    ec_key["private_key"] = int.from_bytes(private, "big")
    return keys.PrivateKeyInfo({
        "version": 0,
        "private_key_algorithm": {"algorithm": "ec", "parameters": _sm2_curve()},
        "private_key": ec_key,
    }).dump()


def public_key_info(public: bytes) -> keys.PublicKeyInfo:
    """The SubjectPublicKeyInfo of an SM2 public key (64 bytes, or 65 with 04)."""
    if not sm2.is_valid_public(public):
        raise _invalid("SM2 公钥不在曲线上", "the SM2 public key is not a point on the curve")
    return keys.PublicKeyInfo({
        "algorithm": {"algorithm": "ec", "parameters": _sm2_curve()},
        "public_key": b"\x04" + sm2.point(public),
    })


def load_private_key(data: bytes, password: bytes | None = None) -> tuple[bytes, bytes]:
    """(private 32 bytes, public 64 bytes) from an SM2 private key file.

    Reads PKCS#8 ("PRIVATE KEY"), encrypted PKCS#8 ("ENCRYPTED PRIVATE KEY": PBES2 with
    PBKDF2 and AES-CBC or SM4-CBC, see ``pkcs8``) and SEC1 ("EC PRIVATE KEY", or "SM2
    PRIVATE KEY" as OpenSSL 3 labels it), in PEM or DER. A missing public key is computed
    (``sm2.public_from_private``); a public key that does not belong to the private key is
    refused. Raises InvalidInput (see the module docstring for the codes).
    """
    der = _unarmor(data)
    top = _sequence(der)
    first = top[0] if len(top) else None
    if isinstance(first, core.Sequence):  # EncryptedPrivateKeyInfo{algorithm, data}
        return load_private_key(decrypt_pkcs8(der, password))
    if isinstance(first, core.Integer) and first.native == 1 and len(top) >= 2 and \
            isinstance(top[1], core.OctetString):  # SEC1 ECPrivateKey{1, d, [0]?, [1]?}
        return _from_ec_private_key(keys.ECPrivateKey.load(der), None)
    if isinstance(first, core.Integer) and first.native in (0, 1):
        return _from_pkcs8(der)
    raise _invalid("不是私钥文件", "not a private key")


def public_point(key: keys.PublicKeyInfo | x509.Certificate | bytes) -> bytes:
    """The 64-byte SM2 public key of a PublicKeyInfo, a Certificate, or either's DER.

    The point may be uncompressed (04 || x || y) or compressed (02/03 || x). Raises
    InvalidInput (SM2_KEY_NOT_SM2) for any other kind of key, and SM2_KEY_INVALID
    for something that is not a certificate or key, or a point not on the curve.
    """
    spki = _spki(key)
    if not is_sm2(spki):
        raise _not_sm2(_describe(spki))
    point = spki["public_key"].native
    try:
        return bytes(gmssl_pyx.normalize_sm2_public_key(bytes(point)))  # checks the curve
    except (gmssl_pyx.GmsslInnerError, ValueError, TypeError):
        raise _invalid("SM2 公钥不在曲线上",
                       "the SM2 public key is not a point on the curve") from None


def is_sm2(spki: keys.PublicKeyInfo) -> bool:
    """Whether ``spki`` is an EC key on the SM2 curve."""
    algorithm = spki["algorithm"]
    return algorithm["algorithm"].native == "ec" and _is_sm2_curve(algorithm["parameters"])


def _from_pkcs8(der: bytes) -> tuple[bytes, bytes]:
    try:
        info = keys.PrivateKeyInfo.load(der)
        algorithm = info["private_key_algorithm"]
        name = algorithm["algorithm"].native
        if name != "ec":
            raise _not_sm2(str(name))
        curve = algorithm["parameters"]
        if not _is_sm2_curve(curve):
            raise _not_sm2(_curve_name(curve))
        ec_key = info["private_key"].parsed
    except (ValueError, TypeError, KeyError):
        raise _invalid("PKCS#8 私钥格式不对", "malformed PKCS#8 private key") from None
    return _from_ec_private_key(ec_key, curve)


def _from_ec_private_key(ec_key: keys.ECPrivateKey,
                         outer_curve: keys.ECDomainParameters | None) -> tuple[bytes, bytes]:
    try:
        inner = ec_key["parameters"]
        if not isinstance(inner, core.Void) and not _is_sm2_curve(inner):
            raise _not_sm2(_curve_name(inner))
        if outer_curve is None and isinstance(inner, core.Void):
            raise InvalidInput(
                "SM2_KEY_NOT_SM2", "EC 私钥未写明曲线，无法确认是 SM2 私钥",
                "the EC private key names no curve, so it cannot be taken for an SM2 key")
        value = ec_key["private_key"].native
        stored = None if isinstance(ec_key["public_key"], core.Void) else \
            ec_key["public_key"].native
    except (ValueError, TypeError, KeyError):
        raise _invalid("EC 私钥格式不对", "malformed EC private key") from None
    if not isinstance(value, int) or not 0 < value < 2 ** 256:
        raise _invalid("SM2 私钥数值不对", "the SM2 private key is out of range")
    private = value.to_bytes(32, "big")
    if not sm2.is_valid_private(private):
        raise _invalid("SM2 私钥数值不对", "the SM2 private key is out of range")
    if stored is None:
        return private, sm2.public_from_private(private)
    if not isinstance(stored, bytes) or not sm2.is_key_pair(private, stored):
        raise _invalid("私钥文件中的公钥与私钥不匹配",
                       "the public key in the key file does not belong to the private key")
    return private, sm2.point(stored)


def _unarmor(data: bytes) -> bytes:
    if not pem.detect(data):
        return data
    try:
        label, headers, der = pem.unarmor(data)
    except ValueError:
        raise _invalid("PEM 格式不对", "malformed PEM") from None
    if label not in _PEM_LABELS:
        raise _invalid(f"不是私钥（PEM 类型 {label}）", f"not a private key (PEM {label})")
    if "Proc-Type" in headers:
        raise InvalidInput(
            "SM2_KEY_ENCRYPTION", "不支持旧式 PEM 加密的私钥，请先用 openssl pkcs8 -topk8 转换",
            "legacy PEM-encrypted keys are not read: convert with openssl pkcs8 -topk8")
    return bytes(der)


def _sequence(der: bytes) -> core.Sequence:
    try:
        top = core.Sequence.load(der, strict=True)
        len(top)  # parses the children
    except (ValueError, TypeError):
        raise _invalid("不是私钥文件", "not a private key") from None
    return top


def _spki(key: keys.PublicKeyInfo | x509.Certificate | bytes) -> keys.PublicKeyInfo:
    if isinstance(key, keys.PublicKeyInfo):
        return key
    if isinstance(key, x509.Certificate):
        return key.public_key
    try:
        top = _sequence(bytes(key))
        if len(top) == 3:
            return x509.Certificate.load(bytes(key)).public_key
        if len(top) == 2:
            spki = keys.PublicKeyInfo.load(bytes(key))
            spki.native  # noqa: B018 (parses it all now)
            return spki
    except (ValueError, TypeError, KeyError, InvalidInput):
        pass
    raise _invalid("不是证书或公钥", "not a certificate or a public key")


def _sm2_curve() -> keys.ECDomainParameters:
    return keys.ECDomainParameters(name="named", value=oids.SM2_CURVE)


def _is_sm2_curve(parameters: object) -> bool:
    return isinstance(parameters, keys.ECDomainParameters) and \
        parameters.name == "named" and parameters.chosen.native == oids.SM2_CURVE


def _curve_name(parameters: object) -> str:
    if isinstance(parameters, keys.ECDomainParameters) and parameters.name == "named":
        return str(parameters.chosen.native)
    return "explicit or implicit EC parameters"


def _describe(spki: keys.PublicKeyInfo) -> str:
    name = str(spki["algorithm"]["algorithm"].native)
    if name == "ec":
        return f"ec {_curve_name(spki['algorithm']['parameters'])}"
    return name


def _not_sm2(what: str) -> InvalidInput:
    return InvalidInput("SM2_KEY_NOT_SM2", f"不是 SM2 密钥（{what}）", f"not an SM2 key ({what})",
                        algorithm=what)


def _invalid(zh: str, en: str) -> InvalidInput:
    return InvalidInput("SM2_KEY_INVALID", zh, en)
