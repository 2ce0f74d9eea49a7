"""Form fields of two revisions: which really changed, and which showed something.

pyHanko's ``changed_form_fields`` lists every field whose dictionary holds a reference as soon
as any form filling happens (a second seal on a form makes every filled field "changed"), so
it is only a list of candidates here: a field counts as changed when its dictionary, its
widgets or their appearance streams differ between the signed revision and the current one.
A field "showed content" when it had a value (not empty, not /Off) or an appearance that
paints text or images. Beyond the limits, the cautious answer: changed, showed content.
"""

from __future__ import annotations

from collections.abc import Iterable

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.rw_common import PdfHandler

from openseal.core.verification.streams import appearance_paints

MAX_FIELDS = 10_000
MAX_OBJECTS = 2_000  # objects read to fingerprint one field
MAX_BYTES = 4 * 1024 * 1024
_SKIP = frozenset({"/P", "/Parent", "/Length"})  # back links; /Length follows the data


class _TooBig(Exception):
    pass


def field_changes(old: PdfHandler, new: PdfHandler, candidates: Iterable[str]
                  ) -> tuple[frozenset[str], frozenset[str]]:
    """(really changed, of those the ones that showed content when signed)."""
    wanted = set(candidates)
    if not wanted:
        return frozenset(), frozenset()
    before, after = fields_of(old), fields_of(new)
    changed = frozenset(name for name in wanted
                        if name not in before or name not in after
                        or _fingerprint(before[name]) != _fingerprint(after[name]))
    return changed, frozenset(name for name in changed
                              if name not in before or showed_content(before[name]))


def showed_content(field: generic.DictionaryObject) -> bool:
    """A value (not empty, not /Off), or a widget whose appearance paints text or images."""
    value = _value(field)
    if isinstance(value, generic.NameObject):
        if value != "/Off":
            return True
    elif isinstance(value, (str, bytes, list)):
        if len(value) > 0:
            return True
    elif value is not None:
        return True
    return any(appearance_paints(widget) for widget in _widgets(field))


def fields_of(handler: PdfHandler) -> dict[str, generic.DictionaryObject]:
    """Every form field by its fully qualified name."""
    found: dict[str, generic.DictionaryObject] = {}
    acroform = _get(handler.root, "/AcroForm")
    top = _get(acroform, "/Fields")
    if not isinstance(top, generic.ArrayObject):
        return found
    stack: list[tuple[str, object]] = [("", item) for item in top]
    seen: set[generic.Reference] = set()
    for _ in range(MAX_FIELDS):
        if not stack:
            break
        prefix, item = stack.pop()
        if isinstance(item, generic.IndirectObject):
            if item.reference in seen:
                continue
            seen.add(item.reference)
            item = item.get_object()
        if not isinstance(item, generic.DictionaryObject):
            continue
        name = _get(item, "/T")
        full = prefix if name is None else (f"{prefix}.{name}" if prefix else str(name))
        if full:
            found.setdefault(full, item)
        kids = _get(item, "/Kids")
        if isinstance(kids, generic.ArrayObject):
            stack.extend((full, kid) for kid in kids)
    return found


def _fingerprint(field: generic.DictionaryObject) -> object:
    """The field with every reference resolved and every stream's data, as plain values."""
    budget = [MAX_OBJECTS, MAX_BYTES]
    try:
        return _canon(field, budget, set())
    except (_TooBig, RecursionError):
        return object()  # unequal to everything: counts as changed
    except Exception:  # noqa: BLE001 - unreadable: changed
        return object()


def _canon(obj: object, budget: list[int], path: set[generic.Reference]) -> object:
    budget[0] -= 1
    if budget[0] < 0 or len(path) > 32:
        raise _TooBig
    if isinstance(obj, generic.IndirectObject):
        ref = obj.reference
        if ref in path:
            return ("cycle", ref.idnum)
        resolved = obj.get_object()
        return _canon(resolved, budget, path | {ref})
    if isinstance(obj, generic.StreamObject):
        data = obj.data
        budget[1] -= len(data)
        if budget[1] < 0:
            raise _TooBig
        head = {k: v for k, v in obj.items() if k not in ("/Filter", "/DecodeParms")}
        return ("stream", _canon_dict(head, budget, path), data)
    if isinstance(obj, generic.DictionaryObject):
        return _canon_dict(dict(obj.items()), budget, path)
    if isinstance(obj, generic.ArrayObject):
        return ("array", tuple(_canon(v, budget, path) for v in obj))
    return (type(obj).__name__, str(obj))


def _canon_dict(items: dict[str, object], budget: list[int],
                path: set[generic.Reference]) -> object:
    return ("dict", tuple(sorted((str(k), _canon(v, budget, path)) for k, v in items.items()
                                 if k not in _SKIP and not _is_child_field(k, v))))


def _is_child_field(key: str, value: object) -> bool:
    """/Kids that are fields of their own are compared on their own."""
    if key != "/Kids" or not isinstance(value, generic.ArrayObject):
        return False
    return any("/T" in kid.get_object() for kid in value
               if isinstance(kid.get_object(), generic.DictionaryObject))


def _value(field: generic.DictionaryObject) -> object:
    node: object = field
    for _ in range(32):  # /V is inheritable
        if not isinstance(node, generic.DictionaryObject):
            return None
        if "/V" in node:
            return _get(node, "/V")
        node = _get(node, "/Parent")
    return None


def _widgets(field: generic.DictionaryObject) -> list[generic.DictionaryObject]:
    kids = _get(field, "/Kids")
    if not isinstance(kids, generic.ArrayObject):
        return [field]
    found = [kid.get_object() for kid in kids]
    return [k for k in found if isinstance(k, generic.DictionaryObject) and "/T" not in k]


def _get(obj: object, key: str) -> object:
    """The resolved value of ``key``, or None."""
    if not isinstance(obj, generic.DictionaryObject):
        return None
    try:
        return obj[key]
    except KeyError:
        return None
