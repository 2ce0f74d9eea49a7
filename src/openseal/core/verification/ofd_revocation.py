"""Revocation of an OFD signer's certificate path, from locally supplied SM2 CRLs.

OpenSeal's SM2 CAs (the SM2 root and every organisation's SM2 CA) each publish a CRL
(``core.pki.sm2_revocation.sm2_revocation_lists``); the verifier is handed them, nothing is
ever fetched. Every certificate of the signer's path below the trust anchor (the seal
certificate, then its organisation CA) is looked up in the CRLs of its issuer:

- a CRL counts only when it is the issuer's (names), verifies with the issuer's SM2 key
  (``sm2_chain.revoked_in``: a forged or altered CRL is ignored), is complete and has not
  expired at the validation time;
- a certificate whose issuer has CRLs here, or is one of our CAs (``own_issuer``: the
  policy's ``own_issuers``, so a missing CRL does not make it foreign), is one of ours:
  revocation is *required*. No usable CRL is ``REVOCATION_UNAVAILABLE`` (INDETERMINATE,
  never VALID);
- listed (revoked, or on hold: a suspended seal) at or before the trusted signing time (the
  verified timestamp's genTime), or at all when there is no trusted timestamp: ``REVOKED``
  (INVALID). Listed only after the verified timestamp: ``REVOKED_AFTER_TIMESTAMP`` (a
  warning: the timestamp proves the signature was made while the certificate was good);
- a certificate whose issuer has no CRL here (imported seals, other seal makers) follows
  the policy's ``revocation_mode`` as the PDF side does: ``soft-fail`` (the default) goes on
  with ``REVOCATION_NOT_CHECKED`` (a warning that says so), ``hard-fail`` / ``require``
  give ``REVOCATION_UNAVAILABLE``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import crl as asn1_crl
from asn1crypto import x509

from openseal.core.pki.sm2_x509 import revoked_in
from openseal.core.verification import reasons as R

SOFT_FAIL = "soft-fail"


@dataclass(frozen=True)
class RevocationCheck:
    codes: tuple[str, ...] = ()
    revoked: bool | None = None
    """True: listed (now); False: checked and not listed; None: not known."""


NOT_CHECKED = RevocationCheck()


def check_revocation(path: Sequence[bytes], crls: Sequence[bytes], at: datetime,
                     proven: datetime | None, mode: str = SOFT_FAIL,
                     own_issuer: Callable[[bytes], bool] = lambda _: False
                     ) -> RevocationCheck:
    """The revocation status of ``path`` (leaf first, ending with the trust anchor), as of
    the validation time ``at``, with ``proven`` the trusted signing time (None: there is no
    verified timestamp). ``own_issuer(cert)``: its issuer is one of our CAs. See the
    module docstring."""
    issued = _issuers_of(crls)
    codes: list[str] = []
    statuses: list[bool | None] = []
    for cert, issuer in zip(path, path[1:], strict=False):
        own = issued.get(_issuer_name(cert), [])
        if not own:
            unchecked = R.REVOCATION_NOT_CHECKED if mode == SOFT_FAIL \
                and not own_issuer(cert) else R.REVOCATION_UNAVAILABLE
            codes.append(unchecked)
            statuses.append(None)
            continue
        code = _status(cert, issuer, own, at, proven)
        codes += [code] if code else []
        statuses.append(None if code == R.REVOCATION_UNAVAILABLE else code is not None)
    return RevocationCheck(tuple(R.merge(codes)), _revoked(statuses))


def _status(cert: bytes, issuer: bytes, crls: list[bytes], at: datetime,
            proven: datetime | None) -> str | None:
    """None (good), REVOKED, REVOKED_AFTER_TIMESTAMP or REVOCATION_UNAVAILABLE."""
    now = [revoked_in(cert, crl, issuer, at) for crl in crls]
    if all(found is None for found in now):
        return R.REVOCATION_UNAVAILABLE
    if True not in now:
        return None
    if proven is None:
        return R.REVOKED
    listed = [crl for crl, found in zip(crls, now, strict=True) if found]
    then = [revoked_in(cert, crl, issuer, proven) for crl in listed]
    return R.REVOKED if True in then else R.REVOKED_AFTER_TIMESTAMP


def _revoked(statuses: list[bool | None]) -> bool | None:
    if True in statuses:
        return True
    if not statuses or None in statuses:
        return None
    return False


def _issuers_of(crls: Sequence[bytes]) -> dict[str, list[bytes]]:
    """The CRLs by their issuer's (normalised) name; unreadable ones are left out."""
    found: dict[str, list[bytes]] = {}
    for der in crls:
        try:
            issuer = asn1_crl.CertificateList.load(bytes(der))["tbs_cert_list"]["issuer"]
            found.setdefault(issuer.hashable, []).append(bytes(der))
        except Exception:  # noqa: BLE001 - junk given as a CRL is no CRL
            continue
    return found


def _issuer_name(cert: bytes) -> str:
    try:
        return str(x509.Certificate.load(bytes(cert)).issuer.hashable)
    except Exception:  # noqa: BLE001 - the path was built from it: this does not happen
        return ""


__all__ = ["NOT_CHECKED", "RevocationCheck", "check_revocation"]
