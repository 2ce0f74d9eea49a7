"""What seal-use approval needs from storage, on top of the governance repositories."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from openseal.core.governance.ports import GovernanceRepos
from openseal.core.records import (
    ApprovalDecisionRecord,
    ApprovalPolicyRecord,
    TicketRecord,
    UseRequestRecord,
)


class ApprovalRepos(GovernanceRepos, Protocol):
    def save_approval_policy(self, record: ApprovalPolicyRecord) -> None: ...

    def add_use_request(self, record: UseRequestRecord) -> None: ...
    def get_use_request(self, request_id: str) -> UseRequestRecord | None: ...
    def update_use_request(self, record: UseRequestRecord, expected_version: int) -> bool:
        """Store ``record`` (its version already advanced) if the stored row still has
        ``expected_version``; False when someone else changed it first."""
        ...
    def list_use_requests(self, org_id: str, *, status: str | None = None,
                          requester_id: str | None = None, seal_id: str | None = None,
                          limit: int = 100) -> list[UseRequestRecord]: ...

    def add_decision(self, record: ApprovalDecisionRecord) -> None: ...
    def decisions_of(self, request_id: str) -> list[ApprovalDecisionRecord]: ...

    def add_ticket(self, record: TicketRecord) -> None: ...
    def get_ticket(self, ticket_id: str) -> TicketRecord | None: ...
    def tickets_of(self, request_id: str) -> list[TicketRecord]: ...
    def use_ticket(self, ticket_id: str, now: datetime, document_id: str) -> bool:
        """Mark the ticket used in a conditional UPDATE (unused and unexpired); False when
        no row matched. Of concurrent uses exactly one matches."""
        ...
    def void_tickets(self, request_id: str) -> int: ...


class DocumentStore(Protocol):
    """Documents kept for approvers to read, by their SHA-256 (content-addressed)."""

    def put(self, content: bytes) -> str: ...
    def get(self, sha256: str) -> bytes | None: ...
