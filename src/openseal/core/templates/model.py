"""A document template as stored, and its stamps: which seal goes where."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openseal.core.governance.policies import step_dict, step_of
from openseal.core.records import PolicyStep
from openseal.core.signing.cross_page import cross_page
from openseal.core.signing.pdf import SealRequest
from openseal.core.signing.placement import Placement
from openseal.errors import NotFound

MAX_STAMPS = 10


@dataclass(frozen=True)
class CrossPageSpec:
    """A cross-page seal (骑缝章) with the stamp: ``pages`` like ``1-5`` (None: all)."""

    pages: str | None = None
    edge: str = "right"
    y_mm: float | None = None


@dataclass(frozen=True)
class Stamp:
    """One seal of a template and where it goes: ``page``/``x_mm``/``y_mm`` (no x/y: the
    default corner), or centred on ``keyword``; ``size_mm`` None is the seal's own size."""

    seal_id: str
    page: int | None = None  # None: page 1 (or, with a keyword, the keyword's page)
    x_mm: float | None = None
    y_mm: float | None = None
    size_mm: float | None = None
    keyword: str | None = None
    occurrence: str = "first"
    offset_x: float = 0.0
    offset_y: float = 0.0
    cross_page: CrossPageSpec | None = None

    def request(self) -> SealRequest:
        """The SealRequest that applies this stamp."""
        spec = self.cross_page
        return SealRequest(
            Placement(self.page or 1, self.x_mm, self.y_mm, self.size_mm), keyword=self.keyword,
            occurrence=self.occurrence, offset_mm=(self.offset_x, self.offset_y),
            cross_page=None if spec is None else cross_page(spec.pages, spec.edge, spec.y_mm))


@dataclass(frozen=True)
class TemplatePolicy:
    """The approval a request made with the template follows, instead of the seal's own."""

    steps: tuple[PolicyStep, ...]
    request_hours: int
    ticket_hours: int


@dataclass(frozen=True)
class TemplateRecord:
    id: str
    org_id: str
    name: str
    category: str | None
    level: str
    qr: bool
    stamps: tuple[Stamp, ...]
    policy: TemplatePolicy | None
    version: int
    created_by: str
    created_at: datetime
    updated_at: datetime

    @property
    def seal_ids(self) -> tuple[str, ...]:
        """The seals it names, each once, in stamp order."""
        return tuple(dict.fromkeys(s.seal_id for s in self.stamps))


def template_not_found(ref: str) -> NotFound:
    return NotFound("TEMPLATE_NOT_FOUND", "找不到该文档模板", "Template not found",
                    field="template", ref=ref)


def stamp_dict(stamp: Stamp) -> dict[str, Any]:
    spec = stamp.cross_page
    return {"seal_id": stamp.seal_id, "page": stamp.page, "x": stamp.x_mm, "y": stamp.y_mm,
            "size": stamp.size_mm, "keyword": stamp.keyword, "occurrence": stamp.occurrence,
            "offset_x": stamp.offset_x, "offset_y": stamp.offset_y,
            "cross_page": None if spec is None else {"pages": spec.pages, "edge": spec.edge,
                                                     "y": spec.y_mm}}


def stamp_of(data: dict[str, Any]) -> Stamp:
    """A stored stamp (as ``stamp_dict`` wrote it; already checked)."""
    spec = data.get("cross_page")
    page = data.get("page")
    return Stamp(str(data["seal_id"]), None if page is None else int(page), data.get("x"),
                 data.get("y"), data.get("size"), data.get("keyword"),
                 str(data.get("occurrence") or "first"), float(data.get("offset_x") or 0),
                 float(data.get("offset_y") or 0),
                 None if not spec else CrossPageSpec(spec.get("pages"),
                                                     str(spec.get("edge") or "right"),
                                                     spec.get("y")))


def template_policy_dict(policy: TemplatePolicy | None) -> dict[str, Any] | None:
    if policy is None:
        return None
    return {"steps": [step_dict(s) for s in policy.steps],
            "request_hours": policy.request_hours, "ticket_hours": policy.ticket_hours}


def template_policy_of(data: dict[str, Any] | None) -> TemplatePolicy | None:
    if not data:
        return None
    return TemplatePolicy(tuple(step_of(s) for s in data["steps"]),
                          int(data["request_hours"]), int(data["ticket_hours"]))


def template_dict(t: TemplateRecord) -> dict[str, Any]:
    """The template as the API, the CLI's --json and the audit trail show it."""
    return {"id": t.id, "org_id": t.org_id, "name": t.name, "category": t.category,
            "level": t.level, "qr": t.qr, "stamps": [stamp_dict(s) for s in t.stamps],
            "policy": template_policy_dict(t.policy), "version": t.version,
            "created_by": t.created_by, "created_at": t.created_at.isoformat(),
            "updated_at": t.updated_at.isoformat()}
