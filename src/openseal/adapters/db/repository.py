"""The Repositories port on SQLAlchemy. Never commits: the edge owns the transaction."""

from __future__ import annotations

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from openseal.adapters.db.accounts_repository import SqlAccounts
from openseal.adapters.db.anchors_repository import SqlAnchors
from openseal.adapters.db.approvals_repository import SqlApprovals
from openseal.adapters.db.audit_repository import SqlAuditLog
from openseal.adapters.db.batch_jobs_repository import SqlBatchJobs
from openseal.adapters.db.convert import utc as _utc
from openseal.adapters.db.grants_repository import SqlGrants
from openseal.adapters.db.lifecycle_repository import SqlLifecycle
from openseal.adapters.db.reviews_repository import SqlReviews
from openseal.adapters.db.tables import (
    CertificateRow,
    InstanceRow,
    OrganizationRow,
    SealedDocumentRow,
    SealRow,
)
from openseal.adapters.db.templates_repository import SqlTemplates
from openseal.core.pki.profiles import CertificateRole
from openseal.core.records import (
    CertificateRecord,
    InstanceRecord,
    OrganizationRecord,
    SealArtworkRecord,
    SealedDocumentRecord,
    SealRecord,
)
from openseal.core.seals.model import SealDesign, SealType
from openseal.errors import Conflict

_INSERT_SEALED_DOCUMENT = insert(SealedDocumentRow.__table__)


