"""Sealing with a ticket (用印凭证): the check before sealing and the single use after it.

A ticket seals exactly the document whose SHA-256 it carries, with its seal, by its
requester, before it expires, once. The check refuses anything else with 403
``APPROVAL_INVALID``; the use is a conditional UPDATE in the sealing transaction, so of
concurrent or replayed uses exactly one commits and every other gets 409 ``TICKET_USED``.
"""

from __future__ import annotations

from datetime import datetime

from openseal.core.accounts.principal import Principal
from openseal.core.governance.approval_ports import ApprovalRepos
from openseal.core.governance.authorize import refuse
from openseal.core.records import SealRecord, TicketRecord
from openseal.errors import Conflict, NotFound


def ticket_not_found(ref: str) -> NotFound:
    return NotFound("TICKET_NOT_FOUND", "找不到该用印凭证", "Ticket not found", field="ticket",
                    ref=ref)


def ticket_used() -> Conflict:
    return Conflict("TICKET_USED", "该用印凭证已使用过（每张凭证只能用一次）",
                    "The ticket has already been used (each ticket seals once)",
                    field="ticket")


def checked_ticket(repos: ApprovalRepos, principal: Principal, ticket_id: str,
                   seal: SealRecord, document_sha256: str, now: datetime) -> TicketRecord:
    """The ticket, if it allows ``principal`` to seal this document with ``seal`` now."""
    ticket = repos.get_ticket(ticket_id)
    if ticket is None or ticket.id != ticket_id:
        raise ticket_not_found(ticket_id)
    principal.owns(ticket.org_id, "ticket", ticket_id, ticket_not_found(ticket_id))
    if ticket.status == "used":
        raise ticket_used()
    why = _mismatch(ticket, principal, seal, document_sha256, now)
    if why is not None:
        zh, en = why
        raise refuse(principal, "APPROVAL_INVALID", f"用印凭证无效：{zh}",
                     f"The ticket is not valid here: {en}", f"ticket:{ticket.id}",
                     ticket=ticket.id)
    return ticket


def _mismatch(ticket: TicketRecord, principal: Principal, seal: SealRecord,
              document_sha256: str, now: datetime) -> tuple[str, str] | None:
    if ticket.status != "unused":
        return "凭证已作废", "it was voided"
    if now >= ticket.expires_at:
        return "凭证已过期", "it has expired"
    if ticket.seal_id != seal.id:
        return "凭证批准的是另一枚印章", "it approves another seal"
    if ticket.document_sha256 != document_sha256:
        return "文件与审批时的文件不一致（SHA-256 不同）", \
            "the document is not the one approved (its SHA-256 differs)"
    if (ticket.requester_kind, ticket.requester_id) != (principal.kind, principal.id):
        return "只有申请人本人可以使用凭证", "only the requester may use it"
    return None


def spend_ticket(repos: ApprovalRepos, ticket: TicketRecord, now: datetime,
                 document_id: str) -> None:
    """Use the ticket once, inside the sealing transaction (409 if another use won)."""
    if not repos.use_ticket(ticket.id, now, document_id):
        raise ticket_used()
