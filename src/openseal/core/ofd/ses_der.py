"""Lenient DER reading and strict DER writing for the GB/T 38540 / GM/T 0031 structures.

Reading keeps the bytes exactly as found: every value is a :class:`Tlv` whose ``raw`` is the
slice of the input it came from, so a signature is always checked over the original bytes and
never over a re-encoding. Reading is lenient where real seal products are sloppy (BIT STRING
or OCTET STRING for the same field, UTCTime or GeneralizedTime, any string type, long-form
lengths that DER forbids); it refuses only what cannot be read (:class:`Malformed`).

Writing (the ``der_*`` helpers) produces DER only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from asn1crypto import core

# Universal tag numbers used here.
BOOLEAN, INTEGER, BIT_STRING, OCTET_STRING, OID = 1, 2, 3, 4, 6
UTF8_STRING, SEQUENCE, PRINTABLE, T61, IA5, UTC_TIME, GENERALIZED_TIME = 12, 16, 19, 20, 22, 23, 24
VISIBLE, UNIVERSAL_STRING, BMP = 26, 28, 30
UNIVERSAL, CONTEXT = 0, 2

#: A time written without a zone is taken as Beijing time: every such file comes from a
#: Chinese product (ofdrw writes its local "yyyy-MM-dd HH:mm:ss" into v1 timeInfo).
BEIJING = timezone(timedelta(hours=8))


class Malformed(Exception):
    """The bytes are not the expected structure; carries a Chinese and an English reason."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


@dataclass(frozen=True)
class Tlv:
    """One BER/DER value as found: class, constructed flag, tag number and the raw bytes."""

    cls: int
    constructed: bool
    tag: int
    raw: bytes
    header_len: int

    @property
    def contents(self) -> bytes:
        return self.raw[self.header_len:]

    def is_(self, tag: int, cls: int = UNIVERSAL) -> bool:
        return self.cls == cls and self.tag == tag

    def children(self) -> list[Tlv]:
        """The values inside a constructed value, in order."""
        if not self.constructed:
            raise Malformed("应为构造类型（SEQUENCE）", "expected a constructed value (SEQUENCE)")
        return read_all(self.contents)


def _read(data: bytes, pos: int) -> tuple[Tlv, int]:
    start, end = pos, len(data)
    if pos >= end:
        raise Malformed("数据意外结束", "unexpected end of data")
    first = data[pos]
    pos += 1
    tag = first & 0x1F
    if tag == 0x1F:  # high tag number form
        tag = 0
        while True:
            if pos >= end or tag > 1 << 28:
                raise Malformed("标签编码错误", "bad tag encoding")
            byte = data[pos]
            pos += 1
            tag = tag << 7 | byte & 0x7F
            if not byte & 0x80:
                break
    if pos >= end:
        raise Malformed("数据意外结束（缺少长度）", "unexpected end of data (no length)")
    length = data[pos]
    pos += 1
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4:
            raise Malformed("不支持的长度编码（不定长或过长）",
                            "unsupported length encoding (indefinite or too long)")
        if pos + count > end:
            raise Malformed("数据意外结束（长度不完整）", "unexpected end of data (length)")
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    if pos + length > end:
        raise Malformed("数据被截断：值的长度超出数据末尾",
                        "data truncated: a value's length runs past the end")
    tlv = Tlv(first >> 6, bool(first & 0x20), tag, bytes(data[start:pos + length]), pos - start)
    return tlv, pos + length


def read_one(data: bytes) -> Tlv:
    """The single value that ``data`` must consist of exactly."""
    tlv, pos = _read(data, 0)
    if pos != len(data):
        raise Malformed(f"值之后有 {len(data) - pos} 个多余字节",
                        f"{len(data) - pos} extra bytes after the value")
    return tlv


def read_all(data: bytes) -> list[Tlv]:
    out, pos = [], 0
    while pos < len(data):
        tlv, pos = _read(data, pos)
        out.append(tlv)
    return out


def seq(tlv: Tlv, what: str, sizes: tuple[int, ...] | None = None) -> list[Tlv]:
    """The children of SEQUENCE ``tlv`` (``what`` in errors); their count must be in ``sizes``."""
    if not tlv.is_(SEQUENCE) or not tlv.constructed:
        raise Malformed(f"{what} 应为 SEQUENCE", f"{what} must be a SEQUENCE")
    kids = tlv.children()
    if sizes is not None and len(kids) not in sizes:
        raise Malformed(f"{what} 有 {len(kids)} 个元素，应为 {' 或 '.join(map(str, sizes))} 个",
                        f"{what} has {len(kids)} elements, expected "
                        f"{' or '.join(map(str, sizes))}")
    return kids


def integer(tlv: Tlv, what: str) -> int:
    if not tlv.is_(INTEGER) or not tlv.contents:
        raise Malformed(f"{what} 应为 INTEGER", f"{what} must be an INTEGER")
    return int.from_bytes(tlv.contents, "big", signed=True)


def oid(tlv: Tlv, what: str) -> str:
    body = tlv.contents
    if not tlv.is_(OID) or not body or body[-1] & 0x80:
        raise Malformed(f"{what} 应为 OBJECT IDENTIFIER", f"{what} must be an OBJECT IDENTIFIER")
    arcs, value = [], 0
    for byte in body:
        value = value << 7 | byte & 0x7F
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(map(str, [first, arcs[0] - 40 * first, *arcs[1:]]))


_ENCODINGS = {UTF8_STRING: ("utf-8",), BMP: ("utf-16-be",), UNIVERSAL_STRING: ("utf-32-be",)}
_STRINGS = {UTF8_STRING, PRINTABLE, T61, IA5, VISIBLE, BMP, UNIVERSAL_STRING}


