"""Reason codes from pyHanko's findings: each fact is judged on its own.

pyHanko's ``bottom_line`` is deliberately not used (STANDARDS §5.1): it ignores coverage and
treats a skipped difference analysis as fine. Every fact below contributes its own code and
the verdict is derived from the codes (see reasons.verdict_of).
"""

from __future__ import annotations

from typing import Any

from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation.status import SignatureCoverageLevel

from openseal.core.verification import reasons as R
from openseal.core.verification.modification import NO_CHANGES, Changes, within_docmdp

WEAK_DIGESTS = frozenset({"md2", "md4", "md5", "sha1"})


def integrity_reasons(status: Any, weak: bool) -> list[str]:
    """Digest and signature value: a mismatch is a broken signature."""
    found = [R.WEAK_ALGORITHM] if weak else []
    if not status.intact or (not status.valid and not weak):
        found.append(R.SIGNATURE_BROKEN)
    return found


def trust_reasons(status: Any) -> list[str]:
    """REVOKED, REVOCATION_UNAVAILABLE (``TRY_LATER``: a stale CRL, or, for our own signer,
    none usable at all: see revocation_gap.py) or UNTRUSTED_SIGNER."""
    if status.revoked:
        return [R.REVOKED]
    if status.trusted:
        return []
    indication = getattr(status.trust_problem_indic, "name", "")
    if not status.intact or not status.valid:
        return []  # already broken; trust is moot
    if indication == "TRY_LATER":
        return [R.REVOCATION_UNAVAILABLE]
    return [R.UNTRUSTED_SIGNER]


def modification_reasons(status: Any, signature_fields: set[str],
                         changes: Changes = NO_CHANGES) -> list[str]:
    """Coverage, difference analysis and DocMDP of the revisions after the signed one.

    OTHER, outside DocMDP, or a change to a form field that showed something when sealed:
    modified. New reviewer's marks, a field filled in that was empty, or a new visible
    signature on a document certified by someone else (``changes.relaxed``): changed,
    possibly harmless. Signatures added, DSS and document timestamps: nothing.
    """
    coverage = status.coverage
    if coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return []
    if coverage is None or coverage == SignatureCoverageLevel.UNCLEAR:
        return [R.NONSTANDARD_BYTERANGE]
    if coverage != SignatureCoverageLevel.ENTIRE_REVISION:
        return [R.MODIFIED_AFTER_SEAL]
    level = changes.relaxed.modification_level if changes.relaxed else status.modification_level
    docmdp_ok = getattr(status, "docmdp_ok", None)
    if changes.relaxed or not isinstance(docmdp_ok, bool):  # document timestamps have none
        docmdp_ok = within_docmdp(level, changes.docmdp)
    if level is None or level == ModificationLevel.OTHER or not docmdp_ok:
        return [R.MODIFIED_AFTER_SEAL]
    changed = changes.changed - signature_fields
    if changed & changes.prefilled:
        return [R.MODIFIED_AFTER_SEAL]  # sealed content replaced (shadow attacks)
    if changes.relaxed or level == ModificationLevel.ANNOTATIONS or changed:
        return [R.CHANGED_AFTER_SEAL_POSSIBLY_HARMLESS]
    return []


def timestamp_reasons(status: Any) -> list[str]:
    """The signature timestamp (and a content timestamp, if any) must be intact and trusted."""
    token = getattr(status, "timestamp_validity", None)
    found = [R.NO_TIMESTAMP] if token is None else _token_reasons(token)
    content = getattr(status, "content_timestamp_validity", None)
    if content is not None:
        found += _token_reasons(content)
    return found


def _token_reasons(token: Any) -> list[str]:
    if not token.intact or not token.valid:
        return [R.TIMESTAMP_INVALID]
    if not token.trusted:
        if getattr(getattr(token, "trust_problem_indic", None), "name", "") == "TRY_LATER":
            return [R.REVOCATION_UNAVAILABLE]  # its TSA's CRL: see revocation_gap.py
        return [R.TIMESTAMP_UNTRUSTED]
    return []


def seed_value_reasons(status: Any) -> list[str]:
    return [] if getattr(status, "seed_value_ok", True) else [R.SEED_VALUE_VIOLATION]


def signature_verdict(codes: tuple[str, ...], require_timestamp: bool) -> str:
    verdict = R.verdict_of(codes)
    if verdict == R.VALID and require_timestamp and R.NO_TIMESTAMP in codes:
        return R.INDETERMINATE
    return verdict
