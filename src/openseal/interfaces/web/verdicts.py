"""One headline per verification, worded by what went wrong (most serious first): the
signature broken or forged; the document modified after sealing; changed after sealing in
ways that may be harmless; not sealed by a seal this platform knows."""

from __future__ import annotations

from openseal.core.verification import VerificationReport
from openseal.core.verification import reasons as R

_ORDER: tuple[tuple[str, frozenset[str]], ...] = (
    ("broken", frozenset({R.SIGNATURE_BROKEN, R.NONSTANDARD_BYTERANGE, R.WEAK_ALGORITHM,
                          R.REVOKED, R.TIMESTAMP_INVALID, R.SEED_VALUE_VIOLATION,
                          R.MALFORMED_SIGNATURE, R.MALFORMED_PDF})),
    ("modified", frozenset({R.MODIFIED_AFTER_SEAL})),
    ("changed", frozenset({R.CHANGED_AFTER_SEAL_POSSIBLY_HARMLESS, R.UNSIGNED_TRAILING_DATA})),
    ("unknown_signer", frozenset({R.UNTRUSTED_SIGNER, R.TEST_SEAL, R.TIMESTAMP_UNTRUSTED})),
    ("unsigned", frozenset({R.NO_SIGNATURES})),
)


def headline_key(report: VerificationReport) -> str:
    if report.verdict == R.VALID:
        return "valid"
    codes = set(report.reasons)
    return next((key for key, family in _ORDER if codes & family), "other")
