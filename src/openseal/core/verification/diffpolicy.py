"""pyHanko's difference policy, plus one rule: comments (annotations) added after sealing.

pyHanko 0.38's default policy has no rule that explains new annotations, so a reviewer's
highlight is reported like a replaced page (SuspiciousModification, level OTHER). This rule
clears, at level ANNOTATIONS, a page whose only change is new reviewer's marks in its
/Annots, together with the new objects those marks use. A reviewer's mark is a markup
annotation (``MARKUP``: sticky note, highlight, underline, strike-out, caret, shapes, ink),
with no action, whose appearance paints no text, image or XObject. The verdict then says
"changed after sealing, possibly harmless" instead of "modified", and a certification
signature that forbids annotations (DocMDP P1/P2) still fails its DocMDP check.

Anything else stays unexplained (level OTHER, "modified after sealing"): above all the
overlays of the Evil Annotation Attack, FreeText and Stamp annotations (or a "highlight"
whose appearance writes text), which put new words or pictures on the page.

``RELAXED_POLICY`` differs in one point: it allows new *visible* signature fields after a
certification signature, as Acrobat does (pyHanko, and OpenSeal for its own certifications,
do not: that is the Sneaky Signature Attack). See ``modification.py`` for when it is used.
"""

from __future__ import annotations

from collections.abc import Iterator

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import HistoricalResolver
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, ModificationLevel
from pyhanko.sign.diff_analysis.commons import compare_dicts, compare_key_refs
from pyhanko.sign.diff_analysis.form_rules_api import FormUpdatingRule
from pyhanko.sign.diff_analysis.policies import StandardDiffPolicy
from pyhanko.sign.diff_analysis.rules.form_field_rules import (
    GenericFieldModificationRule,
    SigFieldCreationRule,
    SigFieldModificationRule,
)
from pyhanko.sign.diff_analysis.rules_api import ReferenceUpdate, WhitelistRule

from openseal.core.verification.streams import appearance_paints

_MAX_PAGES = 20_000
_MAX_DEPENDENCIES = 10_000
MARKUP = frozenset({"/Text", "/Highlight", "/Underline", "/Squiggly", "/StrikeOut", "/Caret",
                    "/Popup", "/Square", "/Circle", "/Line", "/Polygon", "/PolyLine", "/Ink"})
"""Reviewer's marks: they point at content, they do not write new content on the page."""
_BACK_LINKS = frozenset({"/P", "/Parent", "/IRT"})


class AnnotationAdditionRule(WhitelistRule):
    """Allow new reviewer's marks (``MARKUP``, no actions, no painted text or images)
    added to existing pages."""

    def apply(self, old: HistoricalResolver,
              new: HistoricalResolver) -> Iterator[ReferenceUpdate]:
        for page_ref in _page_refs(new):
            if old.is_ref_unassignable(page_ref):
                continue  # a new page is not an annotation
            yield from _page_updates(old, new, page_ref)


def _page_refs(handler: HistoricalResolver) -> Iterator[generic.Reference]:
    stack = [handler.root.raw_get("/Pages")]
    seen: set[generic.Reference] = set()
    while stack and len(seen) < _MAX_PAGES:
        node = stack.pop()
        if not isinstance(node, generic.IndirectObject) or node.reference in seen:
            continue
        seen.add(node.reference)
        obj = node.get_object()
        if not isinstance(obj, generic.DictionaryObject):
            continue
        if _get(obj, "/Type") == "/Page":
            yield node.reference
        kids = _get(obj, "/Kids")
        if isinstance(kids, generic.ArrayObject):
            stack.extend(reversed(list(kids)))


def _page_updates(old: HistoricalResolver, new: HistoricalResolver,
                  page_ref: generic.Reference) -> Iterator[ReferenceUpdate]:
    old_page, new_page = old(page_ref), new(page_ref)
    if not compare_dicts(old_page, new_page, frozenset({"/Annots"}), raise_exc=False):
        return
    old_annots = _annot_refs(old_page)
    new_annots = _annot_refs(new_page)
    added = [ref for ref in new_annots if ref not in old_annots]
    if not added or not set(old_annots) <= set(new_annots):
        return
    if not all(is_reviewer_mark(new(ref)) and old.is_ref_unassignable(ref)
               for ref in added):
        return
    array_refs = list(compare_key_refs("/Annots", old, old_page, new_page))
    yield ReferenceUpdate(page_ref)
    yield from (ReferenceUpdate(ref) for ref in array_refs)
    for ref in added:
        yield ReferenceUpdate(ref)
        yield from (ReferenceUpdate(dep) for dep in _new_dependencies(old, new(ref)))


def _annot_refs(page: object) -> list[generic.Reference]:
    if not isinstance(page, generic.DictionaryObject):
        return []
    annots = _get(page, "/Annots")
    if not isinstance(annots, generic.ArrayObject):
        return []
    return [a.reference for a in annots if isinstance(a, generic.IndirectObject)]


def is_reviewer_mark(obj: object) -> bool:
    """A markup annotation with no action whose appearance paints no text or images."""
    if not isinstance(obj, generic.DictionaryObject) or isinstance(obj, generic.StreamObject):
        return False
    return (_get(obj, "/Subtype") in MARKUP and "/Rect" in obj
            and "/A" not in obj and "/AA" not in obj and not appearance_paints(obj))


def _new_dependencies(old: HistoricalResolver, obj: object) -> Iterator[generic.Reference]:
    """New objects reachable from a new annotation (appearance streams, fonts, popups)."""
    stack: list[object] = [obj]
    seen: set[generic.Reference] = set()
    while stack and len(seen) < _MAX_DEPENDENCIES:
        item = stack.pop()
        if isinstance(item, generic.IndirectObject):
            ref = item.reference
            if ref in seen or not old.is_ref_unassignable(ref):
                continue
            seen.add(ref)
            yield ref
            item = item.get_object()
        if isinstance(item, generic.DictionaryObject):
            stack.extend(item.raw_get(k) for k in item.keys() if k not in _BACK_LINKS)
        elif isinstance(item, generic.ArrayObject):
            stack.extend(item)


def _get(obj: generic.DictionaryObject, key: str) -> object:
    """The resolved value of ``key`` (``dict.get`` would return the raw reference)."""
    try:
        return obj[key]
    except KeyError:
        return None


def diff_policy(new_visible_signatures_after_certify: bool = False) -> StandardDiffPolicy:
    """pyHanko's default policy with the annotation rule added (and, when asked, new
    visible signature fields allowed after a certification signature)."""
    rules = list(DEFAULT_DIFF_POLICY.global_rules)
    rules.append(AnnotationAdditionRule().as_qualified(ModificationLevel.ANNOTATIONS))
    form_rule = DEFAULT_DIFF_POLICY.form_rule
    if new_visible_signatures_after_certify:
        form_rule = FormUpdatingRule(field_rules=[
            SigFieldCreationRule(allow_new_visible_after_certify=True),
            SigFieldModificationRule(), GenericFieldModificationRule()])
    return StandardDiffPolicy(global_rules=rules, form_rule=form_rule)


DIFF_POLICY = diff_policy()
RELAXED_POLICY = diff_policy(new_visible_signatures_after_certify=True)
