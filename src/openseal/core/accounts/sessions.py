"""From a session cookie or an API client secret to a Principal; logging out.

A session ends at its absolute timeout, after the idle timeout, when the user logs out
(this session or all), and when the user is disabled or their password or 2FA changes.
"""

from __future__ import annotations

from datetime import timedelta

from openseal.core.accounts.kit import AccountKit
from openseal.core.accounts.login import session_expired
from openseal.core.accounts.principal import (
    PASSWORD_EXPIRED,
    TOTP_ENROLMENT_REQUIRED,
    Principal,
)
from openseal.core.accounts.secrets import same_digest, token_digest
from openseal.core.accounts.users import end_all_sessions
from openseal.core.audit.recorder import AuditRecorder
from openseal.core.clock import Clock
from openseal.core.governance.ports import GovernanceRepos
from openseal.core.governance.roles import canonical, permissions_of
from openseal.core.ports import Repositories
from openseal.core.records import UserRecord
from openseal.errors import Unauthenticated

TOUCH_EVERY = timedelta(seconds=60)


def not_logged_in() -> Unauthenticated:
    return Unauthenticated("LOGIN_REQUIRED", "请先登录（会话无效或已过期）",
                           "Log in first (the session is invalid or has expired)")


class SessionRejected(Unauthenticated):
    """LOGIN_REQUIRED for a session that exists but may no longer be used (idle, expired,
    user disabled, credentials changed). The refusal rolls its transaction back, so the
    caller deletes the session in one of its own: ``forget_session(repos, exc.session_id)``."""

    def __init__(self, session_id: str) -> None:
        base = not_logged_in()
        super().__init__(base.code, base.message("zh"), base.message("en"))
        self.session_id = session_id


def forget_session(repos: GovernanceRepos, session_id: str) -> None:
    repos.delete_session(session_id)


def resolve_session(repos: GovernanceRepos, kit: AccountKit, clock: Clock, token: str,
                    client_addr: str | None = None, agent: str | None = None) -> Principal:
    """The logged-in user behind ``token``; Unauthenticated LOGIN_REQUIRED otherwise."""
    session = repos.get_session_by_digest(token_digest(token))
    now = clock.now()
    if session is None:
        raise not_logged_in()
    user = repos.get_user(session.user_id)
    if (user is None or user.status != "active" or session_expired(session, kit, now)
            or user.credentials_epoch != session.credentials_epoch):
        raise SessionRejected(session.id)
    if now - session.last_seen_at >= TOUCH_EVERY:
        repos.touch_session(session.id, now)
    roles = repos.list_user_roles(user.id)  # read on every request: changes act at once
    return Principal("user", user.id, user.username, user.org_id, user.role,
                     permissions_of(roles), session.id, _restriction(repos, user, clock),
                     client_addr, agent, roles)


def _restriction(repos: Repositories, user: UserRecord, clock: Clock) -> str | None:
    profile = repos.get_org_profile(user.org_id) if user.org_id else None
    if profile is None:
        return None
    days = profile.password_max_age_days
    if days and clock.now() - user.password_changed_at > timedelta(days=days):
        return PASSWORD_EXPIRED
    if profile.require_2fa and not user.totp_enabled:
        return TOTP_ENROLMENT_REQUIRED
    return None


def resolve_client(repos: Repositories, clock: Clock, secret: str,
                   client_addr: str | None = None, agent: str | None = None) -> Principal:
    """The API client behind ``secret``; Unauthenticated TOKEN_INVALID otherwise."""
    digest = token_digest(secret)
    client = repos.get_api_client_by_digest(digest)
    now = clock.now()
    if (client is None or not same_digest(client.secret_digest, digest)
            or client.revoked_at is not None or client.expires_at <= now):
        raise Unauthenticated("TOKEN_INVALID", "API 凭据无效、已吊销或已过期",
                              "The API credential is invalid, revoked or expired")
    repos.touch_api_client(client.id, now)
    scopes = frozenset(canonical(scope) for scope in client.scopes)
    return Principal("client", client.id, client.name, client.org_id, None, scopes,
                     None, None, client_addr, agent)


def logout(repos: Repositories, principal: Principal, *, audit: AuditRecorder) -> None:
    if principal.session_id is not None:
        repos.delete_session(principal.session_id)
    audit.record("auth.logout", org_id=principal.org_id,
                 target=f"{principal.kind}:{principal.id}")


def logout_everywhere(repos: Repositories, user: UserRecord, *, audit: AuditRecorder) -> None:
    end_all_sessions(repos, user)
    audit.record("auth.logout_all", org_id=user.org_id, target=f"user:{user.id}")
