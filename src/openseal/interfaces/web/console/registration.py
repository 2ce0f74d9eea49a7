"""Registering an organisation (注册单位) and its verification (企业实名认证).

``/register`` is public (a pre-session CSRF token, as the invitation form): the organisation
and its first administrator are made by ``register_organization`` exactly as
``POST /api/v1/registrations`` does; the organisation starts unverified (sandbox). The
organisation's administrator then sees ``/organisation`` (profile and verification status)
and uploads the business licence there (``submit_verification``, ``orgs:manage``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from openseal.bootstrap import Context, Wiring
from openseal.core.identity.registration import (
    LicenceUpload,
    Registration,
    profile_of,
    register_organization,
    submit_verification,
)
from openseal.core.records import LicenceRecord, OrganizationProfile, OrganizationRecord
from openseal.errors import InvalidInput, OpenSealError
from openseal.interfaces.api.deps import anonymous, wiring
from openseal.interfaces.api.problems import status_of
from openseal.interfaces.api.routes.orgs import visible_org
from openseal.interfaces.web.console.layout import NavItem, Page, show
from openseal.interfaces.web.console.session import (
    PreSession,
    Refused,
    SignedIn,
    check_presession,
    form_user,
    presession,
    signed_in,
)
from openseal.interfaces.web.i18n import N_

router = APIRouter(include_in_schema=False)

# This feature's entries in the console's navigation (added in order by routes.install).
NAV_ITEMS: list[NavItem] = [
    NavItem("organisation", "Organisation", "/organisation", "orgs:manage")]

REGISTER = Page("console/organisation/register.html", "Register an organisation",
                "organisation#注册单位-register")
REGISTERED = Page("console/organisation/registered.html", "Organisation registered",
                  "organisation#注册单位-register")
PROFILE = Page("console/organisation/profile.html", "Organisation profile",
               "organisation#单位资料与实名认证-verification", "organisation")

VERIFICATION_LABELS = {
    "unverified": N_("Not verified (sandbox)"),
    "pending": N_("Verification waiting for review"),
    "verified": N_("Organisation verified"),
    "rejected": N_("Verification rejected (sandbox)"),
}
# The registration form: each field and the most the API accepts (RegistrationBody).
REGISTRATION_FIELDS = {"name": 200, "uscc": 40, "legal_rep": 200, "contact_name": 200,
                       "contact_email": 254, "contact_phone": 40, "admin_username": 64,
                       "admin_password": 1024}
# The core names some fields as a user's; on this form they are the administrator's.
FORM_FIELD = {"username": "admin_username", "password": "admin_password",
              "email": "contact_email", "display_name": "contact_name"}
UPLOAD_FIELDS = {"legal_rep_name": 100, "legal_rep_id_number": 40}


def on_form(exc: OpenSealError, names: dict[str, str]) -> OpenSealError:
    """``exc`` naming the form's field where the core names it otherwise."""
    field = exc.fields.get("field")
    if not isinstance(field, str) or field not in names:
        return exc
    exc.fields = {**exc.fields, "field": names[field]}  # this request's own error
    return exc


def too_long(field: str, limit: int) -> InvalidInput:
    return InvalidInput("FIELD_TOO_LONG", f"该项最多 {limit} 个字符",
                        f"At most {limit} characters", field=field)


def checked_lengths(values: dict[str, str], limits: dict[str, int]) -> None:
    """The API's size limits on the form's values (the API refuses larger bodies too)."""
    for field, limit in limits.items():
        if len(values.get(field, "")) > limit:
            raise too_long(field, limit)


# Registration (public) ---------------------------------------------------------------------
def _register_page(request: Request, w: Wiring, pre: PreSession, values: dict[str, str], *,
                   status: int = 200, error: OpenSealError | None = None) -> Response:
    kept = {k: v[:300] for k, v in values.items() if k != "admin_password"}
    return pre.keep(show(request, REGISTER, status=status, error=error, csrf=pre.csrf,
                         values=kept), w)


@router.get("/register", response_class=HTMLResponse)
def register_form(request: Request, w: Wiring = Depends(wiring),
                  pre: PreSession = Depends(presession)) -> Response:
    return _register_page(request, w, pre, {})


def _registration(values: dict[str, str]) -> Registration:
    return Registration(values["name"], values["uscc"], values["legal_rep"],
                        values["contact_name"], values["contact_email"],
                        values["contact_phone"].strip() or None, values["admin_username"],
                        values["admin_password"])


@router.post("/register", response_class=HTMLResponse,
             dependencies=[Depends(check_presession)])
