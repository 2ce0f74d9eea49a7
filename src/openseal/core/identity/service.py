"""Organisations: name plus a valid 统一社会信用代码, each with its own issuing CA."""

from __future__ import annotations

import uuid

from openseal.core.audit.recorder import AuditRecorder
from openseal.core.clock import Clock
from openseal.core.identity.uscc import validate_uscc
from openseal.core.pki.service import PkiService
from openseal.core.ports import Repositories
from openseal.core.records import OrganizationRecord
from openseal.errors import Conflict, InvalidInput, NotFound

MAX_NAME = 100


def create_organization(
    repos: Repositories, pki: PkiService, clock: Clock, name: str, uscc: str, *,
    audit: AuditRecorder, sandbox: bool = False,
) -> OrganizationRecord:
    """Register an organisation and issue its CA. Raises InvalidInput or Conflict."""
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidInput("ORG_NAME", f"单位名称应为 1–{MAX_NAME} 个字符",
                           f"The organisation name must have 1-{MAX_NAME} characters",
                           field="name")
    code = validate_uscc(uscc)
    if repos.get_organization(code) is not None:
        raise Conflict("ORG_EXISTS", f"统一社会信用代码 {code} 的单位已存在",
                       f"An organisation with credit code {code} exists", field="uscc")
    org_id = str(uuid.uuid4())
    ca = pki.issue_org_ca(org_id, name, code, sandbox=sandbox)
    record = OrganizationRecord(org_id, name, code, ca.id, clock.now())
    repos.add_organization(record)
    audit.record("org.create", org_id=org_id, target=f"org:{org_id}",
                 details={"name": name, "uscc": code, "ca_cert": ca.id, "sandbox": sandbox})
    return record


def find_organization(repos: Repositories, ref: str) -> OrganizationRecord:
    record = repos.get_organization(ref)
    if record is None:
        raise NotFound("ORG_NOT_FOUND", f"找不到单位「{ref}」", f"Organisation '{ref}' not found",
                       field="org")
    return record
