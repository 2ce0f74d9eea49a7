"""Looking inside appearance streams: does one paint text or pictures?

Used to tell a reviewer's mark (a highlight, a sticky note, a circle) from an overlay that
puts new words or images on the page (the Evil Annotation Attack), and a form field that
showed something when it was sealed from an empty one. A small tokenizer, not a renderer: it
skips strings, names, comments and dictionaries and collects the operators. Anything it cannot
read within its limits counts as painting (the cautious answer).
"""

from __future__ import annotations

from collections.abc import Iterator

from pyhanko.pdf_utils import generic

PAINTS = frozenset({b"Tj", b"TJ", b"'", b'"', b"Do", b"BI", b"sh"})
"""Text showing, XObjects (forms and images), inline images, shadings."""
MAX_STREAM = 256 * 1024
MAX_STREAMS = 16
_WHITE = frozenset(b"\x00\t\n\x0c\r ")
_DELIMS = frozenset(b"()<>[]{}/%")


def paints(stream: object) -> bool:
    """Whether ``stream`` (a content stream object) shows text, images or XObjects."""
    if not isinstance(stream, generic.StreamObject):
        return False
    try:
        data = stream.data
    except Exception:  # noqa: BLE001 - an undecodable stream: assume the worst
        return True
    if len(data) > MAX_STREAM:
        return True
    try:
        return any(op in PAINTS for op in _operators(data))
    except IndexError:
        return True


def appearance_streams(annotation: generic.DictionaryObject) -> list[object] | None:
    """The streams of an annotation's /AP (normal, rollover, down; every state), or None
    when there are more than ``MAX_STREAMS`` or they cannot be read."""
    try:
        ap = annotation.get("/AP")
        if ap is None:
            return []
        ap = ap.get_object()
        if not isinstance(ap, generic.DictionaryObject):
            return None
        found: list[object] = []
        for key in ("/N", "/R", "/D"):
            value = ap.get(key)
            value = value.get_object() if value is not None else None
            if isinstance(value, generic.StreamObject):
                found.append(value)
            elif isinstance(value, generic.DictionaryObject):
                found.extend(v.get_object() for v in value.values())
        return found if len(found) <= MAX_STREAMS else None
    except Exception:  # noqa: BLE001
        return None


def appearance_paints(annotation: generic.DictionaryObject) -> bool:
    streams = appearance_streams(annotation)
    return streams is None or any(paints(s) for s in streams)


def _operators(data: bytes) -> Iterator[bytes]:
    i, n = 0, len(data)
    while i < n:
        c = data[i]
        if c in _WHITE or c in b")>]{}[":
            i += 1
        elif c in b"%(</":
            i = _skip_syntax(data, i)
        else:
            start = i
            while i < n and data[i] not in _WHITE and data[i] not in _DELIMS:
                i += 1
            token = data[start:i]
            if not _is_number(token):
                yield token
                if token == b"BI":
                    return


def _skip_syntax(data: bytes, i: int) -> int:
    """Past a comment, a string, a hex string or ``<<``, or a name starting at ``i``."""
    c, n = data[i], len(data)
    if c == 0x25:  # % comment
        while i < n and data[i] not in b"\r\n":
            i += 1
        return i
    if c == 0x28:  # ( string )
        return _skip_string(data, i)
    if c == 0x3C:  # < hex string > or << dictionary
        return i + 2 if data[i + 1:i + 2] == b"<" else _skip_to(data, i, 0x3E)
    i += 1  # /name
    while i < n and data[i] not in _WHITE and data[i] not in _DELIMS:
        i += 1
    return i


def _skip_string(data: bytes, i: int) -> int:
    depth, i, n = 0, i, len(data)
    while i < n:
        c = data[i]
        if c == 0x5C:  # backslash escape
            i += 2
            continue
        if c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def _skip_to(data: bytes, i: int, end: int) -> int:
    at = data.find(bytes([end]), i)
    return len(data) if at < 0 else at + 1


def _is_number(token: bytes) -> bool:
    return bool(token) and all(ch in b"+-.0123456789" for ch in token)
