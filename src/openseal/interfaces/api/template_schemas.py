"""Request and response bodies for document templates (文档模板). Requests forbid unknown
fields (``Strict``); positions are checked by the core (naming the field)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from openseal.core.templates.checks import TemplateDraft
from openseal.core.templates.model import (
    CrossPageSpec,
    Stamp,
    TemplatePolicy,
    TemplateRecord,
)
from openseal.interfaces.api.approval_schemas import StepBody, StepOut
from openseal.interfaces.api.schemas import Strict

INT = 2**31 - 1


class CrossPageBody(Strict):
    pages: str | None = Field(default=None, max_length=20, description="e.g. 1-5 (all)")
    edge: str = Field(default="right", max_length=10, description="right or left")
    y: float | None = Field(default=None, allow_inf_nan=False,
                            description="mm from the bottom edge (default: centred)")


class StampBody(Strict):
    """Where one seal goes: ``page`` with ``x``/``y`` (mm from the bottom-left corner; none:
    the default corner), or ``keyword`` (with ``occurrence`` and offsets), not both."""

    seal_id: str = Field(max_length=64, description="A seal of the same organisation")
    page: int | None = Field(default=None, ge=-INT, le=INT)
    x: float | None = Field(default=None, allow_inf_nan=False)
    y: float | None = Field(default=None, allow_inf_nan=False)
    size: float | None = Field(default=None, allow_inf_nan=False,
                               description="Seal size in mm (default: its own)")
    keyword: str | None = Field(default=None, max_length=100)
    occurrence: str = Field(default="first", max_length=10)
    offset_x: float = Field(default=0.0, allow_inf_nan=False)
    offset_y: float = Field(default=0.0, allow_inf_nan=False)
    cross_page: CrossPageBody | None = None

    def stamp(self) -> Stamp:
        spec = self.cross_page
        return Stamp(self.seal_id, self.page, self.x, self.y, self.size, self.keyword,
                     self.occurrence, self.offset_x, self.offset_y,
                     None if spec is None else CrossPageSpec(spec.pages, spec.edge, spec.y))


class TemplatePolicyBody(Strict):
    steps: list[StepBody] = Field(min_length=1, max_length=5)
    request_hours: int = Field(default=72, ge=1, le=24 * 90)
    ticket_hours: int = Field(default=24, ge=1, le=24 * 90)


class TemplateBody(Strict):
    name: str = Field(max_length=100)
    category: str | None = Field(default=None, max_length=50)
    level: str = Field(default="B-T", max_length=6, description="B-T | B-LT | B-LTA")
    qr: bool = False
    stamps: list[StampBody] = Field(min_length=1, max_length=10)
    policy: TemplatePolicyBody | None = Field(
        default=None, description="Approval for requests made with the template (default: "
                                  "each seal's own policy)")
    version: int | None = Field(default=None, ge=0, le=INT,
                                description="On change: the version you read (409 if stale)")

    def draft(self) -> TemplateDraft:
        policy = self.policy
        return TemplateDraft(
            self.name, tuple(s.stamp() for s in self.stamps), self.category, self.level,
            self.qr, None if policy is None else TemplatePolicy(
                tuple(s.step() for s in policy.steps), policy.request_hours,
                policy.ticket_hours))


class CrossPageOut(BaseModel):
    pages: str | None
    edge: str
    y: float | None


class StampOut(BaseModel):
    seal_id: str
    page: int | None
    x: float | None
    y: float | None
    size: float | None
    keyword: str | None
    occurrence: str
    offset_x: float
    offset_y: float
    cross_page: CrossPageOut | None

    @classmethod
    def of(cls, s: Stamp) -> StampOut:
        spec = s.cross_page
        return cls(seal_id=s.seal_id, page=s.page, x=s.x_mm, y=s.y_mm, size=s.size_mm,
                   keyword=s.keyword, occurrence=s.occurrence, offset_x=s.offset_x,
                   offset_y=s.offset_y, cross_page=None if spec is None else CrossPageOut(
                       pages=spec.pages, edge=spec.edge, y=spec.y_mm))


class TemplatePolicyOut(BaseModel):
    steps: list[StepOut]
    request_hours: int
    ticket_hours: int


class TemplateOut(BaseModel):
    id: str
    org_id: str
    name: str
    category: str | None
    level: str
    qr: bool
    stamps: list[StampOut]
    policy: TemplatePolicyOut | None
    version: int
    created_by: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, t: TemplateRecord) -> TemplateOut:
        p = t.policy
        return cls(id=t.id, org_id=t.org_id, name=t.name, category=t.category, level=t.level,
                   qr=t.qr, stamps=[StampOut.of(s) for s in t.stamps],
                   policy=None if p is None else TemplatePolicyOut(
                       steps=[StepOut.of(s) for s in p.steps],
                       request_hours=p.request_hours, ticket_hours=p.ticket_hours),
                   version=t.version, created_by=t.created_by, created_at=t.created_at,
                   updated_at=t.updated_at)
