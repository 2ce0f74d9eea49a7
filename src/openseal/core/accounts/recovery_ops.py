"""Operator recovery of an account whose owner lost both the authenticator and the codes.

Turning two-factor authentication off for someone else is an administrative act: it needs
``platform:admin`` (the instance operator), ends all the user's sessions and is audited as
``user.totp_reset``. If the organisation requires 2FA, the user's next login is limited to
enrolling again.
"""

from __future__ import annotations

from openseal.core.accounts.principal import Principal
from openseal.core.accounts.users import end_all_sessions
from openseal.core.audit.recorder import AuditRecorder
from openseal.core.ports import Repositories
from openseal.core.records import UserRecord


def reset_totp(repos: Repositories, principal: Principal, user: UserRecord, *,
               audit: AuditRecorder) -> UserRecord:
    """Turn the user's TOTP off, drop the recovery codes and end every session."""
    principal.require("platform:admin")
    updated = end_all_sessions(repos, user, totp_enabled=False, totp_secret=None,
                               totp_last_step=None, recovery_codes=())
    audit.record("user.totp_reset", org_id=user.org_id, target=f"user:{user.id}",
                 details={"was_enabled": user.totp_enabled, "sessions_ended": True})
    return updated
