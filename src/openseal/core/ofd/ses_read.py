"""Reading and checking GB/T 38540-2020 (v4, "v5") and GM/T 0031-2014 (v1) seals and signatures.

The version is told by shape (docs GBT38540-OFD.md §1.2): a seal or signature whose top
SEQUENCE has 2 elements is v1, one with 4 or 5 is v4, and then ``header.version`` 5 means v5.
What each signer signed is kept as the bytes found in the file:

- a v4/v5 seal's maker signed DER(SES_SealInfo), the raw slice;
- a v1 seal's maker signed DER(SEQUENCE{SES_SealInfo, cert, signatureAlgorithm}), the raw
  slices of the three wrapped in a new SEQUENCE header (the only bytes made here);
- a signer signed DER(TBS_Sign), the raw slice (v1's TBS_Sign holds the signer's certificate).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from openseal.core.gm import keys, sm2
from openseal.core.ofd import ses_der as d
from openseal.core.ofd.ses_der import Malformed, Tlv
from openseal.errors import InvalidInput

#: Signature algorithms checked here; any other makes a signature "not valid".
SM2_ALGORITHMS = frozenset({sm2.SM2_WITH_SM3_OID})

#: CertDigestObj.type names (lower case) -> digest; other names ("SM3", the SM3 OID,
#: "certificate SM3 digest") are compared as SM3.
_HASHLIB_NAMES = {"sha1": "sha1", "sha-1": "sha1", "1.3.14.3.2.26": "sha1",
                  "sha256": "sha256", "sha-256": "sha256", "2.16.840.1.101.3.4.2.1": "sha256"}


@dataclass(frozen=True)
class SealPicture:
    kind: str          # "PNG", "GIF", "JPG", "BMP", "SVG", "ofd" (a nested OFD) ...
    data: bytes        # the image file's bytes
    width_mm: int
    height_mm: int


@dataclass(frozen=True)
class EsSeal:
    version: int                 # 1, 4 or 5 (detected by shape, then header version)
    vendor: str
    es_id: str
    seal_type: int
    name: str
    cert_list_type: int          # 1 = certificates, 2 = digests (v1 always 1)
    signer_certs: tuple[bytes, ...]                  # DER certificates allowed to sign
    signer_cert_digests: tuple[tuple[str, bytes], ...]
    created: datetime
    valid_from: datetime
    valid_until: datetime        # aware, UTC
    picture: SealPicture
    maker_cert: bytes
    algorithm: str               # dotted OID of the maker's signature
    signed_value: bytes          # the maker's DER signature
    signed_bytes: bytes          # exactly what the maker signed (by version rule)
    der: bytes                   # the whole seal as found


@dataclass(frozen=True)
class EsSignature:
    version: int
    seal: EsSeal
    signed_at: datetime | None   # timeInfo; None when a v1 timeInfo cannot be read as a time
    data_hash: bytes
    property_info: str
    signer_cert: bytes
    algorithm: str
    signature: bytes
    timestamp: bytes | None      # the timeStamp token if present
    signed_bytes: bytes          # raw DER of TBS_Sign as found
    der: bytes
    ext_datas: tuple[tuple[str, bool, bytes], ...] = ()  # TBS_Sign.extDatas (oid, critical, value)


_ERRORS = (Malformed, ValueError, IndexError, UnicodeError, OverflowError)


def _format_error(what_zh: str, what_en: str, exc: Exception) -> InvalidInput:
    zh, en = (exc.zh, exc.en) if isinstance(exc, Malformed) else ("结构无法解析", str(exc))
    return InvalidInput("SES_FORMAT", f"不是有效的{what_zh}（GB/T 38540 / GM/T 0031）：{zh}",
                        f"not a valid {what_en} (GB/T 38540 / GM/T 0031): {en}", reason=en)


def read_seal(der: bytes) -> EsSeal:
    """Parse a seal (SES_Seal / SESeal, e.g. Seal.esl); InvalidInput SES_FORMAT if not one."""
    try:
        return _seal(bytes(der))
    except _ERRORS as exc:
        raise _format_error("电子印章", "electronic seal", exc) from None


def _seal(der: bytes) -> EsSeal:
    top = d.seq(d.read_one(der), "SES_Seal", (2, 4, 5))
    info = top[0]
    first = info.children()[:1] if info.is_(d.SEQUENCE) and info.constructed else []
    if first and first[0].is_(d.INTEGER):  # a TBS_Sign, which starts with its version
        raise Malformed("这是电子签章数据 SES_Signature（如 SignedValue.dat），不是印章 SES_Seal",
                        "this is an SES_Signature (e.g. SignedValue.dat), not an SES_Seal")
    if len(top) == 2:
        cert, alg, value = d.seq(top[1], "SES_SignInfo", (3,))
        signed = d.der_seq(info.raw, cert.raw, alg.raw)
    else:
        cert, alg, value = top[1:4]
        signed = info.raw
    header, es_id, prop, picture, *_ext = d.seq(info, "SES_SealInfo", (4, 5))
    _es, header_version, vendor = d.seq(header, "SES_Header", (3,))
    version = 1 if len(top) == 2 else 5 if d.integer(header_version, "version") == 5 else 4
    kind, data, width, height = d.seq(picture, "SES_ESPictrueInfo", (4,))
    p = _property(prop)
    return EsSeal(
        version=version, vendor=d.text(vendor, "vid"), es_id=d.text(es_id, "esID"),
        seal_type=p.seal_type, name=p.name, cert_list_type=p.cert_list_type,
        signer_certs=p.certs, signer_cert_digests=p.digests, created=p.created,
        valid_from=p.valid_from, valid_until=p.valid_until,
        picture=SealPicture(d.text(kind, "picture.type"), d.octets(data, "picture.data"),
                            d.integer(width, "picture.width"), d.integer(height, "picture.height")),
        maker_cert=d.certificate(cert, "cert"), algorithm=d.oid(alg, "signAlgID"),
        signed_value=d.octets(value, "signedValue"), signed_bytes=signed, der=der)


@dataclass(frozen=True)
class _Property:
    seal_type: int
    name: str
    cert_list_type: int
    certs: tuple[bytes, ...]
    digests: tuple[tuple[str, bytes], ...]
    created: datetime
    valid_from: datetime
    valid_until: datetime


def _property(prop: Tlv) -> _Property:
    kids = d.seq(prop, "SES_ESPropertyInfo", (6, 7))
    if len(kids) == 7:  # v4: certListType before certList
        seal_type, name, list_type, cert_list, *dates = kids
        cert_list_type = d.integer(list_type, "certListType")
    else:               # v1: no certListType
        seal_type, name, cert_list, *dates = kids
        cert_list_type = 1
    certs, digests = _cert_list(cert_list)
    created, valid_from, valid_until = (d.time(t, n) for t, n in zip(
        dates, ("createDate", "validStart", "validEnd"), strict=True))
    return _Property(d.integer(seal_type, "type"), d.text(name, "name"), cert_list_type,
                     certs, digests, created, valid_from, valid_until)


def _cert_list(tlv: Tlv) -> tuple[tuple[bytes, ...], tuple[tuple[str, bytes], ...]]:
    """Certificates and CertDigestObjs, told apart by their shape, whatever certListType says."""
    certs: list[bytes] = []
    digests: list[tuple[str, bytes]] = []
    for item in d.seq(tlv, "certList"):
        inner = item.children() if item.is_(d.SEQUENCE) else []
        if len(inner) == 2 and not inner[0].is_(d.SEQUENCE):
            digests.append((d.text(inner[0], "CertDigestObj.type"),
                            d.octets(inner[1], "CertDigestObj.value")))
        else:
            certs.append(d.certificate(item, "certList"))
    return tuple(certs), tuple(digests)


def read_signature(der: bytes) -> EsSignature:
    """Parse an SES_Signature (an OFD SignedValue.dat of Type="Seal")."""
    try:
        return _signature(bytes(der))
    except _ERRORS as exc:
        raise _format_error("电子签章数据", "electronic seal signature", exc) from None


def _signature(der: bytes) -> EsSignature:
    top = d.read_one(der)
    kids = top.children() if top.is_(d.SEQUENCE) else []
    if len(kids) == 2 and all(k.is_(d.INTEGER) for k in kids):
        raise Malformed("这是一个裸 SM2 签名值 SEQUENCE{r, s}（OFD Type=\"Sign\" 的数字签名），"
                        "不是 SES_Signature",
                        "this is a bare SM2 signature SEQUENCE{r, s} (an OFD Type=\"Sign\" "
                        "digital signature), not an SES_Signature")
    top_kids = d.seq(top, "SES_Signature", (2, 4, 5))
    tbs = top_kids[0]
    if len(top_kids) == 2:  # v1: the signer's certificate and algorithm are inside TBS_Sign
        version, seal, time_info, data_hash, prop, cert, alg = d.seq(tbs, "TBS_Sign", (7,))
        value, timestamp = top_kids[1], None
        ext_datas: tuple[tuple[str, bool, bytes], ...] = ()
        d.integer(version, "TBS_Sign.version")
        number = 1
    else:
        version, seal, time_info, data_hash, prop, *ext = d.seq(tbs, "TBS_Sign", (5, 6))
        ext_datas = _ext_datas(ext[0]) if ext else ()
        cert, alg, value = top_kids[1:4]
        timestamp = _timestamp(top_kids[4]) if len(top_kids) == 5 else None
        number = 5 if d.integer(version, "TBS_Sign.version") == 5 else 4
    return EsSignature(
        version=number, seal=_seal(seal.raw), signed_at=_time_info(time_info),
        data_hash=d.octets(data_hash, "dataHash"), property_info=d.text(prop, "propertyInfo"),
        signer_cert=d.certificate(cert, "cert"), algorithm=d.oid(alg, "signatureAlgID"),
        signature=d.octets(value, "signature"), timestamp=timestamp, signed_bytes=tbs.raw,
        der=der, ext_datas=ext_datas)


def _ext_datas(tlv: Tlv) -> tuple[tuple[str, bool, bytes], ...]:
    """TBS_Sign.extDatas: ``[0] EXPLICIT`` (as written here and by ofdrw), ``[0] IMPLICIT``
    or an untagged SEQUENCE OF ExtData; each (extnID, critical, extnValue). Unreadable
    extensions are left out (they never decide whether the signature verifies)."""
    try:
        items = tlv.children()
        if tlv.is_(0, d.CONTEXT) and len(items) == 1 and items[0].is_(d.SEQUENCE):
            inner = items[0].children()
            if not inner or inner[0].is_(d.SEQUENCE):  # EXPLICIT: one ExtensionDatas
                items = inner
        found = []
        for item in items:
            parts = d.seq(item, "ExtData", (2, 3))
            critical = len(parts) == 3 and parts[1].is_(d.BOOLEAN) and \
                parts[1].contents != b"\x00"
            found.append((d.oid(parts[0], "extnID"), critical,
                          d.octets(parts[-1], "extnValue")))
        return tuple(found)
    except _ERRORS:
        return ()


def _time_info(tlv: Tlv) -> datetime | None:
    """v4: GeneralizedTime. v1 ("timestamp or UTCTIME"): a time, or a BIT/OCTET STRING holding
    a DER time, its text, or ofdrw's "yyyy-MM-dd HH:mm:ss"; None if none of these."""
    try:
        return d.time(tlv, "timeInfo")
    except Malformed:
        pass
    try:
        body = d.octets(tlv, "timeInfo")
    except Malformed:
        return None
    try:
        return d.time(d.read_one(body), "timeInfo")
    except Malformed:
        return d.parse_time_text(body.decode("ascii", "replace"))


