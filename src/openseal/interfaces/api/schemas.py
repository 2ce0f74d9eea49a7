"""Request and response bodies. Requests forbid unknown fields, so a client cannot slip in
``org_id``, ``role`` or ``is_admin`` (mass assignment): it gets 422 and nothing changes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from openseal.core.records import (
    ApiClientRecord,
    OrganizationProfile,
    OrganizationRecord,
    UserRecord,
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginBody(Strict):
    username: str = Field(max_length=200)
    password: str = Field(max_length=1024)
    code: str | None = Field(default=None, max_length=20, description="TOTP code")
    recovery_code: str | None = Field(default=None, max_length=40)


class PasswordBody(Strict):
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


class CodeBody(Strict):
    code: str = Field(max_length=20)


class PasswordOnlyBody(Strict):
    password: str = Field(max_length=1024)


class UserOut(BaseModel):
    id: str
    org_id: str | None
    username: str
    display_name: str
    email: str
    role: str = Field(description="The primary role")
    roles: list[str] = Field(description="Every role the user holds")
    status: str
    totp_enabled: bool
    created_at: datetime

    @classmethod
    def of(cls, u: UserRecord, roles: frozenset[str] | None = None) -> UserOut:
        return cls(id=u.id, org_id=u.org_id, username=u.username, display_name=u.display_name,
                   email=u.email, role=u.role, roles=sorted(roles or {u.role}),
                   status=u.status, totp_enabled=u.totp_enabled, created_at=u.created_at)


class LoginOut(BaseModel):
    user: UserOut
    csrf_token: str
    expires_at: datetime
    restriction: str | None = None


class MeOut(BaseModel):
    kind: str
    id: str
    name: str
    org_id: str | None
    role: str | None
    scopes: list[str]
    restriction: str | None
    csrf_token: str | None = None


class TotpSetupOut(BaseModel):
    secret: str
    otpauth_uri: str
    qr_png_base64: str


class RecoveryCodesOut(BaseModel):
    recovery_codes: list[str]


class RegistrationBody(Strict):
    name: str = Field(max_length=200)
    uscc: str = Field(max_length=40)
    legal_rep: str = Field(max_length=200)
    contact_name: str = Field(max_length=200)
    contact_email: str = Field(max_length=254)
    contact_phone: str | None = Field(default=None, max_length=40)
    admin_username: str = Field(max_length=64)
    admin_password: str = Field(max_length=1024)


class OrgOut(BaseModel):
    id: str
    name: str
    uscc: str
    status: str
    sandbox: bool
    legal_rep: str
    contact_name: str
    contact_email: str
    require_2fa: bool
    password_max_age_days: int | None
    decision_reason: str | None
    created_at: datetime

    @classmethod
    def of(cls, org: OrganizationRecord, p: OrganizationProfile) -> OrgOut:
        return cls(id=org.id, name=org.name, uscc=org.uscc, status=p.status,
                   sandbox=p.sandbox, legal_rep=p.legal_rep, contact_name=p.contact_name,
                   contact_email=p.contact_email, require_2fa=p.require_2fa,
                   password_max_age_days=p.password_max_age_days,
                   decision_reason=p.decision_reason, created_at=org.created_at)


class RegistrationOut(BaseModel):
    organization: OrgOut
    admin: UserOut


class PolicyBody(Strict):
    require_2fa: bool | None = None
    password_max_age_days: int | None = Field(default=None, ge=0, le=3650,
                                              description="0 turns the maximum age off")


class DecisionBody(Strict):
    approve: bool
    reason: str | None = Field(default=None, max_length=500)


class InvitationBody(Strict):
    email: str = Field(max_length=254)
    role: str = Field(default="seal_user", max_length=20, description=(
        "org_admin | custodian | approver | seal_user | auditor ('member' = seal_user)"))


class InvitationOut(BaseModel):
    id: str
    token: str
    email: str
    role: str
    expires_at: datetime


class AcceptBody(Strict):
    token: str = Field(max_length=200)
    username: str = Field(max_length=64)
    display_name: str = Field(default="", max_length=100)
    password: str = Field(max_length=1024)


class ClientBody(Strict):
    name: str = Field(max_length=100)
    scopes: list[str] = Field(max_length=20)
    expires_in_days: int = Field(default=90, ge=1, le=3660)


class ClientOut(BaseModel):
    id: str
    name: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, c: ApiClientRecord) -> ClientOut:
        return cls(id=c.id, name=c.name, scopes=sorted(c.scopes), created_at=c.created_at,
                   expires_at=c.expires_at, revoked_at=c.revoked_at,
                   last_used_at=c.last_used_at)


class ClientCreatedOut(ClientOut):
    secret: str = Field(description="Shown once; send as 'Authorization: Bearer <secret>'")
