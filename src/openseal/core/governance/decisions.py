"""Approving or rejecting a request to use a seal (审批), and the tickets the final approval
mints.

Four eyes: the requester never approves their own request; an approver must hold the
approver role *now* (a role taken away meanwhile counts) and belong to the current step; a
person decides a request once. Each decision advances the request with a compare-and-set of
its version, so of two concurrent decisions one wins and the other is told to reload.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from openseal.core.accounts.principal import Principal
from openseal.core.accounts.users import checked_text
from openseal.core.audit.recorder import AuditRecorder
from openseal.core.clock import Clock
from openseal.core.governance.approval_ports import ApprovalRepos
from openseal.core.governance.authorize import refuse
from openseal.core.governance.policy_defaults import policy_of
from openseal.core.governance.requests import changed_meanwhile, require_open, visible_request
from openseal.core.records import (
    ApprovalDecisionRecord,
    PolicyStep,
    SealRecord,
    TicketRecord,
    UseRequestRecord,
)
from openseal.core.signing.approval import CHAIN_VERSION
from openseal.errors import Conflict, InvalidInput

DECISIONS = ("approve", "reject")


@dataclass(frozen=True)
class Decided:
    request: UseRequestRecord
    decision: ApprovalDecisionRecord
    tickets: tuple[TicketRecord, ...] = ()


def decide(repos: ApprovalRepos, clock: Clock, principal: Principal, request_id: str,
           decision: str, comment: str, *, audit: AuditRecorder) -> Decided:
    """Approve or reject the current step of a request as ``principal``."""
    now = clock.now()
    principal.require("requests:approve")
    request = visible_request(repos, principal, request_id)
    require_open(principal, request, now)
    _four_eyes(repos, principal, request)
    seal = repos.get_seal(request.seal_id)
    if seal is None or seal.status != "active":
        raise Conflict("SEAL_INACTIVE", "该印章已停用，不能审批", "The seal is not active")
    if decision not in DECISIONS:
        raise InvalidInput("DECISION_UNKNOWN", "决定须为 approve 或 reject",
                           "The decision is approve or reject", field="decision")
    record = ApprovalDecisionRecord(
        str(uuid.uuid4()), request.id, request.org_id, request.step, principal.id,
        principal.name, decision, checked_text(comment, "comment", 500) if comment else "", now)
    changed = _advance(repos, request, record, now)
    if not repos.update_use_request(changed, request.version):
        raise changed_meanwhile()  # compare-and-set first: it serialises concurrent deciders
    repos.add_decision(record)
    tickets = _mint(repos, changed, seal, now) if changed.status == "approved" else ()
    audit.record(f"request.{decision}", org_id=request.org_id, target=f"request:{request.id}",
                 details={"step": request.step, "status": changed.status,
                          "tickets": [t.id for t in tickets]})
    return Decided(changed, record, tickets)


def _four_eyes(repos: ApprovalRepos, principal: Principal, request: UseRequestRecord) -> None:
    target = f"request:{request.id}"
    if principal.kind != "user":
        raise refuse(principal, "APPROVER_NOT_A_PERSON", "用印申请只能由人审批",
                     "Only a person may approve a request", target)
    if principal.id == request.requester_id:
        raise refuse(principal, "SELF_APPROVAL", "申请人不能审批自己的用印申请",
                     "The requester may not approve their own request", target)
    if not _in_step(principal, request.steps[request.step]):
        raise refuse(principal, "NOT_AN_APPROVER", "您不是此申请当前步骤的审批人",
                     "You are not an approver of this request's current step", target)
    if any(d.approver_id == principal.id for d in repos.decisions_of(request.id)):
        raise Conflict("ALREADY_DECIDED", "您已审批过此申请（同一人不能在多个步骤审批）",
                       "You have already decided this request (one person decides once)")


def _in_step(principal: Principal, step: PolicyStep) -> bool:
    if step.users:
        return principal.id in step.users
    return step.role in principal.roles


def _advance(repos: ApprovalRepos, request: UseRequestRecord, record: ApprovalDecisionRecord,
             now: datetime) -> UseRequestRecord:
    version = request.version + 1
    if record.decision == "reject":
        return replace(request, status="rejected", decided_at=now, version=version)
    approvals = 1 + sum(1 for d in repos.decisions_of(request.id)
                        if d.step == request.step and d.decision == "approve")
    if approvals < request.steps[request.step].required:
        return replace(request, version=version)
    step = request.step + 1
    if step < len(request.steps):
        return replace(request, step=step, step_started_at=now, version=version)
    return replace(request, step=step, status="approved", decided_at=now, version=version)


def _mint(repos: ApprovalRepos, request: UseRequestRecord, seal: SealRecord,
          now: datetime) -> tuple[TicketRecord, ...]:
    """One single-use ticket per document and copy, bound to (document SHA-256, seal,
    requester, expiry, approvers)."""
    expires = now + timedelta(hours=request.ticket_hours or policy_of(repos, seal).ticket_hours)
    approvers = [{"id": d.approver_id, "name": d.approver_name, "step": d.step,
                  "step_name": request.steps[d.step].name, "at": _iso(d.at)}
                 for d in repos.decisions_of(request.id) if d.decision == "approve"]
    tickets = []
    for document in request.documents:
        for _ in range(request.copies):
            ticket_id = str(uuid.uuid4())
            chain: dict[str, object] = {
                "v": CHAIN_VERSION, "ticket": ticket_id, "request": request.id,
                "seal": seal.id, "seal_name": seal.name,
                "document_sha256": document.sha256, "purpose": request.purpose,
                "requester": {"id": request.requester_id, "name": request.requester_name,
                              "kind": request.requester_kind},
                "approvers": approvers, "approved_at": _iso(now), "expires_at": _iso(expires)}
            ticket = TicketRecord(ticket_id, request.org_id, request.id, seal.id,
                                  request.requester_kind, request.requester_id,
                                  document.sha256, chain, now, expires, "unused")
            repos.add_ticket(ticket)
            tickets.append(ticket)
    return tuple(tickets)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
