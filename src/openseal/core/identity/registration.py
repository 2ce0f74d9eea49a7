"""Registering an organisation and verifying who it is (企业实名认证).

Anyone may register: the organisation starts ``unverified`` and works in sandbox mode only
(test CA, TEST-marked stamps). Its administrator submits the business licence and the legal
representative's details (``pending``); a platform administrator approves (``verified``: a
production CA is issued, new seals are real) or rejects with a reason (``rejected``: still
sandbox, may submit again). Every step is in the audit trail.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, replace

from openseal.core.accounts.kit import AccountKit
from openseal.core.accounts.principal import ORG_ADMIN, Principal
from openseal.core.accounts.users import checked_email, checked_text, new_user
from openseal.core.audit.recorder import AuditRecorder
from openseal.core.clock import Clock
from openseal.core.identity.licence import licence_media_type
from openseal.core.identity.service import create_organization, find_organization
from openseal.core.pki.service import PkiService
from openseal.core.ports import Repositories
from openseal.core.records import (
    LicenceRecord,
    OrganizationProfile,
    OrganizationRecord,
    UserRecord,
)
from openseal.errors import Conflict, InvalidInput


@dataclass(frozen=True)
class Registration:
    name: str
    uscc: str
    legal_rep: str
    contact_name: str
    contact_email: str
    contact_phone: str | None
    admin_username: str
    admin_password: str


@dataclass(frozen=True)
class LicenceUpload:
    content: bytes
    filename: str
    legal_rep_name: str
    legal_rep_id_number: str


def register_organization(repos: Repositories, pki: PkiService, kit: AccountKit, clock: Clock,
                          form: Registration, *, audit: AuditRecorder
                          ) -> tuple[OrganizationRecord, UserRecord]:
    """The organisation (unverified, sandbox CA) and its first administrator."""
    profile_fields = (checked_text(form.legal_rep, "legal_rep"),
                      checked_text(form.contact_name, "contact_name"),
                      checked_email(form.contact_email))
    phone = checked_text(form.contact_phone, "contact_phone", 40) if form.contact_phone else None
    org = create_organization(repos, pki, clock, form.name, form.uscc, audit=audit,
                              sandbox=True)
    repos.save_org_profile(OrganizationProfile(org.id, "unverified", *profile_fields, phone,
                                               False, None))
    admin = new_user(repos, kit, clock, org_id=org.id, username=form.admin_username,
                     display_name=form.contact_name, email=form.contact_email, role=ORG_ADMIN,
                     password=form.admin_password)
    audit.record("org.register", org_id=org.id, target=f"org:{org.id}",
                 details={"name": org.name, "uscc": org.uscc, "admin": admin.id,
                          "status": "unverified"})
    return org, admin


def profile_of(repos: Repositories, org_id: str) -> OrganizationProfile:
    """The stored profile; an organisation without one (made by the CLI) counts verified."""
    return repos.get_org_profile(org_id) or OrganizationProfile(
        org_id, "verified", "", "", "", None, False, None)


def submit_verification(repos: Repositories, kit: AccountKit, clock: Clock,
                        principal: Principal, upload: LicenceUpload, *,
                        audit: AuditRecorder) -> OrganizationProfile:
    principal.require("orgs:admin")
    profile = profile_of(repos, principal.org)
    if profile.status in ("verified", "pending"):
        raise Conflict("VERIFICATION_NOT_OPEN", f"单位认证状态为 {profile.status}，不能再提交",
                       f"The organisation is {profile.status}; nothing to submit")
    media_type = licence_media_type(upload.content, kit.policy.licence_max_bytes)
    licence = LicenceRecord(
        str(uuid.uuid4()), principal.org, checked_text(upload.filename or "licence", "filename",
                                                         255),
        media_type, hashlib.sha256(upload.content).hexdigest(), upload.content,
        checked_text(upload.legal_rep_name, "legal_rep_name"),
        _id_number(upload.legal_rep_id_number), principal.id, clock.now())
    repos.add_licence(licence)
    updated = replace(profile, status="pending", legal_rep=licence.legal_rep_name)
    repos.save_org_profile(updated)
    audit.record("org.verification_submit", org_id=principal.org, target=f"org:{principal.org}",
                 details={"licence": licence.id, "sha256": licence.sha256,
                          "media_type": media_type, "size": len(upload.content)})
    return updated


def _id_number(value: str) -> str:
    text = value.strip().upper()
    if not 6 <= len(text) <= 40 or not text.isascii() or not text.isalnum():
        raise InvalidInput("ID_NUMBER_FORMAT", "法定代表人证件号码格式不正确",
                           "The legal representative's ID number is not valid",
                           field="legal_rep_id_number")
    return text


def decide_verification(repos: Repositories, pki: PkiService, clock: Clock,
                        principal: Principal, org_ref: str, approve: bool, reason: str | None,
                        *, audit: AuditRecorder) -> OrganizationProfile:
    """Approve (issue the production CA) or reject (a reason is required)."""
    principal.require("platform:admin")
    org = find_organization(repos, org_ref)
    profile = profile_of(repos, org.id)
    if profile.status != "pending":
        raise Conflict("VERIFICATION_NOT_PENDING", "该单位没有待审核的认证申请",
                       "The organisation has no verification waiting for a decision")
    if not approve and not (reason or "").strip():
        raise InvalidInput("REASON_REQUIRED", "驳回时必须填写原因",
                           "A rejection needs a reason", field="reason")
    text = checked_text(reason, "reason", 500) if reason and reason.strip() else None
    updated = replace(profile, status="verified" if approve else "rejected",
                      decided_at=clock.now(), decided_by=principal.id, decision_reason=text)
    if approve:
        ca = pki.issue_org_ca(org.id, org.name, org.uscc)
        repos.set_organization_ca(org.id, ca.id)
        updated = replace(updated, production_ca_cert_id=ca.id)
    repos.save_org_profile(updated)
    audit.record("org.verification_approve" if approve else "org.verification_reject",
                 org_id=org.id, target=f"org:{org.id}", details={"reason": text})
    return updated


def update_policy(repos: Repositories, principal: Principal, require_2fa: bool | None,
                  password_max_age_days: int | None, clear_max_age: bool, *,
                  audit: AuditRecorder) -> OrganizationProfile:
    """The organisation's login policy: 2FA required, optional password maximum age."""
    principal.require("orgs:admin")
    profile = profile_of(repos, principal.org)
    if password_max_age_days is not None and not 1 <= password_max_age_days <= 3650:
        raise InvalidInput("MAX_AGE_RANGE", "密码最长使用期限应为 1–3650 天",
                           "The password maximum age must be 1-3650 days",
                           field="password_max_age_days")
    updated = replace(
        profile,
        require_2fa=profile.require_2fa if require_2fa is None else require_2fa,
        password_max_age_days=None if clear_max_age else (
            password_max_age_days or profile.password_max_age_days))
    repos.save_org_profile(updated)
    audit.record("org.policy_update", org_id=principal.org, target=f"org:{principal.org}",
                 details={"require_2fa": updated.require_2fa,
                          "max_age_days": updated.password_max_age_days})
    return updated
