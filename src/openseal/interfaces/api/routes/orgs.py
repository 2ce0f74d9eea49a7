"""/api/v1/registrations and /api/v1/orgs: register, verify (企业实名认证), policy."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile

from openseal.bootstrap import Context, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.identity.registration import (
    LicenceUpload,
    Registration,
    decide_verification,
    profile_of,
    register_organization,
    submit_verification,
    update_policy,
)
from openseal.core.identity.service import find_organization
from openseal.core.records import OrganizationRecord
from openseal.errors import NotFound
from openseal.interfaces.api.auth import caller
from openseal.interfaces.api.deps import anonymous, read_upload, wiring
from openseal.interfaces.api.schemas import (
    DecisionBody,
    OrgOut,
    PolicyBody,
    RegistrationBody,
    RegistrationOut,
    UserOut,
)

router = APIRouter(prefix="/api/v1", tags=["organisations"])


@router.post("/registrations", response_model=RegistrationOut, status_code=201)
def register(body: RegistrationBody, request: Request, w: Wiring = Depends(wiring)
             ) -> RegistrationOut:
    """Register an organisation and its first administrator (no login needed).

    The organisation starts unverified and works in sandbox mode until a platform
    administrator approves its verification.
    """
    form = Registration(**body.model_dump())

    def run(c: Context) -> RegistrationOut:
        org, admin = register_organization(c.repos, c.pki, c.accounts, c.clock, form,
                                           audit=c.audit)
        return RegistrationOut(organization=OrgOut.of(org, profile_of(c.repos, org.id)),
                               admin=UserOut.of(admin))

    return w.run(run, actor=anonymous(request))


def org_not_found(ref: str) -> NotFound:
    return NotFound("ORG_NOT_FOUND", "找不到该单位", "Organisation not found", field="org",
                    ref=ref)


def visible_org(c: Context, p: Principal, org_id: str) -> OrganizationRecord:
    """Any organisation for a platform administrator; otherwise only the caller's own."""
    org = c.repos.get_organization(org_id)
    if org is None or org.id != org_id:
        raise org_not_found(org_id)
    if not p.may("platform:admin"):
        p.owns(org.id, "org", org_id, org_not_found(org_id))
    return org


@router.get("/orgs", response_model=list[OrgOut])
def list_orgs(p: Principal = Depends(caller), w: Wiring = Depends(wiring)) -> list[OrgOut]:
    """Your organisation; a platform administrator sees every organisation."""
    def run(c: Context) -> list[OrgOut]:
        p.require("orgs:read")
        orgs = c.repos.list_organizations()
        if not p.may("platform:admin"):
            orgs = [o for o in orgs if o.id == p.org_id]
        return [OrgOut.of(o, profile_of(c.repos, o.id)) for o in orgs]

    return w.run(run, actor=p.actor())


@router.get("/orgs/{org_id}", response_model=OrgOut)
def get_org(org_id: str, p: Principal = Depends(caller), w: Wiring = Depends(wiring)) -> OrgOut:
    def run(c: Context) -> OrgOut:
        p.require("orgs:read")
        org = visible_org(c, p, org_id)
        return OrgOut.of(org, profile_of(c.repos, org.id))

    return w.run(run, actor=p.actor())


@router.patch("/orgs/{org_id}", response_model=OrgOut)
def set_policy(org_id: str, body: PolicyBody, p: Principal = Depends(caller),
               w: Wiring = Depends(wiring)) -> OrgOut:
    """Login policy: ``require_2fa``; ``password_max_age_days`` (0 = off, the default)."""
    def run(c: Context) -> OrgOut:
        org = visible_org(c, p, org_id)
        p.owns(org.id, "org", org_id, org_not_found(org_id))
        age = body.password_max_age_days
        profile = update_policy(c.repos, p, body.require_2fa, age or None, age == 0,
                                audit=c.audit)
        return OrgOut.of(org, profile)

    return w.run(run, actor=p.actor())


@router.post("/orgs/{org_id}/verification", response_model=OrgOut)
async def submit(org_id: str, licence: UploadFile = File(...),
                 legal_rep_name: str = Form(..., max_length=100),
                 legal_rep_id_number: str = Form(..., max_length=40),
                 p: Principal = Depends(caller), w: Wiring = Depends(wiring)) -> OrgOut:
    """Submit the business licence (PDF, PNG or JPEG) and the legal representative."""
    content = await read_upload(licence, w.settings.max_licence_bytes)
    upload = LicenceUpload(content, licence.filename or "licence", legal_rep_name,
                           legal_rep_id_number)

    def run(c: Context) -> OrgOut:
        org = visible_org(c, p, org_id)
        p.owns(org.id, "org", org_id, org_not_found(org_id))
        return OrgOut.of(org, submit_verification(c.repos, c.accounts, c.clock, p, upload,
                                                  audit=c.audit))

    return w.run(run, actor=p.actor())


@router.get("/orgs/{org_id}/licence", response_class=Response, responses={200: {
    "description": "The submitted licence file", "content": {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}})
def licence_file(org_id: str, p: Principal = Depends(caller),
                 w: Wiring = Depends(wiring)) -> Response:
    """The latest submitted licence (platform administrator or the organisation's admin)."""
    def run(c: Context) -> Response:
        org = visible_org(c, p, org_id)
        if not p.may("platform:admin"):
            p.require("orgs:manage")
        record = c.repos.latest_licence(org.id)
        if record is None:
            raise NotFound("LICENCE_NOT_FOUND", "尚未提交营业执照", "No licence was submitted")
        return Response(record.content, media_type=record.media_type, headers={
            "Content-Disposition": "attachment; filename=licence",
            "X-Content-Type-Options": "nosniff"})

    return w.run(run, actor=p.actor())


@router.post("/orgs/{org_id}/verification/decision", response_model=OrgOut)
def decide(org_id: str, body: DecisionBody, p: Principal = Depends(caller),
           w: Wiring = Depends(wiring)) -> OrgOut:
    """Approve or reject a submitted verification (platform administrator)."""
    def run(c: Context) -> OrgOut:
        p.require("platform:admin")
        org = find_organization(c.repos, org_id)
        profile = decide_verification(c.repos, c.pki, c.clock, p, org.id, body.approve,
                                      body.reason, audit=c.audit)
        return OrgOut.of(org, profile)

    return w.run(run, actor=p.actor())