def _timestamp(tlv: Tlv) -> bytes:
    """The timeStamp token: [0] EXPLICIT (as ofdrw writes) or IMPLICIT, or an untagged string."""
    if tlv.is_(0, d.CONTEXT):
        if not tlv.constructed:  # [0] IMPLICIT BIT STRING: drop the unused-bits octet
            return tlv.contents[1:]
        inner = d.read_one(tlv.contents)
        return inner.raw if inner.is_(d.SEQUENCE) else d.octets(inner, "timeStamp")
    if tlv.is_(d.SEQUENCE):  # an untagged token (ContentInfo) as is
        return tlv.raw
    return d.octets(tlv, "timeStamp")


def _sm2_valid(cert: bytes, algorithm: str, message: bytes, signature: bytes) -> bool:
    if algorithm not in SM2_ALGORITHMS:
        return False
    try:
        key = keys.public_point(cert)
    except (InvalidInput, ValueError, TypeError, KeyError):
        return False
    return sm2.verify(key, message, d.der_signature(signature))


def maker_signature_valid(seal: EsSeal) -> bool:
    """Whether the seal maker's SM2 signature (over ``seal.signed_bytes``) verifies."""
    return _sm2_valid(seal.maker_cert, seal.algorithm, seal.signed_bytes, seal.signed_value)


def signature_valid(sig: EsSignature) -> bool:
    """Whether the signer's SM2 signature over the raw TBS_Sign verifies with ``signer_cert``."""
    return _sm2_valid(sig.signer_cert, sig.algorithm, sig.signed_bytes, sig.signature)


def signer_allowed(seal: EsSeal, signer_cert: bytes) -> bool:
    """Whether ``signer_cert`` is in the seal's certList: byte-equal DER, or its digest."""
    if any(signer_cert == cert for cert in seal.signer_certs):
        return True
    return any(_digest(kind, signer_cert) == value for kind, value in seal.signer_cert_digests)


def _digest(kind: str, data: bytes) -> bytes:
    name = kind.strip().lower()
    if name in _HASHLIB_NAMES:
        return hashlib.new(_HASHLIB_NAMES[name], data).digest()
    return sm2.sm3(data)
