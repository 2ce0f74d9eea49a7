"""authorize: role permission first, then an active grant for seal-scoped permissions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from openseal.core.accounts.principal import Forbidden, OutsideTenant, Principal
from openseal.core.governance.authorize import authorize, spend_grant
from openseal.core.governance.conflicts import role_conflicts
from openseal.core.governance.roles import (
    ALIASES,
    PERMISSIONS,
    ROLE_PERMISSIONS,
    canonical,
    permissions_of,
)
from openseal.core.records import GrantRecord
from openseal.core.seals.model import SealDesign, SealType

NOW = datetime(2026, 5, 1, tzinfo=UTC)


class FakeRepos:
    def __init__(self, *grants: GrantRecord) -> None:
        self.grants = list(grants)
        self.spent: list[str] = []

    def grants_for(self, seal_id: str, subjects: list[tuple[str, str]]) -> list[GrantRecord]:
        return [g for g in self.grants if g.seal_id == seal_id
                and (g.grantee_kind, g.grantee) in subjects]

    def consume_grant(self, grant_id: str, now: datetime) -> bool:
        grant = next(g for g in self.grants if g.id == grant_id)
        if grant.status != "active" or grant.exhausted() or not grant.in_window(now):
            return False
        self.spent.append(grant_id)
        return True

    def get_approval_policy(self, seal_id: str) -> None:
        return None  # the seal type's default

    def lock_user(self, user_id: str) -> Any:
        return SimpleNamespace(id=user_id, status="active")

    def list_user_roles(self, user_id: str) -> frozenset[str]:
        return frozenset({"seal_user"})


class Seal:
    id, org_id, name = "s1", "o1", "合同专用章"
    design, created_at = SealDesign(SealType.CONTRACT, "示例单位"), NOW


def user(*roles: str, org: str = "o1") -> Principal:
    return Principal("user", "u1", "clerk", org, roles[0], permissions_of(set(roles)),
                     roles=frozenset(roles))


def grant(**changes: Any) -> GrantRecord:
    base = GrantRecord("g1", "o1", "s1", "user", "u1", "use", False, (), NOW - timedelta(1),
                       NOW + timedelta(1), None, 0, "active", "t", NOW, NOW)
    return replace(base, **changes)


def code(repos: FakeRepos, p: Principal, permission: str = "seals:use", **kw: Any) -> str:
    with pytest.raises(Forbidden) as caught:
        authorize(repos, p, permission, Seal(), now=NOW, **kw)  # type: ignore[arg-type]
    return caught.value.code


def test_role_comes_first_then_the_grant() -> None:
    assert code(FakeRepos(grant()), user("org_admin")) == "FORBIDDEN"
    assert code(FakeRepos(), user("seal_user")) == "GRANT_REQUIRED"
    found = authorize(FakeRepos(grant()), user("seal_user"), "seals:use", Seal(),  # type: ignore[arg-type]
                      now=NOW)
    assert found is not None and found.id == "g1"


def test_grant_through_a_role_and_tenancy() -> None:
    via_role = grant(grantee_kind="role", grantee="seal_user")
    assert authorize(FakeRepos(via_role), user("seal_user"), "seals:use", Seal(),  # type: ignore[arg-type]
                     now=NOW) is not None
    with pytest.raises(OutsideTenant):
        authorize(FakeRepos(grant()), user("seal_user", org="o2"), "seals:use", Seal(),  # type: ignore[arg-type]
                  now=NOW)


@pytest.mark.parametrize(("changes", "expected"), [
    ({"level": "request"}, "APPROVAL_REQUIRED"),
    ({"approval_required": True}, "APPROVAL_REQUIRED"),
    ({"level": "view"}, "GRANT_REQUIRED"),
    ({"status": "revoked"}, "GRANT_REQUIRED"),
    ({"valid_until": NOW}, "GRANT_REQUIRED"),
    ({"max_uses": 2, "uses": 2}, "GRANT_EXHAUSTED"),
    ({"categories": ("合同",)}, "CATEGORY_NOT_ALLOWED"),
])
def test_what_a_grant_does_not_allow(changes: dict[str, Any], expected: str) -> None:
    assert code(FakeRepos(grant(**changes)), user("seal_user")) == expected


def test_request_level_allows_requests_and_spending_rechecks() -> None:
    repos = FakeRepos(grant(level="request"))
    assert authorize(repos, user("seal_user"), "seals:request", Seal(),  # type: ignore[arg-type]
                     now=NOW) is not None
    used = grant(max_uses=1)
    repos = FakeRepos(used)
    spend_grant(repos, user("seal_user"), used, NOW)  # type: ignore[arg-type]
    repos.grants = [replace(used, uses=1)]
    with pytest.raises(Forbidden) as caught:
        spend_grant(repos, user("seal_user"), used, NOW)  # type: ignore[arg-type]
    assert caught.value.code == "GRANT_REVOKED"


def test_operator_needs_no_grant() -> None:
    operator = Principal("operator", "cli", "root", "o1", "operator", frozenset(PERMISSIONS))
    assert authorize(FakeRepos(), operator, "seals:use", Seal(), now=NOW) is None  # type: ignore[arg-type]


def test_vocabulary_aliases_and_role_conflicts() -> None:
    assert all(canonical(old) in PERMISSIONS for old in ALIASES)
    assert all(perms <= set(PERMISSIONS) for perms in ROLE_PERMISSIONS.values())
    assert user("org_admin").may("users:admin")  # an old name still works
    assert [f.code for f in role_conflicts("u1", frozenset({"org_admin", "custodian"}))] == \
        ["SOD_ROLES"]
    assert role_conflicts("u1", frozenset({"seal_user", "approver"})) == []
