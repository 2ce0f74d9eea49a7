"""Accounts on SQLAlchemy: organisation profiles, licences, users, sessions, invitations,
API clients and login throttling. Never commits."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from openseal.adapters.db.convert import utc, utc_required
from openseal.adapters.db.locking import locked_row
from openseal.adapters.db.tables import (
    ApiClientRow,
    InvitationRow,
    LicenceRow,
    LoginThrottleRow,
    OrganizationProfileRow,
    SessionRow,
    UserRow,
)
from openseal.core.records import (
    ApiClientRecord,
    InvitationRecord,
    LicenceRecord,
    OrganizationProfile,
    SessionRecord,
    ThrottleRecord,
    UserRecord,
)


class SqlAccounts:
    session: Session

    # organisation profiles and licences ---------------------------------------------------
    def get_org_profile(self, org_id: str) -> OrganizationProfile | None:
        row = self.session.get(OrganizationProfileRow, org_id)
        if row is None:
            return None
        return OrganizationProfile(
            row.org_id, row.status, row.legal_rep, row.contact_name, row.contact_email,
            row.contact_phone, row.require_2fa, row.password_max_age_days, utc(row.decided_at),
            row.decided_by, row.decision_reason, row.production_ca_cert_id)

    def save_org_profile(self, profile: OrganizationProfile) -> None:
        self.session.merge(OrganizationProfileRow(**asdict(profile)))
        self.session.flush()

    def add_licence(self, record: LicenceRecord) -> None:
        self.session.add(LicenceRow(**asdict(record)))
        self.session.flush()

    def latest_licence(self, org_id: str) -> LicenceRecord | None:
        row = self.session.scalars(select(LicenceRow).where(LicenceRow.org_id == org_id)
                                   .order_by(LicenceRow.submitted_at.desc())).first()
        if row is None:
            return None
        return LicenceRecord(row.id, row.org_id, row.filename, row.media_type, row.sha256,
                             row.content, row.legal_rep_name, row.legal_rep_id_number,
                             row.submitted_by, utc_required(row.submitted_at))

    # users --------------------------------------------------------------------------------
    def add_user(self, record: UserRecord) -> None:
        self.session.add(_user_row(record))
        self.session.flush()

    def save_user(self, record: UserRecord) -> None:
        self.session.merge(_user_row(record))
        self.session.flush()

    def get_user(self, user_id: str) -> UserRecord | None:
        row = self.session.get(UserRow, user_id)
        return _user(row) if row else None

    def lock_user(self, user_id: str) -> UserRecord | None:
        row = locked_row(self.session, UserRow, UserRow.id, user_id)
        return _user(row) if row else None

    def find_user(self, ref: str) -> UserRecord | None:
        """By id or by username (usernames are stored casefolded)."""
        row = self.session.scalars(select(UserRow).where(or_(
            UserRow.id == ref, UserRow.username == ref.casefold()))).first()
        return _user(row) if row else None

    def list_users(self, org_id: str | None = None) -> list[UserRecord]:
        query = select(UserRow).order_by(UserRow.created_at)
        if org_id is not None:
            query = query.where(UserRow.org_id == org_id)
        return [_user(r) for r in self.session.scalars(query)]

    def claim_totp_step(self, user_id: str, step: int) -> bool:
        """Store ``step`` as the last used TOTP step unless an equal or later one is there.

        One conditional UPDATE: of two concurrent logins with the same code only one wins.
        """
        result = self.session.execute(
            update(UserRow).where(UserRow.id == user_id).where(or_(
                UserRow.totp_last_step.is_(None), UserRow.totp_last_step < step))
            .values(totp_last_step=step))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def replace_recovery_codes(self, user_id: str, old: tuple[str | None, ...],
                               new: tuple[str | None, ...]) -> bool:
        """Compare-and-set, so one recovery code cannot be spent twice concurrently."""
        result = self.session.execute(
            update(UserRow).where(UserRow.id == user_id)
            .where(UserRow.recovery_codes == json.dumps(list(old)))
            .values(recovery_codes=json.dumps(list(new))))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        self.session.execute(update(UserRow).where(UserRow.id == user_id)
                             .values(password_hash=password_hash))

    # sessions -----------------------------------------------------------------------------
    def add_session(self, record: SessionRecord) -> None:
        self.session.add(SessionRow(**asdict(record)))
        self.session.flush()

    def get_session_by_digest(self, digest: str) -> SessionRecord | None:
        row = self.session.scalars(select(SessionRow).where(
            SessionRow.token_digest == digest)).first()
        if row is None:
            return None
        return SessionRecord(row.id, row.user_id, row.token_digest,
                             utc_required(row.created_at), utc_required(row.last_seen_at),
                             utc_required(row.expires_at), row.credentials_epoch,
                             row.client_addr, row.agent)

    def touch_session(self, session_id: str, when: datetime) -> None:
        self.session.execute(update(SessionRow).where(SessionRow.id == session_id)
                             .values(last_seen_at=when))

    def delete_session(self, session_id: str) -> None:
        self.session.execute(delete(SessionRow).where(SessionRow.id == session_id))

    def delete_user_sessions(self, user_id: str) -> int:
        result = self.session.execute(delete(SessionRow).where(SessionRow.user_id == user_id))
        return int(result.rowcount)  # type: ignore[attr-defined]

    # invitations --------------------------------------------------------------------------
    def add_invitation(self, record: InvitationRecord) -> None:
        self.session.add(InvitationRow(**asdict(record)))
        self.session.flush()

    def get_invitation_by_digest(self, digest: str) -> InvitationRecord | None:
        row = self.session.scalars(select(InvitationRow).where(
            InvitationRow.token_digest == digest)).first()
        if row is None:
            return None
        return InvitationRecord(row.id, row.org_id, row.email, row.role, row.token_digest,
                                row.created_by, utc_required(row.created_at),
                                utc_required(row.expires_at), utc(row.used_at), row.used_by)

    def use_invitation(self, invitation_id: str, user_id: str, when: datetime) -> bool:
        """Mark the invitation used; False when another request used it first."""
        result = self.session.execute(
            update(InvitationRow).where(InvitationRow.id == invitation_id)
            .where(InvitationRow.used_at.is_(None)).values(used_at=when, used_by=user_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    # API clients --------------------------------------------------------------------------
    def add_api_client(self, record: ApiClientRecord) -> None:
        values = asdict(record)
        values["scopes"] = " ".join(sorted(record.scopes))
        self.session.add(ApiClientRow(**values))
        self.session.flush()

    def get_api_client(self, client_id: str) -> ApiClientRecord | None:
        row = self.session.get(ApiClientRow, client_id)
        return _client(row) if row else None

    def get_api_client_by_digest(self, digest: str) -> ApiClientRecord | None:
        row = self.session.scalars(select(ApiClientRow).where(
            ApiClientRow.secret_digest == digest)).first()
        return _client(row) if row else None

    def list_api_clients(self, org_id: str) -> list[ApiClientRecord]:
        query = (select(ApiClientRow).where(ApiClientRow.org_id == org_id)
                 .order_by(ApiClientRow.created_at))
        return [_client(r) for r in self.session.scalars(query)]

    def revoke_api_client(self, client_id: str, when: datetime) -> None:
        self.session.execute(update(ApiClientRow).where(ApiClientRow.id == client_id)
                             .where(ApiClientRow.revoked_at.is_(None)).values(revoked_at=when))

    def touch_api_client(self, client_id: str, when: datetime) -> None:
        self.session.execute(update(ApiClientRow).where(ApiClientRow.id == client_id)
                             .values(last_used_at=when))

    # login throttling ---------------------------------------------------------------------
    def get_throttle(self, key: str) -> ThrottleRecord | None:
        row = self.session.get(LoginThrottleRow, key)
        return ThrottleRecord(row.key, row.failures, utc(row.last_failure)) if row else None

    def save_throttle(self, record: ThrottleRecord) -> None:
        self.session.merge(LoginThrottleRow(key=record.key, failures=record.failures,
                                            last_failure=record.last_failure))
        self.session.flush()

    def clear_throttle(self, key: str) -> None:
        self.session.execute(delete(LoginThrottleRow).where(LoginThrottleRow.key == key))


def _user_row(record: UserRecord) -> UserRow:
    values = asdict(record)
    values["recovery_codes"] = json.dumps(list(record.recovery_codes))
    return UserRow(**values)


def _user(row: UserRow) -> UserRecord:
    return UserRecord(
        row.id, row.org_id, row.username, row.display_name, row.email, row.role,
        row.password_hash, utc_required(row.password_changed_at), row.status,
        utc_required(row.created_at), row.totp_secret, row.totp_enabled, row.totp_last_step,
        tuple(json.loads(row.recovery_codes or "[]")), row.credentials_epoch)


def _client(row: ApiClientRow) -> ApiClientRecord:
    return ApiClientRecord(
        row.id, row.org_id, row.name, frozenset(row.scopes.split()), row.secret_digest,
        row.created_by, utc_required(row.created_at), utc_required(row.expires_at),
        utc(row.revoked_at), utc(row.last_used_at))
