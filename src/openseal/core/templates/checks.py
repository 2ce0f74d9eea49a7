"""Checking a template before it is stored: its text, its stamps' positions, its seals
(same organisation, and the caller manages each), its approval steps."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

from openseal.core.accounts.principal import Principal
from openseal.core.accounts.users import checked_text
from openseal.core.governance.approval_ports import ApprovalRepos
from openseal.core.governance.authorize import authorize, seal_not_found
from openseal.core.governance.policies import MAX_STEPS, checked_hours, checked_step
from openseal.core.records import PolicyStep
from openseal.core.signing.cross_page import cross_page
from openseal.core.signing.ltv import checked_level
from openseal.core.signing.occurrence import OCCURRENCES
from openseal.core.templates.model import MAX_STAMPS, Stamp, TemplatePolicy
from openseal.errors import InvalidInput, OpenSealError

T = TypeVar("T")
E = TypeVar("E", bound=OpenSealError)
MAX_PAGE = 100_000
MAX_MM = 10_000.0


@dataclass(frozen=True)
class TemplateDraft:
    """What a template says, as given (checked by ``checked_draft``)."""

    name: str
    stamps: tuple[Stamp, ...]
    category: str | None = None
    level: str = "B-T"
    qr: bool = False
    policy: TemplatePolicy | None = None


def checked_draft(repos: ApprovalRepos, principal: Principal, org_id: str,
                  draft: TemplateDraft, now: datetime) -> TemplateDraft:
    """The draft, normalised; InvalidInput naming the field, NotFound for a seal that is
    not the organisation's, Forbidden unless ``principal`` manages every seal it names."""
    name = checked_text(draft.name, "name", 100)
    category = None if draft.category is None else checked_text(draft.category,
                                                                "category", 50)
    if not 1 <= len(draft.stamps) <= MAX_STAMPS:
        raise InvalidInput("TEMPLATE_STAMPS", f"模板须有 1 至 {MAX_STAMPS} 个印章",
                           f"A template has 1 to {MAX_STAMPS} stamps", field="stamps")
    if draft.qr and len(draft.stamps) > 1:
        raise InvalidInput("SEVERAL_SEALS_QR", "一次盖多个印章时不能加二维码",
                           "A QR code goes with one seal only, not with several", field="qr")
    stamps = tuple(checked_stamp(s, i) for i, s in enumerate(draft.stamps))
    for i, stamp in enumerate(stamps):
        managed_seal(repos, principal, org_id, stamp.seal_id, f"stamps[{i}].seal_id", now)
    policy = None if draft.policy is None else _checked_policy(repos, principal, org_id,
                                                               draft.policy)
    return TemplateDraft(name, stamps, category, checked_level(draft.level), draft.qr, policy)


def managed_seal(repos: ApprovalRepos, principal: Principal, org_id: str, seal_id: str,
                 field: str, now: datetime) -> None:
    """The seal exists in ``org_id`` (else not found) and ``principal`` may manage its
    authorisations and policy (grants:manage)."""
    seal = repos.get_seal(seal_id)
    if seal is None or seal.id != seal_id:
        raise _at(seal_not_found(seal_id), field)
    if seal.org_id != org_id:
        principal.owns(None, "seal", seal_id, _at(seal_not_found(seal_id), field))
    authorize(repos, principal, "grants:manage", seal, now=now)


def _at(exc: E, field: str) -> E:
    """The same error, naming ``field`` (where in the template it was found)."""
    return type(exc)(exc.code, exc.zh, exc.en, **{**exc.fields, "field": field})


def checked_stamp(stamp: Stamp, index: int) -> Stamp:
    where = f"stamps[{index}]"
    seal_id = checked_text(stamp.seal_id, f"{where}.seal_id", 64)
    if stamp.keyword is not None:
        _keyword_only(stamp, where)
    elif (stamp.x_mm is None) != (stamp.y_mm is None):
        raise _placement(f"{where}.x", "x 与 y 须同时给出", "Give both x and y, or neither")
    if stamp.page is not None and not 1 <= stamp.page <= MAX_PAGE:
        raise _placement(f"{where}.page", f"页码须在 1 至 {MAX_PAGE} 之间",
                         f"The page is 1 to {MAX_PAGE}")
    for name, value, low in (("x", stamp.x_mm, 0.0), ("y", stamp.y_mm, 0.0),
                             ("size", stamp.size_mm, 1.0),
                             ("offset_x", stamp.offset_x, -1000.0),
                             ("offset_y", stamp.offset_y, -1000.0)):
        _mm(value, low, f"{where}.{name}")
    if stamp.cross_page is not None:
        spec = stamp.cross_page
        _mm(spec.y_mm, 0.0, f"{where}.cross_page.y")
        _within(lambda: cross_page(spec.pages, spec.edge, spec.y_mm), f"{where}.cross_page")
    return replace(stamp, seal_id=seal_id)


def _keyword_only(stamp: Stamp, where: str) -> None:
    if stamp.x_mm is not None or stamp.y_mm is not None or stamp.page is not None:
        raise _placement(f"{where}.keyword", "关键字定位与页码/坐标只能二选一",
                         "Place a stamp by keyword or by page and position, not both")
    assert stamp.keyword is not None
    checked_text(stamp.keyword, f"{where}.keyword", 100)
    occurrence = stamp.occurrence
    if occurrence not in OCCURRENCES and not (occurrence.isdigit() and int(occurrence) >= 1):
        raise _placement(f"{where}.occurrence", "occurrence 应为 first、last、all 或从 1 起的序号",
                         "occurrence must be first, last, all or a number from 1")


def _mm(value: float | None, low: float, field: str) -> None:
    if value is not None and not (math.isfinite(value) and low <= value <= MAX_MM):
        raise _placement(field, f"{field} 超出范围（{low:g} 至 {MAX_MM:g} 毫米）",
                         f"{field} is out of range ({low:g} to {MAX_MM:g} mm)")


def _within(check: Callable[[], T], prefix: str) -> T:
    try:
        return check()
    except InvalidInput as exc:
        raise _at(exc, f"{prefix}.{exc.fields.get('field', '')}") from exc


def _placement(field: str, zh: str, en: str) -> InvalidInput:
    return InvalidInput("TEMPLATE_PLACEMENT", zh, en, field=field)


def _checked_policy(repos: ApprovalRepos, principal: Principal, org_id: str,
                    policy: TemplatePolicy) -> TemplatePolicy:
    """The steps checked as a seal's policy's are (the same function)."""
    if not 1 <= len(policy.steps) <= MAX_STEPS:
        raise InvalidInput("POLICY_STEPS", f"审批流程须有 1 至 {MAX_STEPS} 步",
                           f"An approval policy has 1 to {MAX_STEPS} steps",
                           field="policy.steps")

    def step(index: int, given: PolicyStep) -> PolicyStep:
        return _within(lambda: checked_step(repos, principal, org_id, given, index), "policy")

    def hours(value: int, name: str) -> int:
        return _within(lambda: checked_hours(value, name), "policy")

    steps = tuple(step(i, s) for i, s in enumerate(policy.steps))
    return TemplatePolicy(steps, hours(policy.request_hours, "request_hours"),
                          hours(policy.ticket_hours, "ticket_hours"))
