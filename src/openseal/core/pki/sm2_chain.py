"""Building and checking SM2 certificate paths (GB/T 38540 signers, our SM2 CAs).

``cryptography`` and pyHanko's certvalidator cannot verify SM2, so this is a small RFC 5280
§6 path validation of our own, limited to what SM2 seals need:

- every signature is SM2-with-SM3, checked by ``sm2_x509`` (which also parses certificates
  and reads CRLs: ``revoked_in``);
- the path is built by issuer/subject name, narrowed by AKI/SKI where both are present,
  with backtracking over several candidates of the same name;
- every certificate must be valid at ``at``: a time the caller chooses (the signing time of a
  seal or a signature), never "now" implicitly;
- issuers must have basicConstraints cA, keyCertSign when keyUsage is present (RFC 5280
  §6.1.4 (k), (n)) and respect pathLenConstraint;
- a critical extension the path checker does not process fails the path (§6.1.4 (o)).

A failed path says why, with a stable code and a Chinese and English message
(``Sm2ChainResult``); ``Sm2ChainResult.error()`` turns it into an ``IntegrityViolation``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import x509

from openseal.core.pki.sm2_x509 import (
    certificate_problem,
    certificate_signature_valid,
    crl_signature_valid,
    load_certificate,
    load_crl,
    public_point,
    require_aware,
    revoked_in,
    signed_part,
    valid_at,
    validity_of,
)
from openseal.errors import IntegrityViolation

MAX_PATH = 8
"""The longest path tried (leaf, intermediates, anchor); a loop or a longer path fails."""

# Critical extensions the checker processes (or that carry no constraint on the path).
UNDERSTOOD_CRITICAL = frozenset({
    "basic_constraints", "key_usage", "extended_key_usage", "subject_alt_name",
    "key_identifier", "authority_key_identifier",
})

_MESSAGES: dict[str, tuple[str, str]] = {
    "SM2_CERT_MALFORMED": (
        "证书无法解析（不是 DER 编码的 X.509 证书）",
        "The certificate cannot be parsed (not a DER X.509 certificate)"),
    "SM2_CHAIN_NO_ISSUER": (
        "找不到证书「{subject}」的签发者「{issuer}」",
        "The issuer '{issuer}' of the certificate '{subject}' is not available"),
    "SM2_SIGNATURE_INVALID": (
        "证书「{subject}」的 SM2 签名不能用「{issuer}」的公钥验证",
        "The SM2 signature of the certificate '{subject}' does not verify with the key of "
        "'{issuer}'"),
    "SM2_ALGORITHM": (
        "证书「{subject}」不是用 SM2（SM3）签名的",
        "The certificate '{subject}' is not signed with SM2 (with SM3)"),
    "SM2_NOT_VALID_AT_TIME": (
        "证书「{subject}」在 {at} 不在有效期内（{not_before} 至 {not_after}）",
        "The certificate '{subject}' is not valid at {at} (valid {not_before} to {not_after})"),
    "SM2_NOT_A_CA": (
        "证书「{issuer}」不是 CA 证书（{why}），不能签发「{subject}」",
        "The certificate '{issuer}' is not a CA certificate ({why}) and cannot issue "
        "'{subject}'"),
    "SM2_PATH_LENGTH": (
        "证书「{issuer}」的路径长度约束不允许其下有这么多层 CA",
        "The path length constraint of '{issuer}' does not allow this many CAs below it"),
    "SM2_CRITICAL_EXTENSION": (
        "证书「{subject}」含有无法处理的关键扩展 {extension}",
        "The certificate '{subject}' has a critical extension that is not supported: "
        "{extension}"),
    "SM2_NO_TRUST_ANCHOR": (
        "证书链止于「{subject}」，它不是受信任的根证书",
        "The certificate path ends at '{subject}', which is not a trusted root"),
    "SM2_PATH_TOO_LONG": (
        "证书路径过长或成环（超过 {max} 张证书）",
        "The certificate path is too long or loops (more than {max} certificates)"),
}


@dataclass(frozen=True)
class Sm2ChainResult:
    """The outcome of ``sm2_chain``.

    ``path`` is leaf first. On success it ends with the trust anchor; on failure it is the
    path that got furthest (ending with the issuer tried last, if any), and ``failed_at``
    indexes the certificate the failure is about: the one whose signature or validity
    failed, or the issuer that is no CA. ``code`` is None exactly when ``ok``.
    """

    ok: bool
    path: tuple[bytes, ...] = field(repr=False)
    code: str | None = None
    zh: str = ""
    en: str = ""
    failed_at: int | None = None
    details: dict[str, str] = field(default_factory=dict)

    def message(self, lang: str = "zh") -> str:
        return self.en if lang.startswith("en") else self.zh

    @property
    def subjects(self) -> tuple[str, ...]:
        """The subjects along ``path`` (leaf first), for reports and logs."""
        return tuple(_subject_of(der) for der in self.path)

    def error(self) -> IntegrityViolation | None:
        """The failure as the domain error the boundaries translate, or None when ok."""
        if self.ok or self.code is None:
            return None
        return IntegrityViolation(self.code, self.zh, self.en, **self.details)


def _subject_of(der: bytes) -> str:
    try:
        return str(load_certificate(der).subject.human_friendly)
    except ValueError:
        return "?"


# ---------------------------------------------------------------- path building


@dataclass(frozen=True)
class _Cert:
    der: bytes
    cert: x509.Certificate

    @property
    def name(self) -> str:
        return str(self.cert.subject.human_friendly)


class _Search:
    def __init__(self, candidates: list[_Cert], anchors: list[_Cert], at: datetime) -> None:
        self.anchors = anchors
        self.pool = anchors + candidates
        self.anchor_keys = {(a.cert.subject.dump(), a.cert.public_key.dump()) for a in anchors}
        self.at = at
        self.best: tuple[str, dict[str, str], tuple[_Cert, ...], int] | None = None

    def fail(self, path: tuple[_Cert, ...], code: str, about: int = -1, **details: str) -> None:
        """Keep the failure of the path that got furthest (the first of equals); ``about``
        indexes the certificate it is about (default: the last one)."""
        if self.best is None or len(path) > len(self.best[2]):
            self.best = (code, details, path, about % len(path))

    def is_anchor(self, c: _Cert) -> bool:
        return (c.cert.subject.dump(), c.cert.public_key.dump()) in self.anchor_keys

    def issuers_of(self, c: _Cert, path: tuple[_Cert, ...]) -> list[_Cert]:
        used = {p.der for p in path}
        aki = c.cert.authority_key_identifier
        found: list[_Cert] = []
        for x in self.pool:
            if x.der in used or x.cert.subject != c.cert.issuer:
                continue
            ski = x.cert.key_identifier
            if aki is not None and ski is not None and aki != ski:
                continue
            if all(x.der != f.der for f in found):
                found.append(x)
        return found

    def visit(self, path: tuple[_Cert, ...]) -> tuple[_Cert, ...] | None:
        c = path[-1]
        if not valid_at(c.cert, self.at):
            not_before, not_after = validity_of(c.cert)
            self.fail(path, "SM2_NOT_VALID_AT_TIME", subject=c.name, at=self.at.isoformat(),
                      not_before=not_before.isoformat(), not_after=not_after.isoformat())
            return None
        unknown = sorted(str(e) for e in c.cert.critical_extensions - UNDERSTOOD_CRITICAL)
        if unknown:
            self.fail(path, "SM2_CRITICAL_EXTENSION", subject=c.name, extension=unknown[0])
            return None
        if self.is_anchor(c):
            return path
        if len(path) >= MAX_PATH:
            self.fail(path, "SM2_PATH_TOO_LONG", max=str(MAX_PATH))
            return None
        if c.cert.self_issued and certificate_problem(c.der, c.cert, c.cert) is None:
            # self-signed: a root, and not one of ours (a self-issued certificate of a key
            # rollover, signed by another key, goes on to its issuer)
            self.fail(path, "SM2_NO_TRUST_ANCHOR", subject=c.name)
            return None
        issuers = self.issuers_of(c, path)
        if not issuers:
            code = "SM2_NO_TRUST_ANCHOR" if c.cert.self_issued else "SM2_CHAIN_NO_ISSUER"
            self.fail(path, code, subject=c.name, issuer=str(c.cert.issuer.human_friendly))
            return None
        for issuer in issuers:
            longer = path + (issuer,)
            problem = self._issuer_problem(path, issuer)
            if problem is not None:
                code, details = problem
                about = -2 if code in ("SM2_SIGNATURE_INVALID", "SM2_ALGORITHM") else -1
                self.fail(longer, code, about, subject=c.name, issuer=issuer.name, **details)
                continue
            found = self.visit(longer)
            if found is not None:
                return found
        return None

    @staticmethod
    def _issuer_problem(path: tuple[_Cert, ...],
                        issuer: _Cert) -> tuple[str, dict[str, str]] | None:
        cert = issuer.cert
        if cert.ca is not True:  # RFC 5280 §6.1.4 (k)
            return "SM2_NOT_A_CA", {"why": "basicConstraints cA"}
        usage = cert.key_usage_value
        if usage is not None and "key_cert_sign" not in usage.native:  # §6.1.4 (n)
            return "SM2_NOT_A_CA", {"why": "keyUsage keyCertSign"}
        limit = cert.max_path_length
        below = sum(1 for p in path[1:] if not p.cert.self_issued)
        if limit is not None and below > limit:  # §6.1.4 (l), (m)
            return "SM2_PATH_LENGTH", {}
        problem = certificate_problem(path[-1].der, path[-1].cert, cert)
        if problem is not None:
            return problem, {}
        return None


def _parse_all(ders: Sequence[bytes]) -> list[_Cert]:
    parsed = []
    for der in ders:
        try:
            parsed.append(_Cert(bytes(der), load_certificate(bytes(der))))
        except ValueError:
            continue  # a broken candidate cannot be an issuer; the path says what is missing
    return parsed


def sm2_chain(cert_der: bytes, candidates: Sequence[bytes], anchors: Sequence[bytes],
              at: datetime) -> Sm2ChainResult:
    """Build and check a path from ``cert_der`` to one of ``anchors`` through
    ``candidates`` (intermediates; any order, extra ones ignored), everything judged at
    ``at``. An anchor is trusted as given (its own signature is not checked) but must itself
    be valid at ``at`` and, when it issues, be a CA."""
    require_aware(at)
    try:
        leaf = _Cert(bytes(cert_der), load_certificate(bytes(cert_der)))
    except ValueError:
        zh, en = _MESSAGES["SM2_CERT_MALFORMED"]
        return Sm2ChainResult(False, (bytes(cert_der),), "SM2_CERT_MALFORMED", zh, en, 0)
    search = _Search(_parse_all(candidates), _parse_all(anchors), at)
    found = search.visit((leaf,))
    if found is not None:
        return Sm2ChainResult(True, tuple(c.der for c in found))
    assert search.best is not None
    code, details, path, about = search.best
    zh, en = _MESSAGES[code]
    return Sm2ChainResult(False, tuple(c.der for c in path), code, zh.format(**details),
                          en.format(**details), about, details)


# The checks of single certificates and CRLs moved to ``sm2_x509``; their names are also
# re-exported here so callers that import them from ``sm2_chain`` keep working.
__all__ = ["MAX_PATH", "Sm2ChainResult", "certificate_signature_valid", "crl_signature_valid",
           "load_certificate", "load_crl", "public_point", "revoked_in", "signed_part",
           "sm2_chain", "valid_at"]