class SqlRepositories(SqlAccounts, SqlLifecycle, SqlGrants, SqlApprovals, SqlReviews,
                      SqlAnchors, SqlTemplates, SqlBatchJobs, SqlAuditLog):
    """Every repository of one unit of work (the audit log's included)."""

    # instance -----------------------------------------------------------------------------
    def get_instance(self) -> InstanceRecord | None:
        row = self.session.get(InstanceRow, 1)
        if row is None:
            return None
        return InstanceRecord(row.name, row.root_cert_id, row.tsa_cert_id,
                              _utc(row.created_at) or row.created_at, row.audit_cert_id,
                              row.test_root_cert_id, row.sm2_root_cert_id,
                              row.sm2_maker_cert_id, row.sm2_test_root_cert_id,
                              row.sm2_test_maker_cert_id)

    def add_instance(self, record: InstanceRecord) -> None:
        self.session.add(InstanceRow(id=1, name=record.name, root_cert_id=record.root_cert_id,
                                     tsa_cert_id=record.tsa_cert_id,
                                     created_at=record.created_at,
                                     audit_cert_id=record.audit_cert_id,
                                     test_root_cert_id=record.test_root_cert_id))

    def set_audit_certificate(self, cert_id: str) -> None:
        row = self.session.get(InstanceRow, 1)
        assert row is not None
        row.audit_cert_id = cert_id
        self.session.flush()

    def set_test_root_certificate(self, cert_id: str) -> None:
        row = self.session.get(InstanceRow, 1)
        assert row is not None
        row.test_root_cert_id = cert_id
        self.session.flush()

    def claim_sm2_hierarchy(self, sandbox: bool, root_cert_id: str,
                            maker_cert_id: str) -> bool:
        """Record the SM2 root and seal maker of one side (production or sandbox), unless
        another transaction did first (then False: nothing changed). A compare-and-set on
        the one instance row: concurrent first SM2 seals cannot leave two roots."""
        root = InstanceRow.sm2_test_root_cert_id if sandbox else InstanceRow.sm2_root_cert_id
        maker = InstanceRow.sm2_test_maker_cert_id if sandbox else InstanceRow.sm2_maker_cert_id
        done = self.session.execute(
            update(InstanceRow).where(InstanceRow.id == 1, root.is_(None))
            .values({root.key: root_cert_id, maker.key: maker_cert_id}))
        return bool(getattr(done, "rowcount", 0) == 1)

    # certificates -------------------------------------------------------------------------
    def add_certificate(self, record: CertificateRecord) -> None:
        self.session.add(CertificateRow(
            id=record.id, role=record.role.value, der=record.der, key_id=record.key_id,
            issuer_id=record.issuer_id, org_id=record.org_id, serial_hex=record.serial_hex,
            subject=record.subject, not_before=record.not_before,
            not_after=record.not_after, revoked_at=record.revoked_at))
        self.session.flush()

    def get_certificate(self, cert_id: str) -> CertificateRecord | None:
        row = self.session.get(CertificateRow, cert_id)
        return _certificate(row) if row else None

    def list_certificates(self, role: str | None = None) -> list[CertificateRecord]:
        query = select(CertificateRow).order_by(CertificateRow.not_before)
        if role:
            query = query.where(CertificateRow.role == role)
        return [_certificate(r) for r in self.session.scalars(query)]

    def org_certificates(self, org_id: str, role: str) -> list[CertificateRecord]:
        """The organisation's certificates of ``role``, newest first."""
        query = (select(CertificateRow)
                 .where(CertificateRow.org_id == org_id, CertificateRow.role == role)
                 .order_by(CertificateRow.not_before.desc(), CertificateRow.id))
        return [_certificate(r) for r in self.session.scalars(query)]

    # organizations ------------------------------------------------------------------------
    def add_organization(self, record: OrganizationRecord) -> None:
        self.session.add(OrganizationRow(id=record.id, name=record.name, uscc=record.uscc,
                                         ca_cert_id=record.ca_cert_id,
                                         created_at=record.created_at))
        self.session.flush()

    def set_organization_ca(self, org_id: str, ca_cert_id: str) -> None:
        row = self.session.get(OrganizationRow, org_id)
        assert row is not None
        row.ca_cert_id = ca_cert_id
        self.session.flush()

    def get_organization(self, ref: str) -> OrganizationRecord | None:
        rows = list(self.session.scalars(select(OrganizationRow).where(or_(
            OrganizationRow.id == ref, OrganizationRow.uscc == ref.upper(),
            OrganizationRow.name == ref))))
        return _organization(rows[0]) if len(rows) == 1 else None

    def list_organizations(self) -> list[OrganizationRecord]:
        query = select(OrganizationRow).order_by(OrganizationRow.created_at)
        return [_organization(r) for r in self.session.scalars(query)]

    # seals --------------------------------------------------------------------------------
    def add_seal(self, record: SealRecord) -> None:
        """Conflict SEAL_ES_ID_TAKEN if a concurrent SM2 seal took the same esID first."""
        if record.es_id is None:
            self._add_seal(record)
            return
        try:
            with self.session.begin_nested():
                self._add_seal(record)
        except IntegrityError:
            raise Conflict("SEAL_ES_ID_TAKEN",
                           f"电子印章编码 {record.es_id} 刚被另一枚印章占用，请重试",
                           f"The seal code (esID) {record.es_id} was just taken by another "
                           "seal; try again") from None

    def _add_seal(self, record: SealRecord) -> None:
        d, a = record.design, record.artwork
        self.session.add(SealRow(
            id=record.id, org_id=record.org_id, seal_type=d.seal_type.value,
            name=record.name, design_text=d.name,
            purpose=d.purpose, tax_id=d.tax_id, code=d.code, key_id=record.key_id,
            cert_id=record.cert_id, width_mm=a.width_mm, height_mm=a.height_mm,
            vector=a.vector, png=a.png, svg=a.svg, status=record.status,
            created_at=record.created_at, sandbox=record.sandbox, algorithm=record.algorithm,
            esl=record.esl, es_id=record.es_id, origin=record.origin, maker=record.maker))
        self.session.flush()

    def last_es_id(self, prefix: str) -> str | None:
        """The greatest esID starting with ``prefix`` (None: none yet)."""
        return self.session.scalar(select(func.max(SealRow.es_id))
                                   .where(SealRow.es_id.like(f"{prefix}%"),
                                          func.length(SealRow.es_id) == 14))

    def set_seal_esl(self, seal_id: str, esl: bytes) -> None:
        """A new SES_Seal for the seal (after its certificate was renewed)."""
        self.session.execute(update(SealRow).where(SealRow.id == seal_id).values(esl=esl))
        self.session.flush()

    def get_seal(self, ref: str) -> SealRecord | None:
        rows = list(self.session.scalars(
            select(SealRow).where(or_(SealRow.id == ref, SealRow.name == ref))))
        by_id = [r for r in rows if r.id == ref]
        if by_id:
            return _seal(by_id[0])
        return _seal(rows[0]) if len(rows) == 1 else None

    def list_seals(self, org_id: str | None = None) -> list[SealRecord]:
        query = select(SealRow).order_by(SealRow.created_at)
        if org_id:
            query = query.where(SealRow.org_id == org_id)
        return [_seal(r) for r in self.session.scalars(query)]

    # sealed documents ---------------------------------------------------------------------
    def add_sealed_document(self, record: SealedDocumentRecord) -> None:
        """A plain INSERT (as the ORM's add and flush wrote it, without the bookkeeping),
        after the session's pending changes, as the flush used to write them first."""
        self.session.flush()
        self.session.connection().execute(_INSERT_SEALED_DOCUMENT, dict(
            id=record.id, seal_id=record.seal_id, field_name=record.field_name,
            input_sha256=record.input_sha256, output_sha256=record.output_sha256,
            output_size=record.output_size, created_at=record.created_at,
            ticket_id=record.ticket_id))

    def get_sealed_document(self, doc_id: str) -> SealedDocumentRecord | None:
        row = self.session.get(SealedDocumentRow, doc_id)
        return _sealed_document(row) if row else None

    def find_issued(self, output_sha256s: list[str]) -> list[SealedDocumentRecord]:
        if not output_sha256s:
            return []
        query = (select(SealedDocumentRow)
                 .where(SealedDocumentRow.output_sha256.in_(output_sha256s))
                 .order_by(SealedDocumentRow.created_at))
        return [_sealed_document(r) for r in self.session.scalars(query)]

    def list_sealed_documents(self, org_id: str, limit: int = 100) -> list[SealedDocumentRecord]:
        query = (select(SealedDocumentRow).join(SealRow, SealRow.id == SealedDocumentRow.seal_id)
                 .where(SealRow.org_id == org_id)
                 .order_by(SealedDocumentRow.created_at.desc()).limit(limit))
        return [_sealed_document(r) for r in self.session.scalars(query)]

    def count_sealed_documents(self, seal_id: str | None = None) -> int:
        query = select(func.count()).select_from(SealedDocumentRow)
        if seal_id:
            query = query.where(SealedDocumentRow.seal_id == seal_id)
        return int(self.session.scalar(query) or 0)


