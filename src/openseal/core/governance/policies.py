"""Setting a seal's approval policy (用印审批流程): ordered steps, each N of M from a role
or named people. The defaults are in ``policy_defaults``."""

from __future__ import annotations

from dataclasses import dataclass

from openseal.core.accounts.principal import Principal
from openseal.core.accounts.users import checked_text, visible_user
from openseal.core.audit.recorder import AuditRecorder
from openseal.core.clock import Clock
from openseal.core.governance.approval_ports import ApprovalRepos
from openseal.core.governance.authorize import authorize
from openseal.core.governance.policy_defaults import (
    DEFAULT_REQUEST_HOURS,
    DEFAULT_TICKET_HOURS,
    policy_of,
)
from openseal.core.governance.roles import APPROVER, ORG_ROLES, permissions_of
from openseal.core.records import ApprovalPolicyRecord, PolicyStep, SealRecord
from openseal.errors import InvalidInput

MAX_STEPS = 5
MAX_HOURS = 24 * 90


@dataclass(frozen=True)
class PolicyTerms:
    steps: tuple[PolicyStep, ...]
    always_required: bool | None = None  # None: the seal type's default
    request_hours: int = DEFAULT_REQUEST_HOURS
    ticket_hours: int = DEFAULT_TICKET_HOURS


def set_policy(repos: ApprovalRepos, clock: Clock, principal: Principal, seal: SealRecord,
               terms: PolicyTerms, *, audit: AuditRecorder) -> ApprovalPolicyRecord:
    """Replace the seal's approval policy (custodian); audited with before and after."""
    now = clock.now()
    authorize(repos, principal, "grants:manage", seal, now=now)
    steps = tuple(checked_step(repos, principal, seal.org_id, s, i)
                  for i, s in enumerate(terms.steps))
    if not 1 <= len(steps) <= MAX_STEPS:
        raise InvalidInput("POLICY_STEPS", f"审批流程须有 1 至 {MAX_STEPS} 步",
                           f"An approval policy has 1 to {MAX_STEPS} steps", field="steps")
    before = policy_of(repos, seal)
    always = (before.always_required if terms.always_required is None
              else terms.always_required)
    record = ApprovalPolicyRecord(
        seal.id, seal.org_id, steps, always, checked_hours(terms.request_hours, "request_hours"),
        checked_hours(terms.ticket_hours, "ticket_hours"), principal.actor().name, now)
    repos.save_approval_policy(record)
    audit.record("policy.change", org_id=seal.org_id, target=f"seal:{seal.id}",
                 details={"before": policy_dict(before), "after": policy_dict(record)})
    return record


def checked_step(repos: ApprovalRepos, principal: Principal, org_id: str, step: PolicyStep,
                  index: int) -> PolicyStep:
    name = checked_text(step.name or f"第 {index + 1} 步", "name", 100)
    if (step.role is None) == (not step.users):
        raise InvalidInput("POLICY_STEP_WHO", "每一步须指定一个角色或若干具名审批人（二选一）",
                           "Each step names either a role or some people, not both",
                           field=f"steps[{index}]")
    if step.role is not None and "requests:approve" not in permissions_of({step.role}):
        raise InvalidInput("POLICY_STEP_ROLE", f"角色「{step.role}」不能审批用印申请",
                           f"Role '{step.role}' cannot approve requests",
                           field=f"steps[{index}].role", roles=list(ORG_ROLES))
    users = tuple(dict.fromkeys(visible_user(repos, principal, u).id for u in step.users))
    for user in users:
        if "requests:approve" not in permissions_of(repos.list_user_roles(user)):
            raise InvalidInput("POLICY_STEP_USER", "具名审批人须持有审批人角色",
                               "A named approver must hold the approver role",
                               field=f"steps[{index}].users", user=user)
    candidates = len(users) if users else len(repos.users_with_role(org_id, step.role
                                                                    or APPROVER))
    if not 1 <= step.required <= max(candidates, 1) or (users and step.required > len(users)):
        raise InvalidInput("POLICY_STEP_REQUIRED",
                           f"第 {index + 1} 步所需审批人数须在 1 至 {max(candidates, 1)} 之间",
                           f"Step {index + 1} needs between 1 and {max(candidates, 1)} "
                           "approvals", field=f"steps[{index}].required")
    hours = None if step.hours is None else checked_hours(step.hours, f"steps[{index}].hours")
    return PolicyStep(name, step.required, step.role, users, hours)


def checked_hours(value: int, field: str) -> int:
    if not 1 <= value <= MAX_HOURS:
        raise InvalidInput("POLICY_HOURS", f"时限须在 1 至 {MAX_HOURS} 小时之间",
                           f"Time limits are 1 to {MAX_HOURS} hours", field=field)
    return value


def step_dict(step: PolicyStep) -> dict[str, object]:
    return {"name": step.name, "required": step.required, "role": step.role,
            "users": list(step.users), "hours": step.hours}


def step_of(data: dict[str, object]) -> PolicyStep:
    users = data.get("users") or []
    hours = data.get("hours")
    return PolicyStep(str(data["name"]), int(str(data["required"])),
                      None if data.get("role") is None else str(data["role"]),
                      tuple(str(u) for u in users) if isinstance(users, list) else (),
                      None if hours is None else int(str(hours)))


def policy_dict(policy: ApprovalPolicyRecord) -> dict[str, object]:
    return {"steps": [step_dict(s) for s in policy.steps],
            "always_required": policy.always_required, "request_hours": policy.request_hours,
            "ticket_hours": policy.ticket_hours}
