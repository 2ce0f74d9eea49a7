"""How the CLI shows requests to use a seal and approval policies (JSON and text)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from openseal.core.governance.policies import step_dict
from openseal.core.governance.requests import current_status, deadline
from openseal.core.records import (
    ApprovalDecisionRecord,
    ApprovalPolicyRecord,
    TicketRecord,
    UseRequestRecord,
)
from openseal.interfaces.cli.operator import say

Json = dict[str, Any]


def request_dict(r: UseRequestRecord, now: datetime,
                 decisions: list[ApprovalDecisionRecord] | None = None,
                 tickets: list[TicketRecord] | None = None) -> Json:
    return {
        "id": r.id, "seal_id": r.seal_id, "requester_id": r.requester_id,
        "requester_name": r.requester_name, "purpose": r.purpose, "category": r.category,
        "copies": r.copies, "documents": [{"sha256": d.sha256, "name": d.name, "size": d.size,
                                           "warnings": list(d.warnings)}
                                          for d in r.documents],
        "steps": [step_dict(s) for s in r.steps], "step": r.step,
        "status": current_status(r, now), "created_at": r.created_at.isoformat(),
        "deadline": deadline(r).isoformat(), "expires_at": r.expires_at.isoformat(),
        "decisions": [{"step": d.step, "approver": d.approver_name, "decision": d.decision,
                       "comment": d.comment, "at": d.at.isoformat()} for d in decisions or []],
        "tickets": [{"id": t.id, "document_sha256": t.document_sha256, "status": t.status,
                     "expires_at": t.expires_at.isoformat()} for t in tickets or []],
    }


def request_lines(r: Json) -> str:
    lines = [f"{r['id']}  {r['status']}  {r['requester_name']}: {r['purpose']}"]
    lines += [f"  {say('文件', 'document')} {d['sha256']}  {d['name']}" for d in r["documents"]]
    lines += [f"  {say('步骤', 'step')} {i + 1}: {s['name']} ({s['required']} / "
              f"{s['role'] or ','.join(s['users'])})" for i, s in enumerate(r["steps"])]
    lines += [f"  {d['decision']:<8} {d['approver']}  {d['at']}  {d['comment']}"
              for d in r["decisions"]]
    lines += [f"  ticket {t['id']}  {t['status']}  {t['document_sha256']}"
              for t in r["tickets"]]
    return "\n".join(lines)


def policy_dict(p: ApprovalPolicyRecord) -> Json:
    return {"seal_id": p.seal_id, "steps": [step_dict(s) for s in p.steps],
            "always_required": p.always_required, "request_hours": p.request_hours,
            "ticket_hours": p.ticket_hours, "updated_by": p.updated_by}


def policy_lines(p: Json) -> str:
    rule = say("每次用印都须审批（双人规则）", "every use needs approval (two-person rule)") \
        if p["always_required"] else say("按授权决定是否审批", "approval as the grant says")
    return "\n".join([f"{p['seal_id']}: {rule}"] + [
        f"  {i + 1}. {s['name']}: {s['required']} / {s['role'] or ','.join(s['users'])}"
        + (f"  ({s['hours']} h)" if s["hours"] else "") for i, s in enumerate(p["steps"])])
