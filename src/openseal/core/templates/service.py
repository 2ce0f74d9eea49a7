"""Use cases: create, read, change and delete a template (文档模板).

Changing a template needs ``grants:manage`` on every seal it names, before and after: the
same authority that sets those seals' approval policies, so a template's policy is never an
escalation. Reading needs ``seals:view`` in the template's organisation; another
organisation's template is not found.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from openseal.core.accounts.principal import Principal
from openseal.core.audit.recorder import AuditRecorder
from openseal.core.clock import Clock
from openseal.core.templates.checks import TemplateDraft, checked_draft, managed_seal
from openseal.core.templates.model import TemplateRecord, template_dict, template_not_found
from openseal.core.templates.ports import TemplateRepos
from openseal.errors import Conflict, InvalidInput, NotFound


def org_not_found(ref: str) -> NotFound:
    return NotFound("ORG_NOT_FOUND", "找不到该单位", "Organisation not found", field="org",
                    ref=ref)


def visible_template(repos: TemplateRepos, principal: Principal, template_id: str
                     ) -> TemplateRecord:
    """The template ``template_id`` of the caller's organisation (seals:view)."""
    principal.require("seals:view")
    found = repos.get_template(template_id)
    if found is None or found.id != template_id:
        raise template_not_found(template_id)
    principal.owns(found.org_id, "template", template_id, template_not_found(template_id))
    return found


def find_template(repos: TemplateRepos, ref: str, org_id: str | None = None
                  ) -> TemplateRecord:
    """A template by id, or by name (in ``org_id``, or the one of that name anywhere):
    the CLI operator's way of naming one. Not found, or InvalidInput when ambiguous."""
    found = repos.get_template(ref)
    if found is not None and found.id == ref and org_id in (None, found.org_id):
        return found
    named = repos.templates_named(ref, org_id)
    if len(named) > 1:
        raise InvalidInput("TEMPLATE_AMBIGUOUS", f"有多个单位的模板名为「{ref}」，请用编号",
                           f"Several organisations have a template '{ref}': use its id",
                           field="template")
    if not named:
        raise template_not_found(ref)
    return named[0]


def list_templates(repos: TemplateRepos, principal: Principal, org_id: str
                   ) -> list[TemplateRecord]:
    principal.require("seals:view")
    principal.owns(org_id, "org", org_id, org_not_found(org_id))
    return repos.list_templates(org_id)


def create_template(repos: TemplateRepos, clock: Clock, principal: Principal, org_id: str,
                    draft: TemplateDraft, *, audit: AuditRecorder) -> TemplateRecord:
    """Check and store a new template of ``org_id``; audited as template.create."""
    principal.require("grants:manage")
    principal.owns(org_id, "org", org_id, org_not_found(org_id))
    now = clock.now()
    checked = checked_draft(repos, principal, org_id, draft, now)
    _name_free(repos, org_id, checked.name, None)
    record = TemplateRecord(str(uuid.uuid4()), org_id, checked.name, checked.category,
                            checked.level, checked.qr, checked.stamps, checked.policy, 1,
                            principal.actor().name, now, now)
    repos.add_template(record)
    audit.record("template.create", org_id=org_id, target=f"template:{record.id}",
                 details={"after": template_dict(record)})
    return record


def update_template(repos: TemplateRepos, clock: Clock, principal: Principal,
                    template_id: str, draft: TemplateDraft, *, audit: AuditRecorder,
                    expected_version: int | None = None) -> TemplateRecord:
    """Replace what the template says (its version goes up by one); audited with before
    and after. Conflict when ``expected_version`` is given and no longer current."""
    before = visible_template(repos, principal, template_id)
    principal.require("grants:manage")
    now = clock.now()
    _manages_all(repos, principal, before, now)
    if expected_version is not None and expected_version != before.version:
        raise _changed()
    checked = checked_draft(repos, principal, before.org_id, draft, now)
    _name_free(repos, before.org_id, checked.name, before.id)
    after = replace(before, name=checked.name, category=checked.category,
                    level=checked.level, qr=checked.qr, stamps=checked.stamps,
                    policy=checked.policy, version=before.version + 1, updated_at=now)
    if not repos.update_template(after, before.version):
        raise _changed()
    audit.record("template.change", org_id=before.org_id, target=f"template:{before.id}",
                 details={"before": template_dict(before), "after": template_dict(after)})
    return after


def delete_template(repos: TemplateRepos, clock: Clock, principal: Principal,
                    template_id: str, *, audit: AuditRecorder) -> TemplateRecord:
    """Delete the template (requests made with it keep their copied steps)."""
    found = visible_template(repos, principal, template_id)
    principal.require("grants:manage")
    _manages_all(repos, principal, found, clock.now())
    repos.delete_template(found.id)
    audit.record("template.delete", org_id=found.org_id, target=f"template:{found.id}",
                 details={"before": template_dict(found)})
    return found


def _manages_all(repos: TemplateRepos, principal: Principal, template: TemplateRecord,
                 now: datetime) -> None:
    for i, seal_id in enumerate(template.seal_ids):
        managed_seal(repos, principal, template.org_id, seal_id, f"stamps[{i}].seal_id",
                     now)


def _name_free(repos: TemplateRepos, org_id: str, name: str, own_id: str | None) -> None:
    if any(t.id != own_id for t in repos.templates_named(name, org_id)):
        raise Conflict("TEMPLATE_NAME_TAKEN", f"本单位已有名为「{name}」的模板",
                       f"The organisation already has a template '{name}'", field="name")


def _changed() -> Conflict:
    return Conflict("TEMPLATE_CHANGED", "该模板刚被他人修改，请刷新后重试",
                    "The template was changed by someone else meanwhile; reload and retry",
                    field="version")
