"""Repository methods for seal-use approval: policies, requests, decisions, tickets.
Never commits."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from openseal.adapters.db.convert import utc, utc_required
from openseal.adapters.db.tables_approvals import (
    ApprovalDecisionRow,
    ApprovalPolicyRow,
    SealTicketRow,
    UseRequestRow,
)
from openseal.core.governance.policies import step_dict, step_of
from openseal.core.records import (
    ApprovalDecisionRecord,
    ApprovalPolicyRecord,
    PolicyStep,
    RequestedDocument,
    TicketRecord,
    UseRequestRecord,
)


class SqlApprovals:
    session: Session

    # policies -----------------------------------------------------------------------------
    def get_approval_policy(self, seal_id: str) -> ApprovalPolicyRecord | None:
        row = self.session.get(ApprovalPolicyRow, seal_id)
        if row is None:
            return None
        return ApprovalPolicyRecord(row.seal_id, row.org_id, _steps(row.steps),
                                    row.always_required, row.request_hours, row.ticket_hours,
                                    row.updated_by, utc_required(row.updated_at))

    def save_approval_policy(self, record: ApprovalPolicyRecord) -> None:
        values = asdict(record)
        values["steps"] = _steps_json(record.steps)
        self.session.merge(ApprovalPolicyRow(**values))
        self.session.flush()

    # requests -----------------------------------------------------------------------------
    def add_use_request(self, record: UseRequestRecord) -> None:
        self.session.add(UseRequestRow(**_request_values(record)))
        self.session.flush()

    def get_use_request(self, request_id: str) -> UseRequestRecord | None:
        row = self.session.get(UseRequestRow, request_id, populate_existing=True)
        return _request(row) if row else None

    def update_use_request(self, record: UseRequestRecord, expected_version: int) -> bool:
        values = _request_values(record)
        values.pop("id")
        result = self.session.execute(
            update(UseRequestRow).where(UseRequestRow.id == record.id)
            .where(UseRequestRow.version == expected_version).values(**values)
            .execution_options(synchronize_session=False))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def list_use_requests(self, org_id: str, *, status: str | None = None,
                          requester_id: str | None = None, seal_id: str | None = None,
                          limit: int = 100) -> list[UseRequestRecord]:
        query = select(UseRequestRow).where(UseRequestRow.org_id == org_id)
        if status is not None:
            query = query.where(UseRequestRow.status == status)
        if requester_id is not None:
            query = query.where(UseRequestRow.requester_id == requester_id)
        if seal_id is not None:
            query = query.where(UseRequestRow.seal_id == seal_id)
        rows = self.session.scalars(query.order_by(UseRequestRow.created_at.desc(),
                                                   UseRequestRow.id).limit(limit))
        return [_request(r) for r in rows]

    # decisions ----------------------------------------------------------------------------
    def add_decision(self, record: ApprovalDecisionRecord) -> None:
        self.session.add(ApprovalDecisionRow(**asdict(record)))
        self.session.flush()

    def decisions_of(self, request_id: str) -> list[ApprovalDecisionRecord]:
        rows = self.session.scalars(select(ApprovalDecisionRow).where(
            ApprovalDecisionRow.request_id == request_id).order_by(ApprovalDecisionRow.at,
                                                                  ApprovalDecisionRow.step))
        return [ApprovalDecisionRecord(r.id, r.request_id, r.org_id, r.step, r.approver_id,
                                       r.approver_name, r.decision, r.comment,
                                       utc_required(r.at)) for r in rows]

    # tickets ------------------------------------------------------------------------------
    def add_ticket(self, record: TicketRecord) -> None:
        values = asdict(record)
        values["chain"] = json.dumps(record.chain, ensure_ascii=False, sort_keys=True)
        self.session.add(SealTicketRow(**values))
        self.session.flush()

    def get_ticket(self, ticket_id: str) -> TicketRecord | None:
        row = self.session.get(SealTicketRow, ticket_id, populate_existing=True)
        return _ticket(row) if row else None

    def tickets_of(self, request_id: str) -> list[TicketRecord]:
        rows = self.session.scalars(select(SealTicketRow).where(
            SealTicketRow.request_id == request_id).order_by(SealTicketRow.document_sha256,
                                                            SealTicketRow.id))
        return [_ticket(r) for r in rows]

    def use_ticket(self, ticket_id: str, now: datetime, document_id: str) -> bool:
        t = SealTicketRow
        result = self.session.execute(
            update(t).where(t.id == ticket_id).where(t.status == "unused")
            .where(t.expires_at > now).values(status="used", used_at=now,
                                              document_id=document_id)
            .execution_options(synchronize_session=False))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def void_tickets(self, request_id: str) -> int:
        t = SealTicketRow
        result = self.session.execute(
            update(t).where(t.request_id == request_id).where(t.status == "unused")
            .values(status="void").execution_options(synchronize_session=False))
        return int(result.rowcount)  # type: ignore[attr-defined]


def _steps_json(steps: tuple[PolicyStep, ...]) -> str:
    return json.dumps([step_dict(s) for s in steps], ensure_ascii=False)


def _steps(text: str) -> tuple[PolicyStep, ...]:
    return tuple(step_of(s) for s in json.loads(text))


def _request_values(record: UseRequestRecord) -> dict[str, object]:
    values = asdict(record)
    values["steps"] = _steps_json(record.steps)
    values["documents"] = json.dumps([asdict(d) for d in record.documents], ensure_ascii=False)
    return values


def _request(row: UseRequestRow) -> UseRequestRecord:
    return UseRequestRecord(
        row.id, row.org_id, row.seal_id, row.requester_kind, row.requester_id,
        row.requester_name, row.purpose, row.category, row.copies,
        tuple(_document(d) for d in json.loads(row.documents)), _steps(row.steps),
        row.step, row.status, utc_required(row.created_at), utc_required(row.step_started_at),
        utc_required(row.expires_at), utc(row.decided_at), row.version, row.template_id,
        row.template_version, row.ticket_hours)


def _document(data: dict[str, object]) -> RequestedDocument:
    warnings = data.get("warnings") or []
    return RequestedDocument(str(data["sha256"]), str(data["name"]), int(str(data["size"])),
                             tuple(str(w) for w in warnings) if isinstance(warnings, list)
                             else ())


def _ticket(row: SealTicketRow) -> TicketRecord:
    return TicketRecord(
        row.id, row.org_id, row.request_id, row.seal_id, row.requester_kind, row.requester_id,
        row.document_sha256, json.loads(row.chain), utc_required(row.created_at),
        utc_required(row.expires_at), row.status, utc(row.used_at), row.document_id)