def _certificate(row: CertificateRow) -> CertificateRecord:
    return CertificateRecord(
        id=row.id, role=CertificateRole(row.role), der=row.der, key_id=row.key_id,
        issuer_id=row.issuer_id, org_id=row.org_id, serial_hex=row.serial_hex,
        subject=row.subject, not_before=_utc(row.not_before) or row.not_before,
        not_after=_utc(row.not_after) or row.not_after, revoked_at=_utc(row.revoked_at))


def _sealed_document(row: SealedDocumentRow) -> SealedDocumentRecord:
    return SealedDocumentRecord(row.id, row.seal_id, row.field_name, row.input_sha256,
                                row.output_sha256, row.output_size,
                                _utc(row.created_at) or row.created_at, row.ticket_id)


def _organization(row: OrganizationRow) -> OrganizationRecord:
    return OrganizationRecord(row.id, row.name, row.uscc, row.ca_cert_id,
                              _utc(row.created_at) or row.created_at)


def _seal(row: SealRow) -> SealRecord:
    design = SealDesign(SealType(row.seal_type), row.design_text, row.purpose, row.tax_id,
                        row.code)
    artwork = SealArtworkRecord(row.width_mm, row.height_mm, row.vector, row.png, row.svg)
    return SealRecord(row.id, row.org_id, row.name, design, row.key_id, row.cert_id, artwork,
                      row.status, _utc(row.created_at) or row.created_at, row.sandbox,
                      row.algorithm or "ecdsa", row.esl, row.es_id, row.origin or "platform",
                      row.maker)
