"""Repository methods for document templates (issue 7). Never commits."""

from __future__ import annotations

import json

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from openseal.adapters.db.convert import utc_required
from openseal.adapters.db.tables_templates import DocumentTemplateRow
from openseal.core.templates.model import (
    TemplateRecord,
    stamp_dict,
    stamp_of,
    template_policy_dict,
    template_policy_of,
)


class SqlTemplates:
    session: Session

    def add_template(self, record: TemplateRecord) -> None:
        self.session.add(DocumentTemplateRow(id=record.id, **_values(record)))
        self.session.flush()

    def get_template(self, template_id: str) -> TemplateRecord | None:
        row = self.session.get(DocumentTemplateRow, template_id, populate_existing=True)
        return _template(row) if row else None

    def templates_named(self, name: str, org_id: str | None = None) -> list[TemplateRecord]:
        query = select(DocumentTemplateRow).where(DocumentTemplateRow.name == name)
        if org_id is not None:
            query = query.where(DocumentTemplateRow.org_id == org_id)
        return [_template(r) for r in self.session.scalars(query.order_by(
            DocumentTemplateRow.org_id))]

    def list_templates(self, org_id: str) -> list[TemplateRecord]:
        rows = self.session.scalars(select(DocumentTemplateRow).where(
            DocumentTemplateRow.org_id == org_id).order_by(DocumentTemplateRow.name))
        return [_template(r) for r in rows]

    def update_template(self, record: TemplateRecord, expected_version: int) -> bool:
        t = DocumentTemplateRow
        result = self.session.execute(
            update(t).where(t.id == record.id).where(t.version == expected_version)
            .values(**_values(record)).execution_options(synchronize_session=False))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def delete_template(self, template_id: str) -> None:
        self.session.execute(delete(DocumentTemplateRow).where(
            DocumentTemplateRow.id == template_id))


def _values(record: TemplateRecord) -> dict[str, object]:
    policy = template_policy_dict(record.policy)
    return {"org_id": record.org_id, "name": record.name, "category": record.category,
            "level": record.level, "qr": record.qr,
            "stamps": json.dumps([stamp_dict(s) for s in record.stamps], ensure_ascii=False),
            "policy": None if policy is None else json.dumps(policy, ensure_ascii=False),
            "version": record.version, "created_by": record.created_by,
            "created_at": record.created_at, "updated_at": record.updated_at}


def _template(row: DocumentTemplateRow) -> TemplateRecord:
    return TemplateRecord(
        row.id, row.org_id, row.name, row.category, row.level, row.qr,
        tuple(stamp_of(s) for s in json.loads(row.stamps)),
        template_policy_of(json.loads(row.policy) if row.policy else None), row.version,
        row.created_by, utc_required(row.created_at), utc_required(row.updated_at))