def text(tlv: Tlv, what: str) -> str:
    """Any ASN.1 string type; 8-bit types are tried as UTF-8, then GB 18030, then Latin-1."""
    if tlv.cls != UNIVERSAL or tlv.tag not in _STRINGS or tlv.constructed:
        raise Malformed(f"{what} 应为字符串", f"{what} must be a string")
    for encoding in _ENCODINGS.get(tlv.tag, ("utf-8", "gb18030", "latin-1")):
        try:
            return tlv.contents.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Malformed(f"{what} 的字符编码无法识别", f"{what} has an unreadable character encoding")


def octets(tlv: Tlv, what: str) -> bytes:
    """The bytes of an OCTET STRING, or of a BIT STRING (without its unused-bits octet)."""
    if tlv.is_(OCTET_STRING) and not tlv.constructed:
        return tlv.contents
    if tlv.is_(BIT_STRING) and not tlv.constructed and tlv.contents:
        return tlv.contents[1:]
    raise Malformed(f"{what} 应为 BIT STRING 或 OCTET STRING",
                    f"{what} must be a BIT STRING or an OCTET STRING")


def certificate(tlv: Tlv, what: str) -> bytes:
    """A DER certificate wrapped in an OCTET/BIT STRING (as specified) or given bare."""
    if tlv.is_(SEQUENCE):
        return tlv.raw
    return octets(tlv, what)


_GENERALIZED = re.compile(
    r"(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)?(\d\d)?(?:[.,](\d+))?(Z|[+-]\d{4})?")
_UTC = re.compile(r"(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?()(Z|[+-]\d{4})?")
_TEXT = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d)(?::(\d\d))?(?:[.,](\d+))?(Z|[+-]\d\d:?\d\d)?")


def parse_time_text(value: str, utc_time: bool = False) -> datetime | None:
    """A GeneralizedTime, UTCTime or "yyyy-MM-dd HH:mm:ss" text as an aware UTC datetime.

    ``utc_time`` tries the two-digit-year UTCTime form first (a 12-digit UTCTime also
    matches the GeneralizedTime pattern, as a nonsense date).
    """
    value = value.strip()
    order = (_UTC, _GENERALIZED, _TEXT) if utc_time else (_GENERALIZED, _TEXT, _UTC)
    for pattern in order:
        match = pattern.fullmatch(value)
        when = match and _from_parts(match.groups(), pattern is _UTC)
        if when:
            return when
    return None


def _from_parts(parts: tuple[str | None, ...], two_digit_year: bool) -> datetime | None:
    year, month, day, hour, minute, second, fraction, zone = parts
    number = int(year or 0)
    if two_digit_year:
        number += 1900 if number >= 50 else 2000
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        tz = BEIJING if not zone else UTC if zone == "Z" else timezone(
            (1 if zone[0] == "+" else -1) * timedelta(hours=int(zone[1:3]),
                                                      minutes=int(zone[-2:])))
        return datetime(number, int(month or 0), int(day or 0), int(hour or 0), int(minute or 0),
                        int(second or 0), micro, tz).astimezone(UTC)
    except ValueError:
        return None


def time(tlv: Tlv, what: str) -> datetime:
    """A UTCTime or GeneralizedTime (either, whatever the version says)."""
    if tlv.cls == UNIVERSAL and tlv.tag in (UTC_TIME, GENERALIZED_TIME) and not tlv.constructed:
        when = parse_time_text(tlv.contents.decode("ascii", "replace"), tlv.tag == UTC_TIME)
        if when is not None:
            return when
    raise Malformed(f"{what} 应为 UTCTime 或 GeneralizedTime 时间",
                    f"{what} must be a UTCTime or GeneralizedTime")


# -- strict DER writing --

def der_tlv(identifier: int, contents: bytes) -> bytes:
    size = len(contents)
    if size < 0x80:
        return bytes((identifier, size)) + contents
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((identifier, 0x80 | len(length))) + length + contents


def der_seq(*parts: bytes) -> bytes:
    return der_tlv(0x30, b"".join(parts))


def der_int(value: int) -> bytes:
    return core.Integer(value).dump()


def der_ia5(value: str) -> bytes:
    return core.IA5String(value).dump()


def der_utf8(value: str) -> bytes:
    return core.UTF8String(value).dump()


def der_octets(value: bytes) -> bytes:
    return der_tlv(0x04, value)


def der_bits(value: bytes) -> bytes:
    return der_tlv(0x03, b"\x00" + value)


def der_oid(dotted: str) -> bytes:
    return core.ObjectIdentifier(dotted).dump()


def der_bool(value: bool) -> bytes:
    return der_tlv(0x01, b"\xff" if value else b"\x00")


def der_generalized(when: datetime) -> bytes:
    """GeneralizedTime "YYYYMMDDhhmmssZ" (UTC, whole seconds), as real files carry it."""
    return der_tlv(0x18, when.astimezone(UTC).strftime("%Y%m%d%H%M%SZ").encode("ascii"))


def der_signature(signature: bytes) -> bytes:
    """A signature value as DER SEQUENCE{r, s}: a bare 64-byte r || s is converted."""
    if len(signature) == 64 and not _is_rs(signature):
        r, s = (int.from_bytes(signature[i:i + 32], "big") for i in (0, 32))
        return der_seq(der_int(r), der_int(s))
    return signature


def _is_rs(signature: bytes) -> bool:
    try:
        return [k.tag for k in seq(read_one(signature), "signature", (2,))] == [INTEGER] * 2
    except Malformed:
        return False
