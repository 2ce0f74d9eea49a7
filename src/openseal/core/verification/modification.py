"""What changed after a signature, beyond pyHanko's modification level.

Two facts the reason codes need (see judge.modification_reasons):

- ``changed`` and ``prefilled`` (formfields.py): the form fields really changed after
  signing, and of those the ones that showed something when the signature was made (a
  value, or an appearance that paints text or images). Changing those replaces sealed
  content (the "replace" and "hide" shadow attacks: a new value, a new appearance, a hidden
  field unhidden): modified, not "possibly harmless". Filling in a field that was empty
  when sealed stays "possibly harmless".
- ``relaxed``: pyHanko rejects any new *visible* signature field after a certification
  signature (stricter than Acrobat; the shape of the Sneaky Signature Attack). OpenSeal keeps
  that reading for a certification by a seal this platform knows (trusted: our own policy,
  A4). For a certification by anyone else the document is reviewed again with
  diffpolicy.RELAXED_POLICY; if that finds everything within the DocMDP permissions, the
  result is "changed after sealing, possibly harmless" (the new signature's appearance may
  cover content, which no difference analysis can rule out), never "signature broken".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import SignatureCoverageLevel

from openseal.core.verification.diffpolicy import RELAXED_POLICY
from openseal.core.verification.formfields import field_changes


@dataclass(frozen=True)
class Changes:
    docmdp: MDPPerm | None = None
    """The document's certification level (DocMDP), if it is certified."""
    relaxed: DiffResult | None = None
    """The relaxed review's result, when it was needed and found no other objection."""
    changed: frozenset[str] = frozenset()
    """Form fields (not signatures) whose value or appearance really changed after signing."""
    prefilled: frozenset[str] = frozenset()
    """Of those, the ones that showed something when the signature was made."""


NO_CHANGES = Changes()


def analyse(embedded: EmbeddedPdfSignature, status: Any, strict: bool,
            signature_fields: set[str]) -> Changes:
    """The facts for one signature; ``strict`` when the certifier is a seal we know.
    When a fact cannot be established, the cautious answer: no relaxation, and every
    candidate field counts as changed and as one that showed content."""
    docmdp = getattr(embedded, "docmdp_level", None)
    relaxed = None
    if (not strict and docmdp is not None
            and status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
            and status.modification_level == ModificationLevel.OTHER):
        try:
            result = RELAXED_POLICY.review_file(embedded.reader, embedded.signed_revision,
                                                field_mdp_spec=embedded.fieldmdp,
                                                doc_mdp=docmdp)
        except Exception:  # noqa: BLE001
            result = None
        relaxed = result if isinstance(result, DiffResult) else None
    diff = relaxed or status.diff_result
    candidates = set(getattr(diff, "changed_form_fields", None) or ()) - signature_fields
    if not candidates:
        return Changes(docmdp, relaxed)
    try:
        old = embedded.reader.get_historical_resolver(embedded.signed_revision)
        changed, prefilled = field_changes(old, embedded.reader, candidates)
    except Exception:  # noqa: BLE001
        changed = prefilled = frozenset(candidates)
    return Changes(docmdp, relaxed, changed, prefilled)


def within_docmdp(level: ModificationLevel | None, docmdp: MDPPerm | None) -> bool:
    """pyHanko's DocMDP rule (EmbeddedPdfSignature.summarise_integrity_info)."""
    if level is None or level == ModificationLevel.OTHER:
        return False
    return docmdp is None or level.value <= docmdp.value
