"""Repository methods for seal lifecycle, CRL and OCSP. Never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from openseal.adapters.db.convert import utc_required
from openseal.adapters.db.tables import CertificateRow, SealRow
from openseal.adapters.db.tables_lifecycle import CrlRow, SealCertificateRow
from openseal.core.records import CertificateRecord, CrlRecord, RevokedCertificate, SealRecord


class SqlLifecycle:
    session: Session

    # certificate status -------------------------------------------------------------------
    def set_certificate_revocation(self, cert_id: str, revoked_at: datetime | None,
                                   reason: str | None) -> None:
        self.session.execute(update(CertificateRow).where(CertificateRow.id == cert_id)
                             .values(revoked_at=revoked_at, revocation_reason=reason))
        self.session.flush()

    def revocation_of(self, cert_id: str) -> RevokedCertificate | None:
        row = self.session.get(CertificateRow, cert_id)
        return _revoked(row) if row is not None and row.revoked_at is not None else None

    def revoked_certificates(self, issuer_id: str) -> list[RevokedCertificate]:
        query = (select(CertificateRow).where(CertificateRow.issuer_id == issuer_id,
                                              CertificateRow.id != issuer_id,
                                              CertificateRow.revoked_at.is_not(None))
                 .order_by(CertificateRow.revoked_at, CertificateRow.serial_hex))
        return [_revoked(r) for r in self.session.scalars(query)]

    def certificate_by_serial(self, serial_hex: str) -> CertificateRecord | None:
        from openseal.adapters.db.repository import _certificate

        row = self.session.scalar(select(CertificateRow)
                                  .where(CertificateRow.serial_hex == serial_hex.lower()))
        return _certificate(row) if row is not None else None

    def ocsp_responder(self, issuer_id: str) -> CertificateRecord | None:
        from openseal.adapters.db.repository import _certificate

        row = self.session.scalar(select(CertificateRow).where(
            CertificateRow.role == "ocsp", CertificateRow.issuer_id == issuer_id)
            .order_by(CertificateRow.not_after.desc(), CertificateRow.id).limit(1))
        return _certificate(row) if row is not None else None

    # CRLs ---------------------------------------------------------------------------------
    def latest_crl(self, issuer_id: str) -> CrlRecord | None:
        row = self.session.scalar(select(CrlRow).where(CrlRow.issuer_id == issuer_id)
                                  .order_by(CrlRow.number.desc()).limit(1))
        if row is None:
            return None
        return CrlRecord(row.issuer_id, row.number, utc_required(row.this_update),
                         utc_required(row.next_update), row.der)

    def add_crl(self, record: CrlRecord) -> bool:
        try:
            with self.session.begin_nested():
                self.session.add(CrlRow(issuer_id=record.issuer_id, number=record.number,
                                        this_update=record.this_update,
                                        next_update=record.next_update, der=record.der))
        except IntegrityError:
            return False
        return True

    # seals --------------------------------------------------------------------------------
    def set_seal_status(self, seal_id: str, status: str, reason: str, when: datetime) -> None:
        self.session.execute(update(SealRow).where(SealRow.id == seal_id).values(
            status=status, status_reason=reason, status_changed_at=when))
        self.session.flush()

    def seal_status_note(self, seal_id: str) -> tuple[str | None, datetime | None]:
        """Why and when the seal's status last changed (None, None: never)."""
        row = self.session.get(SealRow, seal_id)
        if row is None or row.status_changed_at is None:
            return None, None
        return row.status_reason, utc_required(row.status_changed_at)

    def replace_seal_certificate(self, seal: SealRecord, cert_id: str, key_id: str,
                                 when: datetime) -> None:
        """Renewal: the seal's current certificate is kept as superseded, the new one used."""
        self.session.add(SealCertificateRow(cert_id=seal.cert_id, seal_id=seal.id,
                                            key_id=seal.key_id, superseded_at=when))
        self.session.execute(update(SealRow).where(SealRow.id == seal.id)
                             .values(cert_id=cert_id, key_id=key_id))
        self.session.flush()

    def superseded_certificates(self, seal_id: str) -> list[tuple[str, str]]:
        """(certificate id, key id) of every certificate a renewal of the seal replaced."""
        query = (select(SealCertificateRow).where(SealCertificateRow.seal_id == seal_id)
                 .order_by(SealCertificateRow.superseded_at))
        return [(r.cert_id, r.key_id) for r in self.session.scalars(query)]

    def expiring_seals(self, before: datetime,
                       org_id: str | None = None) -> list[tuple[SealRecord, datetime]]:
        """Active seals whose certificate ends before ``before``, soonest first."""
        from openseal.adapters.db.repository import _seal

        query = (select(SealRow, CertificateRow.not_after)
                 .join(CertificateRow, CertificateRow.id == SealRow.cert_id)
                 .where(SealRow.status == "active", CertificateRow.not_after < before)
                 .order_by(CertificateRow.not_after))
        if org_id:
            query = query.where(SealRow.org_id == org_id)
        return [(_seal(row), utc_required(end)) for row, end in self.session.execute(query)]


def _revoked(row: CertificateRow) -> RevokedCertificate:
    assert row.revoked_at is not None
    return RevokedCertificate(row.id, row.issuer_id or "", row.serial_hex,
                              utc_required(row.revoked_at), row.revocation_reason or "unspecified")
