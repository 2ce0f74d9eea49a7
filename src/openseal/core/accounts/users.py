"""Users: the platform administrator, invitations, passwords, enabling and disabling.

Any change to a user's credentials or status ends all their sessions at once (the sessions
are deleted and the credentials epoch moves on, so nothing issued before stays valid).
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import replace
from typing import Any

from openseal.core.accounts.kit import AccountKit
from openseal.core.accounts.passwords import check_password
from openseal.core.accounts.principal import ORG_ROLES, PLATFORM_ADMIN, SEAL_USER, Principal
from openseal.core.accounts.secrets import INVITATION_PREFIX, new_token, token_digest
from openseal.core.audit.recorder import AuditRecorder
from openseal.core.clock import Clock
from openseal.core.ports import Repositories
from openseal.core.records import InvitationRecord, UserRecord
from openseal.errors import Conflict, InvalidInput, NotFound, PermissionDenied

ROLE_ALIASES = {"member": SEAL_USER}  # the role's name before separation of duties
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def normal_username(name: str) -> str:
    value = name.strip().casefold()
    if not _USERNAME.fullmatch(value):
        raise InvalidInput("USERNAME_FORMAT",
                           "用户名应为 3–64 个字符：字母、数字、点、下划线或连字符",
                           "A username has 3-64 characters: letters, digits, '.', '_' or '-'",
                           field="username")
    return value


def checked_email(email: str) -> str:
    value = email.strip()
    if not _EMAIL.fullmatch(value):
        raise InvalidInput("EMAIL_FORMAT", "邮箱地址格式不正确", "The email address is not valid",
                           field="email")
    return value


def checked_text(value: str, field: str, limit: int = 100) -> str:
    text = value.strip()
    if not text or len(text) > limit or _CONTROL.search(text):
        raise InvalidInput("TEXT_FORMAT", f"「{field}」应为 1–{limit} 个可见字符",
                           f"'{field}' must have 1-{limit} printable characters", field=field)
    return text


def user_not_found(ref: str) -> NotFound:
    return NotFound("USER_NOT_FOUND", "找不到该用户", "User not found", field="user", ref=ref)


def new_user(repos: Repositories, kit: AccountKit, clock: Clock, *, org_id: str | None,
             username: str, display_name: str, email: str, role: str,
             password: str) -> UserRecord:
    """Check and store a new user (no audit: the caller records why it was made)."""
    name = normal_username(username)
    mail = checked_email(email)
    shown = checked_text(display_name or name, "display_name")
    if repos.find_user(name) is not None:
        raise Conflict("USERNAME_TAKEN", "该用户名已被使用", "This username is taken",
                       field="username")
    check_password(password, kit.policy.password, user_inputs=(name, mail, shown))
    now = clock.now()
    user = UserRecord(str(uuid.uuid4()), org_id, name, shown, mail, role,
                      kit.hasher.hash(password), now, "active", now)
    repos.add_user(user)
    return user


def create_platform_admin(repos: Repositories, kit: AccountKit, clock: Clock, username: str,
                          email: str, password: str | None, *, audit: AuditRecorder
                          ) -> tuple[UserRecord, str]:
    """A platform administrator (operator's CLI only). Returns (user, password)."""
    chosen = password or random_password()
    user = new_user(repos, kit, clock, org_id=None, username=username, display_name=username,
                    email=email, role=PLATFORM_ADMIN, password=chosen)
    audit.record("user.create", target=f"user:{user.id}",
                 details={"username": user.username, "role": PLATFORM_ADMIN})
    return user, chosen


def random_password() -> str:
    return secrets.token_urlsafe(15)


def invite_user(repos: Repositories, kit: AccountKit, clock: Clock, principal: Principal,
                email: str, role: str, *, audit: AuditRecorder
                ) -> tuple[str, InvitationRecord]:
    """A single-use invitation into the caller's organisation. Returns (token, record)."""
    principal.require("users:manage")
    role = ROLE_ALIASES.get(role, role)
    if role not in ORG_ROLES:
        raise InvalidInput("ROLE_UNKNOWN", f"未知角色「{role}」，可选：{', '.join(ORG_ROLES)}",
                           f"Unknown role '{role}'; choose one of: {', '.join(ORG_ROLES)}",
                           field="role")
    token, digest = new_token(INVITATION_PREFIX)
    now = clock.now()
    record = InvitationRecord(str(uuid.uuid4()), principal.org, checked_email(email), role,
                              digest, principal.id, now, now + kit.policy.invitation_valid)
    repos.add_invitation(record)
    audit.record("user.invite", org_id=record.org_id, target=f"invitation:{record.id}",
                 details={"email": record.email, "role": role,
                          "expires_at": record.expires_at.isoformat()})
    return token, record


def accept_invitation(repos: Repositories, kit: AccountKit, clock: Clock, token: str,
                      username: str, display_name: str, password: str, *,
                      audit: AuditRecorder) -> UserRecord:
    """Create the invited user; the invitation works once, before it expires."""
    invitation = repos.get_invitation_by_digest(token_digest(token.strip()))
    now = clock.now()
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= now:
        raise PermissionDenied("INVITATION_INVALID", "邀请链接无效、已使用或已过期",
                               "The invitation is invalid, used or expired", field="token")
    user = new_user(repos, kit, clock, org_id=invitation.org_id, username=username,
                    display_name=display_name, email=invitation.email, role=invitation.role,
                    password=password)
    if not repos.use_invitation(invitation.id, user.id, now):
        raise PermissionDenied("INVITATION_INVALID", "邀请链接无效、已使用或已过期",
                               "The invitation is invalid, used or expired", field="token")
    audit.record("user.create", org_id=user.org_id, target=f"user:{user.id}",
                 details={"username": user.username, "role": user.role,
                          "invitation": invitation.id})
    return user


def visible_user(repos: Repositories, principal: Principal, ref: str) -> UserRecord:
    """A user of the caller's organisation (OutsideTenant/NotFound otherwise)."""
    user = repos.find_user(ref)
    if user is None:
        raise user_not_found(ref)
    principal.owns(user.org_id, "user", ref, user_not_found(ref))
    return user


def end_all_sessions(repos: Repositories, user: UserRecord, **changes: Any) -> UserRecord:
    """Store ``changes`` with a new credentials epoch and delete every session of the user."""
    updated = replace(user, credentials_epoch=user.credentials_epoch + 1, **changes)
    repos.save_user(updated)
    repos.delete_user_sessions(user.id)
    return updated


def change_password(repos: Repositories, kit: AccountKit, clock: Clock, user: UserRecord,
                    current: str | None, new: str, *, audit: AuditRecorder) -> UserRecord:
    """Set a new password (``current`` checked unless None: operator reset)."""
    if current is not None and not kit.hasher.verify(user.password_hash, current):
        raise PermissionDenied("PASSWORD_WRONG", "当前密码不正确",
                               "The current password is not correct", field="current_password")
    check_password(new, kit.policy.password,
                   user_inputs=(user.username, user.email, user.display_name))
    updated = end_all_sessions(repos, user, password_hash=kit.hasher.hash(new),
                               password_changed_at=clock.now())
    audit.record("user.password_change" if current is not None else "user.password_reset",
                 org_id=user.org_id, target=f"user:{user.id}",
                 details={"sessions_ended": True})
    return updated


def set_user_status(repos: Repositories, user: UserRecord, status: str, *,
                    audit: AuditRecorder, by: Principal | None = None) -> UserRecord:
    """Enable or disable ``user`` (every session ends); ``by``, an administrator, may not
    disable their own account: another administrator (or the operator's CLI) must."""
    if status not in ("active", "disabled"):
        raise InvalidInput("STATUS_UNKNOWN", "状态应为 active 或 disabled",
                           "Status must be active or disabled", field="status")
    if status == "disabled" and by is not None and by.kind == "user" and by.id == user.id:
        raise InvalidInput("SELF_DISABLE", "不能停用自己的账户，请由另一位管理员操作",
                           "You cannot disable your own account; another administrator can",
                           field="user")
    updated = end_all_sessions(repos, user, status=status)
    audit.record("user.disable" if status == "disabled" else "user.enable",
                 org_id=user.org_id, target=f"user:{user.id}", details={"sessions_ended": True})
    return updated

