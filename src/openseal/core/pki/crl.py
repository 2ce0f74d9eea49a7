"""Certificate revocation lists (RFC 5280 §5), one per issuing CA.

A CRL is built with asn1crypto and signed through ``KeyStore.sign_raw`` by the CA's own key
(the CA is its own CRL issuer: no indirect CRLs). A CRL number always names one content;
see ``CrlPublisher`` for how numbers and thisUpdate are chosen without a request ever
writing. The lifecycle publishes a new CRL at once whenever a certificate's status changes.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from asn1crypto import crl

from openseal.core.clock import Clock
from openseal.core.gm.keys import is_sm2
from openseal.core.keys.model import KeyStore
from openseal.core.pki.issuance import asn1_time, certificate_from_der, key_identifier
from openseal.core.pki.profiles import CertificateRole
from openseal.core.ports import Repositories
from openseal.core.records import CertificateRecord, CrlRecord, RevokedCertificate
from openseal.errors import Conflict

CRL_VALIDITY = timedelta(days=7)
REFRESH = timedelta(days=1)
"""A CRL is re-signed this often, so its nextUpdate is always 6 days away or more."""

# RFC 5280 §5.3.1 reasons a seal certificate may be revoked for (the CA ones do not apply;
# certificateHold is what a suspension publishes, removeFromCRL is for delta CRLs only).
REVOCATION_REASONS = ("unspecified", "key_compromise", "affiliation_changed", "superseded",
                      "cessation_of_operation", "privilege_withdrawn")
HOLD = "certificate_hold"
_SIGNED: dict[tuple[str, bytes, int, datetime], bytes] = {}  # unstored periodic CRLs, by content
_SIGNED_LOCK = threading.Lock()
_SIGNED_MAX = 4096


class RevocationRepos(Repositories, Protocol):
    """What CRL and OCSP need stored, beyond the certificates (adapters: SqlLifecycle)."""

    def set_certificate_revocation(self, cert_id: str, revoked_at: datetime | None,
                                   reason: str | None) -> None: ...
    def revocation_of(self, cert_id: str) -> RevokedCertificate | None: ...
    def revoked_certificates(self, issuer_id: str) -> list[RevokedCertificate]: ...
    def certificate_by_serial(self, serial_hex: str) -> CertificateRecord | None: ...
    def latest_crl(self, issuer_id: str) -> CrlRecord | None: ...
    def add_crl(self, record: CrlRecord) -> bool:
        """False (and nothing stored) if the CA already has a CRL with that number."""
        ...
    def ocsp_responder(self, issuer_id: str) -> CertificateRecord | None:
        """The newest OCSP responder certificate issued by ``issuer_id``."""
        ...


def build_crl(ca: CertificateRecord, entries: Sequence[RevokedCertificate], number: int,
              this_update: datetime, keystore: KeyStore) -> bytes:
    """The DER of a v2 CRL of ``ca`` listing ``entries``, signed by the CA key."""
    assert ca.key_id is not None
    ca_cert = certificate_from_der(ca.der)
    digest = "sm3" if is_sm2(ca_cert.public_key) else "sha256"  # an SM2 CA signs SM2-with-SM3
    algorithm = keystore.signature_algorithm(ca.key_id, digest)
    tbs = crl.TbsCertList({
        "version": "v2",
        "signature": {"algorithm": algorithm},
        "issuer": ca_cert.subject,
        "this_update": asn1_time(this_update),
        "next_update": asn1_time(this_update + CRL_VALIDITY),
        "crl_extensions": [
            _ext("crl_number", number),
            _ext("authority_key_identifier",
                 {"key_identifier": key_identifier(ca_cert.public_key)}),
        ],
    })
    if entries:  # RFC 5280 §5.1.2.6: absent, not empty, when nothing is revoked
        tbs["revoked_certificates"] = [_entry(e) for e in entries]
    signature = keystore.sign_raw(ca.key_id, tbs.dump(), digest)
    return crl.CertificateList({
        "tbs_cert_list": tbs, "signature_algorithm": {"algorithm": algorithm},
        "signature": signature}).dump()


def _entry(entry: RevokedCertificate) -> dict[str, object]:
    return {"user_certificate": int(entry.serial_hex, 16),
            "revocation_date": asn1_time(entry.revoked_at),
            "crl_entry_extensions": [{"extn_id": "crl_reason", "critical": False,
                                      "extn_value": entry.reason}]}


def _ext(name: str, value: object) -> dict[str, object]:
    return {"extn_id": name, "critical": False, "extn_value": value}


class CrlPublisher:
    """Issues and hands out the CRLs of the instance's CAs.

    Only a status change writes (``publish``, called by the lifecycle in its transaction);
    reading (``current``) never does, so a GET of a CRL changes nothing. Between changes the
    CRL is re-signed every ``REFRESH`` from the last published one: period k after it has
    number ``last + k`` and thisUpdate ``last.thisUpdate + k * REFRESH``, the same content
    for every request in that period. A CA that never had a change counts from its own
    notBefore with number 1.
    """

    def __init__(self, repos: RevocationRepos, keystore: KeyStore, clock: Clock) -> None:
        self._repos = repos
        self._keys = keystore
        self._clock = clock

    def current(self, ca: CertificateRecord) -> CrlRecord:
        """The CA's CRL as of now (read only). A CRL due for a period that nobody stored is
        signed once per process and kept (``_SIGNED``): its content is fixed by the CA, the
        number and thisUpdate, since every change of status publishes a new stored CRL."""
        stored = self._repos.latest_crl(ca.id)
        number, this_update = self._period(ca, stored)
        if stored is not None and number == stored.number:
            return stored
        key = (ca.id, ca.der, number, this_update)
        with _SIGNED_LOCK:
            der = _SIGNED.get(key)
        if der is None:
            der = build_crl(ca, self._repos.revoked_certificates(ca.id), number, this_update,
                            self._keys)
            with _SIGNED_LOCK:
                if len(_SIGNED) >= _SIGNED_MAX:
                    _SIGNED.pop(next(iter(_SIGNED)))
                _SIGNED[key] = der
        return CrlRecord(ca.id, number, this_update, this_update + CRL_VALIDITY, der)

    def publish(self, ca: CertificateRecord) -> CrlRecord:
        """Issue and store the CA's next CRL now (a certificate's status changed). A number
        another transaction took meanwhile is skipped: every stored CRL is complete."""
        for _ in range(5):
            stored = self._repos.latest_crl(ca.id)
            number = self._period(ca, stored)[0] + 1
            now = self._clock.now().replace(microsecond=0)
            der = build_crl(ca, self._repos.revoked_certificates(ca.id), number, now,
                            self._keys)
            record = CrlRecord(ca.id, number, now, now + CRL_VALIDITY, der)
            if self._repos.add_crl(record):
                return record
        raise Conflict("CRL_BUSY", "证书吊销列表正在更新，请重试",
                       "The revocation list is being updated; try again")

    def _period(self, ca: CertificateRecord,
                stored: CrlRecord | None) -> tuple[int, datetime]:
        """(number, thisUpdate) of the CRL due now."""
        if stored is None:
            base_number, base_time = 1, ca.not_before.replace(microsecond=0)
        else:
            base_number, base_time = stored.number, stored.this_update
        periods = max(0, (self._clock.now() - base_time) // REFRESH)
        return base_number + periods, base_time + periods * REFRESH


def load_crl(der: bytes) -> crl.CertificateList:
    parsed = crl.CertificateList.load(der)
    _ = parsed.native
    return parsed


def is_ca(record: CertificateRecord) -> bool:
    return record.role in (CertificateRole.ROOT_CA, CertificateRole.ORG_CA)


__all__ = ["CRL_VALIDITY", "HOLD", "REVOCATION_REASONS", "CrlPublisher", "RevocationRepos",
           "build_crl", "is_ca", "load_crl"]
