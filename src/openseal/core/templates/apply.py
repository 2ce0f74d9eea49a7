"""Applying a template: as the seal steps of one sealing operation, or as the terms of a
request to use one of its seals.

``template_steps`` is what every sealing edge calls (``openseal sign``/``batch``, the API,
batch jobs): the template's stamps become ``SealStep``s for ``seal_several`` (or
``seal_document`` when there is one), with its category, level and QR setting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from openseal.core.accounts.principal import Principal
from openseal.core.audit.recorder import AuditRecorder
from openseal.core.clock import Clock
from openseal.core.governance.requests import TemplateTerms
from openseal.core.governance.tickets import ticket_not_found
from openseal.core.keys.model import KeyStore
from openseal.core.pki.service import PkiService
from openseal.core.records import SealRecord
from openseal.core.seals.service import find_seal
from openseal.core.signing.service import SealedDocument, SealerCache, seal_document
from openseal.core.signing.several import SealStep, seal_several
from openseal.core.templates.model import TemplateRecord, template_not_found
from openseal.core.templates.ports import TemplateRepos
from openseal.core.templates.service import visible_template
from openseal.errors import InvalidInput


@dataclass(frozen=True)
class TemplatePlan:
    steps: tuple[SealStep, ...]
    category: str | None
    level: str
    qr: bool
    template_id: str
    version: int

    def for_seal(self, seal_id: str) -> TemplatePlan:
        """Only the stamp of ``seal_id`` (a ticket is for one seal): InvalidInput when the
        template has no stamp of that seal."""
        kept = tuple(s for s in self.steps if s.seal_ref == seal_id)[:1]
        if not kept:
            raise InvalidInput("TEMPLATE_SEAL_NOT_IN_TEMPLATE", "用印凭证的印章不在该模板中",
                               "The ticket's seal is not one of the template's seals",
                               field="ticket")
        return replace(self, steps=kept)


def template_for(repos: TemplateRepos, principal: Principal, ref: str) -> TemplateRecord:
    """The caller's template by id, or by name in the caller's organisation."""
    if repos.get_template(ref) is not None:
        return visible_template(repos, principal, ref)
    principal.require("seals:view")
    named = repos.templates_named(ref, principal.org_id) if principal.org_id else []
    if not named:
        raise template_not_found(ref)
    return named[0]


def template_steps(repos: TemplateRepos, principal: Principal, template_ref: str
                   ) -> TemplatePlan:
    """The template's stamps as seal steps, in order, with its category, level and QR
    setting. NotFound for a template not of the caller's organisation; the seals are
    authorised when each step is sealed, as any seal is."""
    t = template_for(repos, principal, template_ref)
    return TemplatePlan(tuple(SealStep(s.seal_id, s.request()) for s in t.stamps),
                        t.category, t.level, t.qr, t.id, t.version)


def request_terms(repos: TemplateRepos, principal: Principal, template_ref: str,
                  seal_id: str | None, category: str | None
                  ) -> tuple[str, str | None, TemplateTerms]:
    """For a request made with a template: the seal (the template's only one, or
    ``seal_id`` if it is one of them), the category (the template's) and the terms (the
    template's approval steps and hours when it has a policy)."""
    t = template_for(repos, principal, template_ref)
    seal = _chosen_seal(t, seal_id)
    if category is not None and t.category is not None and category != t.category:
        raise InvalidInput("TEMPLATE_CATEGORY", f"模板的文件类别是「{t.category}」",
                           f"The template's document category is '{t.category}'",
                           field="category")
    p = t.policy
    terms = TemplateTerms(t.id, t.version) if p is None else TemplateTerms(
        t.id, t.version, p.steps, p.request_hours, p.ticket_hours)
    return seal, t.category or category, terms


def _chosen_seal(t: TemplateRecord, seal_id: str | None) -> str:
    if seal_id is None:
        if len(t.seal_ids) > 1:
            raise InvalidInput("TEMPLATE_SEAL_AMBIGUOUS", "该模板有多个印章，请指定申请哪一个",
                               "The template has several seals: say which one",
                               field="seal_id", seals=list(t.seal_ids))
        return t.seal_ids[0]
    if seal_id not in t.seal_ids:
        raise InvalidInput("TEMPLATE_SEAL_NOT_IN_TEMPLATE", "该印章不在模板中",
                           "The seal is not one of the template's seals", field="seal_id",
                           seals=list(t.seal_ids))
    return seal_id


def seal_with_template(
    repos: TemplateRepos, pki: PkiService, keystore: KeyStore, clock: Clock,
    cache: SealerCache, plan: TemplatePlan, pdf: bytes, *, audit: AuditRecorder,
    principal: Principal | Callable[[SealRecord], Principal], ticket_id: str | None = None,
    qr_base: str | None = None,
) -> list[SealedDocument]:
    """Seal ``pdf`` with the plan's stamps in order (one ``seal_document`` each, in the
    caller's transaction: all or none), at the template's level, with its category, and a
    QR code when the template asks for one (``qr_base``: the public URL). With a ticket
    only the stamp of the ticket's seal is applied, as the ticket's requester."""
    if ticket_id is not None:
        ticket = repos.get_ticket(ticket_id)
        if ticket is None:
            raise ticket_not_found(ticket_id)
        plan = plan.for_seal(ticket.seal_id)
    base = qr_base if plan.qr else None
    if len(plan.steps) == 1:
        step = plan.steps[0]
        who = principal if isinstance(principal, Principal) else principal(
            find_seal(repos, step.seal_ref))
        return [seal_document(repos, pki, keystore, clock, cache, step.seal_ref, pdf,
                              step.request, audit=audit, principal=who,
                              category=None if ticket_id else plan.category,
                              ticket_id=ticket_id, qr_base=base, level=plan.level)]
    return seal_several(repos, pki, keystore, clock, cache, plan.steps, pdf, audit=audit,
                        principal=principal, category=plan.category, level=plan.level)


def refuse_mixing(given: list[str]) -> None:
    """A template says which seals go where: InvalidInput when seals or positions are also
    given (``given``: the names of the options given besides the template)."""
    if given:
        names = ", ".join(given)
        raise InvalidInput("TEMPLATE_WITH_OPTIONS", f"使用模板时不能再指定 {names}（由模板决定）",
                           f"With a template, {names} cannot be given (the template says)",
                           field=given[0], options=given)
