"""The platform's report key: signs verification reports (PDF) for the platform.

Like the audit key, it is a certificate of its own role ("report") issued by the instance
root, its key in the KeyStore. It is made lazily, the first time a report is signed, and
then always reused: the oldest report certificate that is not revoked and not near its end
is the one. (Two first reports made at the same moment may issue two; the older wins and
the other is never used.) No other certificate signs reports, and the report key signs
nothing else: it has no audit or timestamping usage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from asn1crypto import x509

from openseal.core.clock import Clock
from openseal.core.pki.issuance import certificate_from_der
from openseal.core.pki.profiles import CertificateRole
from openseal.core.pki.tsa import TimestampAuthority
from openseal.core.ports import Repositories
from openseal.core.records import CertificateRecord

# A report certificate this close to its end is replaced: a report signed now must stay
# verifiable (its timestamp proves when it was signed, but the chain must be valid then).
RENEW_BEFORE = timedelta(days=90)


@dataclass(frozen=True)
class ReportKey:
    """What signing a report needs: the key, its certificate and chain, the TSA."""

    cert_id: str
    key_id: str
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    """The certificate's issuers, nearest first, up to and including the root."""
    tsa: TimestampAuthority
    instance_name: str
    clock: Clock


def current_report_certificate(records: list[CertificateRecord], now: datetime
                               ) -> CertificateRecord | None:
    """The report certificate in use: the oldest one usable now, or None."""
    usable = [r for r in records if r.role == CertificateRole.REPORT and r.key_id is not None
              and r.revoked_at is None and r.not_before <= now
              and r.not_after - now > RENEW_BEFORE]
    return min(usable, key=lambda r: (r.not_before, r.id), default=None)


def report_key(
    repos: Repositories, clock: Clock, instance_name: str,
    chain: Callable[[str], tuple[x509.Certificate, ...]], tsa: TimestampAuthority,
    issue: Callable[[], CertificateRecord],
) -> ReportKey:
    """The report key, issuing its certificate (``issue``) when there is none in use."""
    now = clock.now()
    record = current_report_certificate(
        repos.list_certificates(CertificateRole.REPORT.value), now) or issue()
    assert record.key_id is not None
    return ReportKey(record.id, record.key_id, certificate_from_der(record.der),
                     chain(record.id), tsa, instance_name, clock)
