"""Checks on raw bytes: is a /ByteRange standard, and is there unsigned data after it?

These do not trust the PDF parser: pyHanko reports bytes it does not parse as a revision as
"no modification" (STANDARDS §5.3), so the verifier looks at the bytes itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

PDF_WHITESPACE = b"\x00\t\n\x0c\r "
_HEX = frozenset(b"0123456789abcdefABCDEF")
_OBJ_HEADER = re.compile(rb"(?:^|(?<=[\r\n]))[\x00\t\x0c ]*(\d{1,10})[\x00\t\x0c\r\n ]+"
                         rb"(\d{1,5})[\x00\t\x0c\r\n ]+obj\b")
_ENDOBJ = b"endobj"
_MAX_HEADERS = 100_000


def is_blank(data: bytes) -> bool:
    """True if ``data`` holds only PDF whitespace (so appending it is harmless)."""
    return not data.strip(PDF_WHITESPACE)


def byte_range_ints(raw: object) -> list[int] | None:
    """The /ByteRange as four plain ints, or None when it is not four integers."""
    if not isinstance(raw, Iterable) or isinstance(raw, (bytes, str)):
        return None
    try:
        values = list(raw)
    except Exception:  # noqa: BLE001 - any broken array is simply non-standard
        return None
    if len(values) != 4 or not all(_is_int_object(v) for v in values):
        return None
    return [int(v) for v in values]


def _is_int_object(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_standard_byte_range(data: bytes, byte_range: list[int] | None,
                           contents: bytes | None) -> bool:
    """[0, a, b, c] with the /Contents hex string exactly filling a..b and b+c within the file.

    ``contents`` is the parsed /Contents value; when given it must equal the hex in the gap.
    """
    if byte_range is None:
        return False
    start, a, b, c = byte_range
    if start != 0 or a <= 0 or b <= a + 1 or c < 0 or b + c > len(data):
        return False
    gap = data[a:b]
    if gap[:1] != b"<" or gap[-1:] != b">" or (len(gap) - 2) % 2:
        return False
    hex_digits = gap[1:-1]
    if not hex_digits or not set(hex_digits) <= _HEX:
        return False
    return contents is None or bytes.fromhex(hex_digits.decode("ascii")) == contents


def unsigned_trailing_bytes(data: bytes, signed_end: int, object_offsets: set[int],
                            last_startxref: int | None) -> int:
    """How many bytes after ``signed_end`` are not part of a well-formed incremental update.

    ``object_offsets`` are where the cross-reference sections (of every revision the parser
    knows) say objects start, including xref streams; ``last_startxref`` is the newest
    revision's xref offset. Whitespace only: 0. Data after the newest revision's ``%%EOF``:
    those bytes. Objects between the signature and that ``%%EOF`` that no xref points at
    (e.g. isa_B): everything after the signed range.
    """
    if signed_end >= len(data) or is_blank(data[signed_end:]):
        return 0
    known_end = _revision_end(data, signed_end, last_startxref)
    starts = {_skip_blank(data, offset) for offset in object_offsets
              if signed_end <= offset < known_end}
    if any(pos not in starts for pos in _object_headers(data, signed_end, known_end)):
        return len(data) - signed_end
    return 0 if is_blank(data[known_end:]) else len(data) - known_end


def _revision_end(data: bytes, signed_end: int, last_startxref: int | None) -> int:
    """End of the newest revision the parser knows (after its %%EOF and end of line)."""
    if last_startxref is None or last_startxref < signed_end:
        return signed_end
    eof = data.find(b"%%EOF", last_startxref)
    if eof < 0:
        return signed_end
    end = eof + 5
    if data[end:end + 2] == b"\r\n":
        return end + 2
    return end + 1 if data[end:end + 1] in (b"\r", b"\n") else end


def _skip_blank(data: bytes, offset: int) -> int:
    while offset < len(data) and data[offset] in PDF_WHITESPACE:
        offset += 1
    return offset


def _object_headers(data: bytes, start: int, end: int) -> list[int]:
    """Offsets of ``N G obj`` headers in data[start:end], skipping over object bodies."""
    found: list[int] = []
    pos = start
    while pos < end and len(found) < _MAX_HEADERS:
        match = _OBJ_HEADER.search(data, pos, end)
        if match is None:
            break
        found.append(match.start(1))
        body_end = data.find(_ENDOBJ, match.end(), end)
        pos = match.end() if body_end < 0 else body_end + len(_ENDOBJ)
    return found
