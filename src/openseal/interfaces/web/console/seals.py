"""Seals (印章): the gallery, and creating a seal (type, name, algorithm) with a live preview.

Everything goes through the core exactly as /api/v1/seals does: ``seals:view`` (authorize)
to see the organisation's seals, ``seals:manage`` to create one. A seal's own pages (detail,
.esl, lifecycle) are in ``seal_detail``; importing a seal made elsewhere in ``seal_import``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openseal.bootstrap import Context, Refusal, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.governance.authorize import authorize
from openseal.core.identity.service import find_organization
from openseal.core.records import CertificateRecord, SealRecord
from openseal.core.seals import artwork
from openseal.core.seals.model import DEFAULT_PURPOSE, SealDesign, SealType
from openseal.core.seals.service import ALGORITHMS, SealOrder, create_seal, is_sandboxed
from openseal.errors import InvalidInput, OpenSealError
from openseal.interfaces.api.deps import wiring
from openseal.interfaces.api.problems import status_of
from openseal.interfaces.web.console.layout import NavItem, Page, show
from openseal.interfaces.web.console.session import Refused, SignedIn, form_user, signed_in
from openseal.interfaces.web.i18n import N_, language
from openseal.interfaces.web.rendering import render

router = APIRouter(include_in_schema=False)

# This feature's entries in the console's navigation (added in order by routes.install).
NAV_ITEMS: list[NavItem] = [NavItem("seals", "Seals", "/seals", "seals:view")]

GALLERY = Page("console/seals/gallery.html", "Seals", "seals#印章列表-gallery", "seals")
NEW = Page("console/seals/new.html", "New seal", "seals#新建印章-create", "seals")
PREVIEW = "console/seals/preview.html"
PREVIEW_DPI = 120

TYPE_LABELS: dict[str, str] = {
    SealType.OFFICIAL: N_("Official seal"),
    SealType.CONTRACT: N_("Contract seal"),
    SealType.FINANCE: N_("Finance seal"),
    SealType.INVOICE: N_("Invoice seal"),
    SealType.LEGAL_REP: N_("Legal representative's seal"),
    SealType.CUSTOM: N_("Custom seal"),
}
STATUS_LABELS = {"active": N_("Seal in use"), "suspended": N_("Seal suspended"),
                 "revoked": N_("Seal revoked"), "destroyed": N_("Seal destroyed")}


@dataclass(frozen=True)
class AlgorithmChoice:
    """A key algorithm the core offers (``ALGORITHMS``), as the form explains it."""

    value: str
    label: str
    explanation: str
    known: bool = True  # False: a new algorithm of the core, shown by its name


# What each algorithm is for; the choices offered are the core's ALGORITHMS, in its order.
ALGORITHM_WORDS: dict[str, tuple[str, str]] = {
    "ecdsa": (N_("ECDSA P-256 (recommended)"),
              N_("The default for PDF: PAdES seals that Adobe Reader, pdfsig and other "
                 "validators check.")),
    "sm2": (N_("SM2 (Chinese commercial cryptography)"),
            N_("For OFD documents: a GB/T 38540 electronic seal (.esl) signed with "
               "SM2/SM3, as e-government systems expect.")),
    "rsa": (N_("RSA (compatibility)"),
            N_("For PDF verifiers too old to check ECDSA signatures; larger signatures.")),
}
OTHER_ALGORITHM = N_("Offered by this installation.")
DEFAULT_ALGORITHM = SealOrder("", "", "").algorithm  # the core's default (ECDSA, for PDF)


def algorithm_choices() -> list[AlgorithmChoice]:
    """The core's algorithms, each with its label and what it is for."""
    return [AlgorithmChoice(a, *ALGORITHM_WORDS[a]) if a in ALGORITHM_WORDS
            else AlgorithmChoice(a, a.upper(), OTHER_ALGORITHM, known=False)
            for a in ALGORITHMS]


def algorithm_label(value: str) -> str:
    """A seal's algorithm as shown (a message id; "" for one this page does not know)."""
    return ALGORITHM_WORDS.get(value, ("", ""))[0]


# Reading ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class SealCard:
    seal: SealRecord
    cert: CertificateRecord

    @property
    def type_label(self) -> str:
        return TYPE_LABELS.get(self.seal.design.seal_type, N_("Custom seal"))

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.seal.status, self.seal.status)


def card(c: Context, seal: SealRecord) -> SealCard:
    cert = c.repos.get_certificate(seal.cert_id)
    assert cert is not None
    return SealCard(seal, cert)


@router.get("/seals", response_class=HTMLResponse)
def gallery(request: Request, user: SignedIn = Depends(signed_in),
            w: Wiring = Depends(wiring)) -> Response:
    p = user.principal

    def run(c: Context) -> list[SealCard]:
        authorize(c.repos, p, "seals:view", now=c.clock.now())
        return [card(c, s) for s in c.repos.list_seals(p.org)]

    try:
        cards = w.run(run, actor=p.actor())
    except OpenSealError as exc:
        raise Refused(exc) from exc
    return show(request, GALLERY, user, cards=cards, may_manage=p.may("seals:manage"))


# Creating -------------------------------------------------------------------------------
@router.get("/seals/new", response_class=HTMLResponse)
def new_form(request: Request, user: SignedIn = Depends(signed_in),
             w: Wiring = Depends(wiring)) -> Response:
    p = user.principal
    values = {"type": SealType.CONTRACT.value, "name": "", "purpose": "", "tax_id": "",
              "code": "", "algorithm": DEFAULT_ALGORITHM}
    try:
        preview = w.run(lambda c: _creator_preview(c, p, values), actor=p.actor())
    except OpenSealError as exc:
        raise Refused(exc) from exc
    return _new_page(request, user, values, preview)


