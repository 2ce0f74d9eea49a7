"""One headline per verification, worded by what went wrong, in the families the verifier
defines (core.verification.reasons: broken or forged; changed after sealing, possibly
harmless; not sealed by a seal this platform knows), with two finer cases people ask
about: the content modified after sealing, and no seal at all."""

from __future__ import annotations

from openseal.core.verification import VerificationReport
from openseal.core.verification import reasons as R

_OWN = {"valid": ("印章有效：签名真实，文件自盖章后未被改动。",
                  "The seal is valid: the signature is genuine and the document has not "
                  "been changed since it was sealed."),
        "modified": ("文件在盖章后被修改：内容已不是盖章时的内容。",
                     "The document was modified after sealing: its content is no longer "
                     "what was sealed."),
        "unsigned": ("文件中没有电子印章或签名。", "The document carries no seal or signature.")}


def headline_key(report: VerificationReport) -> str:
    if report.verdict == R.VALID:
        return "valid"
    codes = report.reasons
    if R.NO_SIGNATURES in codes:
        return "unsigned"
    found = R.family_of(codes) or R.OTHER
    broken = {c for c in codes if R.family(c) == R.BROKEN}
    return "modified" if broken and broken <= R.MODIFIED_CODES else found


def headline(report: VerificationReport, lang: str) -> tuple[str, str]:
    """(key, sentence) for ``report`` in ``lang``."""
    key = headline_key(report)
    if key in _OWN:
        return key, _OWN[key][1 if lang == "en" else 0]
    return key, R.family_text(key, lang)
