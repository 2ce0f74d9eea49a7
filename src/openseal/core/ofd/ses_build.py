"""Building GB/T 38540-2020 (v4) seals and signatures, in strict DER.

Each builder takes the DER of what it embeds (the seal information, the seal, TBS_Sign) and
embeds those bytes unchanged, so what was signed is exactly what ends up in the file. The
``sign`` callables receive the bytes to sign and return a DER SM2 signature (SM3 with the
default signer ID), for example ``lambda data: sm2.sign(private, public, data)`` or a key
store's signing call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from openseal.core.gm import sm2
from openseal.core.ofd import ses_der as d
from openseal.core.ofd.ses_read import SealPicture, read_seal
from openseal.errors import InvalidInput

Signer = Callable[[bytes], bytes]
#: An ExtData: (extnID dotted OID, critical, extnValue).
ExtData = tuple[str, bool, bytes]

SES_VERSION = 4
CERT_LIST_CERTIFICATES = 1


def seal_info_v4(*, vendor: str, es_id: str, seal_type: int, name: str,
                 signer_certs: Sequence[bytes], created: datetime, valid_from: datetime,
                 valid_until: datetime, picture: SealPicture,
                 ext_datas: Iterable[ExtData] | None = None) -> bytes:
    """DER(SES_SealInfo) of a v4 seal whose signers are ``signer_certs`` (certListType 1)."""
    if not signer_certs:
        raise _invalid("SES_CERT_LIST", "印章至少要列出一张签章人证书",
                       "a seal must list at least one signer certificate", field="signer_certs")
    if not _aware(created, valid_from, valid_until) or not valid_from < valid_until:
        raise _invalid("SES_VALIDITY", "印章日期须带时区，且有效期起始早于结束",
                       "seal dates must carry a time zone and start before they end",
                       field="valid_until")
    if picture.width_mm <= 0 or picture.height_mm <= 0 or not picture.data:
        raise _invalid("SES_PICTURE", "印章图片不能为空，宽高（毫米）须为正数",
                       "the seal picture needs data and a positive width and height (mm)",
                       field="picture")
    header = d.der_seq(d.der_ia5("ES"), d.der_int(SES_VERSION),
                       d.der_ia5(_ascii(vendor, "vendor")))
    prop = d.der_seq(
        d.der_int(seal_type), d.der_utf8(name), d.der_int(CERT_LIST_CERTIFICATES),
        d.der_seq(*(d.der_octets(bytes(cert)) for cert in signer_certs)),
        d.der_generalized(created), d.der_generalized(valid_from),
        d.der_generalized(valid_until))
    pict = d.der_seq(d.der_ia5(_ascii(picture.kind, "picture.kind")),
                     d.der_octets(picture.data), d.der_int(picture.width_mm),
                     d.der_int(picture.height_mm))
    exts = list(ext_datas or ())
    tail = [d.der_seq(*(_ext(ext) for ext in exts))] if exts else []
    return d.der_seq(header, d.der_ia5(_ascii(es_id, "es_id")), prop, pict, *tail)


def seal_v4(seal_info_der: bytes, maker_cert: bytes, sign: Signer) -> bytes:
    """DER(SES_Seal): the maker signs DER(SES_SealInfo), ``seal_info_der`` as given."""
    _sequence(seal_info_der, "seal_info_der")
    return d.der_seq(seal_info_der, d.der_octets(bytes(maker_cert)),
                     d.der_oid(sm2.SM2_WITH_SM3_OID), d.der_bits(sign(seal_info_der)))


def tbs_sign_v4(seal_der: bytes, signed_at: datetime, data_hash: bytes,
                property_info: str, ext_datas: Iterable[ExtData] | None = None) -> bytes:
    """DER(TBS_Sign) v4 embedding ``seal_der`` unchanged; ``data_hash`` is an SM3 digest.

    ``ext_datas``: written as ``[0] EXPLICIT ExtensionDatas`` (as ofdrw does, docs
    GBT38540-OFD.md §1.1), only when there are any."""
    read_seal(seal_der)
    if len(data_hash) != 32:
        raise _invalid("SES_DATA_HASH", "dataHash 应为 32 字节的 SM3 摘要",
                       "dataHash must be a 32-byte SM3 digest", field="data_hash")
    if not _aware(signed_at):
        raise _invalid("SES_SIGNED_AT", "签章时间须带时区", "the signing time needs a time zone",
                       field="signed_at")
    exts = list(ext_datas or ())
    tail = [d.der_tlv(0xA0, d.der_seq(*(_ext(ext) for ext in exts)))] if exts else []
    return d.der_seq(d.der_int(SES_VERSION), bytes(seal_der), d.der_generalized(signed_at),
                     d.der_bits(bytes(data_hash)),
                     d.der_ia5(_ascii(property_info, "property_info")), *tail)


def signature_v4(tbs_der: bytes, signer_cert: bytes, sign: Signer,
                 timestamp: bytes | None = None) -> bytes:
    """DER(SES_Signature): the signer signs DER(TBS_Sign), ``tbs_der`` as given.

    ``timestamp`` (a timestamp token over the signature value) is written as
    ``[0] EXPLICIT BIT STRING``, as ofdrw does (docs GBT38540-OFD.md §1.1).
    """
    _sequence(tbs_der, "tbs_der")
    tail = [d.der_tlv(0xA0, d.der_bits(timestamp))] if timestamp else []
    return d.der_seq(tbs_der, d.der_octets(bytes(signer_cert)), d.der_oid(sm2.SM2_WITH_SM3_OID),
                     d.der_bits(sign(tbs_der)), *tail)


def _ext(ext: ExtData) -> bytes:
    oid, critical, value = ext
    flag = [d.der_bool(True)] if critical else []  # DEFAULT FALSE: omitted in DER
    return d.der_seq(d.der_oid(oid), *flag, d.der_octets(value))


def _sequence(der: bytes, field: str) -> None:
    try:
        ok = d.read_one(bytes(der)).is_(d.SEQUENCE)
    except d.Malformed:
        ok = False
    if not ok:
        raise _invalid("SES_FORMAT", f"{field} 不是一个 DER SEQUENCE",
                       f"{field} is not a DER SEQUENCE", field=field)


def _aware(*values: datetime) -> bool:
    return all(v.tzinfo is not None and v.utcoffset() is not None for v in values)


def _ascii(value: str, field: str) -> str:
    if not value or not value.isascii():
        raise _invalid("SES_NOT_ASCII", f"{field} 须为非空 ASCII（IA5String）",
                       f"{field} must be non-empty ASCII (IA5String)", field=field)
    return value


def _invalid(code: str, zh: str, en: str, **fields: str) -> InvalidInput:
    return InvalidInput(code, zh, en, **fields)