def register(request: Request, name: str = Form(""), uscc: str = Form(""),
             legal_rep: str = Form(""), contact_name: str = Form(""),
             contact_email: str = Form(""), contact_phone: str = Form(""),
             admin_username: str = Form(""), admin_password: str = Form(""),
             repeat_password: str = Form(""), w: Wiring = Depends(wiring),
             pre: PreSession = Depends(presession)) -> Response:
    values = {"name": name, "uscc": uscc, "legal_rep": legal_rep,
              "contact_name": contact_name, "contact_email": contact_email,
              "contact_phone": contact_phone, "admin_username": admin_username,
              "admin_password": admin_password}

    def run(c: Context) -> tuple[OrganizationRecord, str]:
        org, admin = register_organization(c.repos, c.pki, c.accounts, c.clock,
                                           _registration(values), audit=c.audit)
        return org, admin.username

    try:
        checked_lengths(values, REGISTRATION_FIELDS)
        if admin_password != repeat_password:
            raise InvalidInput("PASSWORD_MISMATCH", "两次输入的密码不一致",
                               "The two passwords differ", field="repeat_password")
        org, username = w.run(run, actor=anonymous(request))
    except OpenSealError as exc:
        return _register_page(request, w, pre, values, status=status_of(exc),
                              error=on_form(exc, FORM_FIELD))
    return show(request, REGISTERED, status=201, org=org, username=username,
                status_label=VERIFICATION_LABELS["unverified"])


# The organisation's profile and verification -------------------------------------------
@dataclass(frozen=True)
class Profile:
    org: OrganizationRecord
    profile: OrganizationProfile
    licence: LicenceRecord | None

    @property
    def status_label(self) -> str:
        return VERIFICATION_LABELS.get(self.profile.status, self.profile.status)

    @property
    def may_submit(self) -> bool:
        return self.profile.status in ("unverified", "rejected")


def read_profile(c: Context, org_id: str) -> Profile:
    org = c.repos.get_organization(org_id)
    assert org is not None
    return Profile(org, profile_of(c.repos, org.id), c.repos.latest_licence(org.id))


def _own_profile(c: Context, user: SignedIn) -> Profile:
    p = user.principal
    p.require("orgs:read")
    return read_profile(c, visible_org(c, p, p.org).id)


def _profile_page(request: Request, user: SignedIn, shown: Profile, *, status: int = 200,
                  error: OpenSealError | None = None, **values: Any) -> Response:
    return show(request, PROFILE, user, status=status, error=error, shown=shown,
                may_manage=user.principal.may("orgs:manage"),
                done=request.query_params.get("done") == "submitted", values=values)


@router.get("/organisation", response_class=HTMLResponse)
def organisation(request: Request, user: SignedIn = Depends(signed_in),
                 w: Wiring = Depends(wiring)) -> Response:
    try:
        shown = w.run(lambda c: _own_profile(c, user), actor=user.principal.actor())
    except OpenSealError as exc:
        raise Refused(exc) from exc
    return _profile_page(request, user, shown)


async def _licence_upload(request: Request, w: Wiring) -> LicenceUpload:
    """The form's licence file and legal representative (an absent file is empty: the core
    refuses it). At most one byte over the limit is read: the core names the size rule."""
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in UPLOAD_FIELDS}
    checked_lengths(values, UPLOAD_FIELDS)
    upload = form.get("licence")
    content, filename = b"", "licence"
    if isinstance(upload, UploadFile):
        content = await upload.read(w.settings.max_licence_bytes + 1)
        filename = (upload.filename or "licence")[:255]
    return LicenceUpload(content, filename, values["legal_rep_name"],
                         values["legal_rep_id_number"])


@router.post("/organisation/verification", response_class=HTMLResponse)
async def verification(request: Request, user: SignedIn = Depends(form_user),
                       w: Wiring = Depends(wiring)) -> Response:
    p = user.principal

    def run(c: Context) -> None:
        visible_org(c, p, p.org)
        submit_verification(c.repos, c.accounts, c.clock, p, upload, audit=c.audit)

    try:
        upload = await _licence_upload(request, w)
        w.run(run, actor=p.actor())
    except OpenSealError as exc:
        if status_of(exc) in (401, 403, 404):
            raise Refused(exc) from exc
        form = await request.form()
        shown = w.run(lambda c: _own_profile(c, user), actor=p.actor())
        return _profile_page(request, user, shown, status=status_of(exc),
                             error=on_form(exc, {"file": "licence"}),
                             **{k: str(form.get(k) or "")[:100] for k in UPLOAD_FIELDS})
    return RedirectResponse("/organisation?done=submitted", status_code=303)