def may_manage(c: Context, p: Principal) -> None:
    """Refuse (PermissionDenied) who may not create or change seals (``seals:manage``)."""
    authorize(c.repos, p, "seals:manage", now=c.clock.now())


def _creator_preview(c: Context, p: Principal, values: dict[str, str]) -> dict[str, Any]:
    may_manage(c, p)
    return _preview(c, p, values)


def _new_page(request: Request, user: SignedIn, values: dict[str, str],
              preview: dict[str, Any], *, status: int = 200,
              error: OpenSealError | None = None) -> Response:
    return show(request, NEW, user, status=status, error=error, values=values,
                types=TYPE_LABELS, algorithms=algorithm_choices(),
                preview=_shown(request, preview))


def _preview(c: Context, p: Principal, values: dict[str, str]) -> dict[str, Any]:
    """The artwork the form's values would give (drawn, not saved), or the core's error."""
    shown: dict[str, Any] = {"image": None, "error": None}
    try:
        shown["image"] = _drawn(c, p, values)
    except OpenSealError as exc:
        shown["error"] = exc
    return shown


def _drawn(c: Context, p: Principal, values: dict[str, str]) -> str:
    org = find_organization(c.repos, p.org)
    try:
        seal_type = SealType(values.get("type", ""))
    except ValueError:
        raise InvalidInput("SEAL_TYPE", "请选择印章类型", "Choose a seal type",
                           field="type") from None
    name = values.get("name", "").strip()
    if len(name) > 100:
        raise InvalidInput("SEAL_NAME", "印章名称应为 1–100 个字符",
                           "The seal name must have 1-100 characters", field="name")
    design = SealDesign(seal_type, name if seal_type is SealType.LEGAL_REP else org.name,
                        values.get("purpose", "").strip() or DEFAULT_PURPOSE[seal_type],
                        values.get("tax_id", "").strip()
                        or (org.uscc if seal_type is SealType.INVOICE else None),
                        values.get("code", "").strip() or None)
    drawing = artwork.draw_seal(design)
    png = artwork.render_png(drawing, dpi=PREVIEW_DPI)
    if is_sandboxed(c.repos, org.id):
        png = artwork.with_test_mark_png(png, drawing.width_mm, drawing.height_mm)
    return "data:image/png;base64," + base64.b64encode(png).decode()


@router.get("/seals/preview", response_class=HTMLResponse)
def preview(request: Request, type: str = Query(""),  # noqa: A002 - form field
            name: str = Query(""), purpose: str = Query(""), tax_id: str = Query(""),
            code: str = Query(""), user: SignedIn = Depends(signed_in),
            w: Wiring = Depends(wiring)) -> Response:
    """The preview fragment htmx swaps in as the form changes: the image, or the error
    naming the field (GET: nothing is saved). Over-long values are cut to a little more
    than the core allows, so the core still names the field."""
    p = user.principal
    values = {"type": type[:20], "name": name[:200], "purpose": purpose[:100],
              "tax_id": tax_id[:40], "code": code[:40]}
    try:
        shown = w.run(lambda c: _creator_preview(c, p, values), actor=p.actor())
    except OpenSealError as exc:
        raise Refused(exc) from exc
    return render(request, PREVIEW, 200, preview=_shown(request, shown))


def _shown(request: Request, shown: dict[str, Any]) -> dict[str, Any]:
    """The preview as the template shows it: the image, or the error in the user's words."""
    error = shown["error"]
    return {"image": shown["image"],
            "error": None if error is None else {"code": error.code,
                                                 "message": error.message(language(request)),
                                                 "field": error.fields.get("field")}}


@router.post("/seals/new", response_class=HTMLResponse)
def create(request: Request, type: str = Form(""),  # noqa: A002 - form field
           name: str = Form(""), purpose: str = Form(""), tax_id: str = Form(""),
           code: str = Form(""), algorithm: str = Form(""),
           user: SignedIn = Depends(form_user), w: Wiring = Depends(wiring)) -> Response:
    """Create the seal (its key of the chosen ``algorithm``, its certificate; an SM2 seal
    also its .esl) and show it; a refusal shows the form again with the field's error."""
    p = user.principal
    values = {"type": type[:20], "name": name[:200], "purpose": purpose[:100],
              "tax_id": tax_id[:40], "code": code[:40],
              "algorithm": algorithm.strip()[:20] or DEFAULT_ALGORITHM}

    def run(c: Context) -> str:
        may_manage(c, p)
        for field, limit in (("name", 100), ("purpose", 50), ("tax_id", 20), ("code", 20)):
            if len(values[field].strip()) > limit:
                raise InvalidInput("SEAL_FIELD_TOO_LONG", f"该项最多 {limit} 个字符",
                                   f"At most {limit} characters", field=field)
        order = SealOrder(p.org, values["type"], values["name"],
                          values["purpose"].strip() or None, values["tax_id"].strip() or None,
                          values["code"].strip() or None, algorithm=values["algorithm"],
                          key_store=c.key_store_for(p.org))
        return create_seal(c.repos, c.pki, c.clock, order, c.settings.certificate_url,
                           audit=c.audit).id

    refusal = Refusal("seal.create", org_id=p.org_id,
                      details={"type": values["type"], "name": values["name"][:100],
                               "image": "drawn", "algorithm": values["algorithm"]})
    try:
        seal_id = w.run(run, refusal, actor=p.actor())
    except OpenSealError as exc:
        if status_of(exc) == 403:
            raise Refused(exc) from exc
        shown = w.run(lambda c: _preview(c, p, values), actor=p.actor())
        return _new_page(request, user, values, shown, status=status_of(exc), error=exc)
    return RedirectResponse(f"/seals/{seal_id}", status_code=303)
