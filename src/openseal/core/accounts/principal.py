"""Who is calling: a logged-in user or an API client, with what it may do and in which org.

Tenancy is enforced here, once: ``Principal.owns`` turns any record of another organisation
into the same NotFound a missing record gives (no existence leak), and every refusal is an
``AccessDenied`` that the edge records in the audit trail as ``authz.denied``.
"""

from __future__ import annotations

from dataclasses import dataclass

from openseal.core.audit.recorder import Actor
from openseal.core.governance.roles import (
    ORG_ADMIN,
    ORG_ROLES,
    PERMISSIONS,
    PLATFORM_ADMIN,
    SEAL_USER,
    canonical,
)
from openseal.errors import NotFound, PermissionDenied

__all__ = ["ORG_ADMIN", "ORG_ROLES", "PLATFORM_ADMIN", "SEAL_USER", "AccessDenied",
           "Forbidden", "OutsideTenant", "Principal"]

# Restrictions a session can carry until the user fixes them.
PASSWORD_EXPIRED = "PASSWORD_EXPIRED"
TOTP_ENROLMENT_REQUIRED = "TOTP_ENROLMENT_REQUIRED"


class AccessDenied:
    """Marker mixed into refusals that must be audited as ``authz.denied``: ``target`` is
    what was asked for, ``org_id`` the caller's organisation (whose audit trail shows it)."""

    target: str | None = None
    org_id: str | None = None


class OutsideTenant(NotFound, AccessDenied):
    """A record that exists but belongs to another organisation: answered as not found."""


class Forbidden(PermissionDenied, AccessDenied):
    """The caller is known but lacks the role or scope."""


@dataclass(frozen=True)
class Principal:
    kind: str  # "user" | "client"
    id: str
    name: str
    org_id: str | None
    role: str | None
    scopes: frozenset[str]
    session_id: str | None = None
    restriction: str | None = None
    client_addr: str | None = None
    agent: str | None = None
    roles: frozenset[str] = frozenset()  # every role of a user (``role`` is the primary one)

    def actor(self) -> Actor:
        return Actor(f"{self.kind}:{self.name}", self.kind, self.client_addr, self.agent)

    def may(self, permission: str) -> bool:
        """Whether the caller's roles (or client scopes) allow ``permission`` (old names
        accepted); seal-scoped permissions also need a grant: see governance.authorize."""
        return canonical(permission) in self.scopes

    def require(self, scope: str) -> None:
        wanted = canonical(scope)
        if wanted not in self.scopes:
            zh, en = PERMISSIONS.get(wanted, (wanted, wanted))
            exc = Forbidden("FORBIDDEN", f"没有执行此操作的权限（需要 {wanted}：{zh}）",
                            f"You may not do this (needs {wanted}: {en})", scope=wanted)
            exc.target, exc.org_id = f"scope:{wanted}", self.org_id
            raise exc

    def owns(self, org_id: str | None, what: str, ref: str, not_found: NotFound) -> None:
        """Raise ``not_found`` (as OutsideTenant) unless the record is of the caller's org."""
        if org_id is None or org_id != self.org_id:
            exc = OutsideTenant(not_found.code, not_found.zh, not_found.en, **not_found.fields)
            exc.target, exc.org_id = f"{what}:{ref}", self.org_id
            raise exc

    @property
    def org(self) -> str:
        """The caller's organisation id; Forbidden for a caller outside any organisation."""
        if self.org_id is None:
            exc = Forbidden("NO_ORGANISATION", "此账户不属于任何单位",
                            "This account belongs to no organisation")
            raise exc
        return self.org_id
