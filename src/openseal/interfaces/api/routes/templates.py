"""/api/v1 document templates (文档模板): a name, a category, which seals go where, the
PAdES level and optionally the approval steps of requests made with it. Apply one with
``template_id`` on ``POST /api/v1/documents/seal`` or ``POST /api/v1/requests``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from openseal.bootstrap import Context, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.templates.service import (
    create_template,
    delete_template,
    list_templates,
    update_template,
    visible_template,
)
from openseal.interfaces.api.auth import caller
from openseal.interfaces.api.deps import wiring
from openseal.interfaces.api.template_schemas import TemplateBody, TemplateOut

router = APIRouter(prefix="/api/v1", tags=["templates"])


@router.get("/orgs/{org_id}/templates", response_model=list[TemplateOut])
def get_templates(org_id: str, p: Principal = Depends(caller), w: Wiring = Depends(wiring)
                  ) -> list[TemplateOut]:
    """The organisation's templates, by name (needs ``seals:view``)."""
    return w.run(lambda c: [TemplateOut.of(t) for t in list_templates(c.repos, p, org_id)],
                 actor=p.actor())


@router.post("/orgs/{org_id}/templates", response_model=TemplateOut, status_code=201)
def post_template(org_id: str, body: TemplateBody, p: Principal = Depends(caller),
                  w: Wiring = Depends(wiring)) -> TemplateOut:
    """Save a template (needs ``grants:manage`` on every seal it names: custodians)."""
    def run(c: Context) -> TemplateOut:
        return TemplateOut.of(create_template(c.repos, c.clock, p, org_id, body.draft(),
                                              audit=c.audit))

    return w.run(run, actor=p.actor())


@router.get("/templates/{template_id}", response_model=TemplateOut)
def get_template(template_id: str, p: Principal = Depends(caller),
                 w: Wiring = Depends(wiring)) -> TemplateOut:
    return w.run(lambda c: TemplateOut.of(visible_template(c.repos, p, template_id)),
                 actor=p.actor())


@router.put("/templates/{template_id}", response_model=TemplateOut)
def put_template(template_id: str, body: TemplateBody, p: Principal = Depends(caller),
                 w: Wiring = Depends(wiring)) -> TemplateOut:
    """Replace the template (its version goes up; pending requests keep what they copied).
    Give ``version`` to refuse the change (409) if someone changed it meanwhile."""
    def run(c: Context) -> TemplateOut:
        return TemplateOut.of(update_template(c.repos, c.clock, p, template_id, body.draft(),
                                              audit=c.audit,
                                              expected_version=body.version))

    return w.run(run, actor=p.actor())


@router.delete("/templates/{template_id}", status_code=204, response_class=Response)
def remove_template(template_id: str, p: Principal = Depends(caller),
                    w: Wiring = Depends(wiring)) -> Response:
    w.run(lambda c: delete_template(c.repos, c.clock, p, template_id, audit=c.audit),
          actor=p.actor())
    return Response(status_code=204)
