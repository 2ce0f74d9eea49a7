"""A seal's approval policy as it applies: the stored one, or the default.

The default is one approval from an approver. 公章 (official) and 法人章 (legal
representative) seals default to the two-person rule: every use needs an approved request
(a ticket), even under a grant of direct use.
"""

from __future__ import annotations

from typing import Protocol

from openseal.core.governance.roles import APPROVER
from openseal.core.records import ApprovalPolicyRecord, PolicyStep, SealRecord
from openseal.core.seals.model import SealType

TWO_PERSON_TYPES = frozenset({SealType.OFFICIAL, SealType.LEGAL_REP})
DEFAULT_REQUEST_HOURS = 72
DEFAULT_TICKET_HOURS = 24


class PolicySource(Protocol):
    def get_approval_policy(self, seal_id: str) -> ApprovalPolicyRecord | None: ...


def default_policy(seal: SealRecord) -> ApprovalPolicyRecord:
    return ApprovalPolicyRecord(
        seal.id, seal.org_id, (PolicyStep("审批 / approval", 1, APPROVER),),
        seal.design.seal_type in TWO_PERSON_TYPES, DEFAULT_REQUEST_HOURS,
        DEFAULT_TICKET_HOURS, "default", seal.created_at)


def policy_of(repos: PolicySource, seal: SealRecord) -> ApprovalPolicyRecord:
    return repos.get_approval_policy(seal.id) or default_policy(seal)
