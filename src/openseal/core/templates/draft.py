"""A template draft from JSON (``openseal template create --file``): the same fields as the
API's body. Wrong types are InvalidInput naming the field; the checks proper are in
``checks``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from openseal.core.governance.policies import step_of
from openseal.core.templates.checks import TemplateDraft
from openseal.core.templates.model import CrossPageSpec, Stamp, TemplatePolicy
from openseal.errors import InvalidInput

T = TypeVar("T")
KEYS = {"name", "category", "level", "qr", "stamps", "policy", "version"}


def draft_from_json(data: object) -> TemplateDraft:
    """The draft a JSON object describes (unknown keys refused)."""
    if not isinstance(data, dict):
        raise _wrong("file", "模板文件应为一个 JSON 对象", "A template file is one JSON object")
    unknown = sorted(set(data) - KEYS)
    if unknown:
        raise _wrong(unknown[0], f"未知字段「{unknown[0]}」", f"Unknown field '{unknown[0]}'")
    stamps = data.get("stamps") or []
    if not isinstance(stamps, list):
        raise _wrong("stamps", "stamps 应为列表", "stamps must be a list")
    return TemplateDraft(
        str(data.get("name") or ""),
        tuple(_stamp(i, s) for i, s in enumerate(stamps)), _text(data.get("category")),
        str(data.get("level") or "B-T"), bool(data.get("qr")),
        _typed("policy", lambda: _policy(data.get("policy"))))


def _stamp(index: int, data: object) -> Stamp:
    if not isinstance(data, dict):
        raise _wrong(f"stamps[{index}]", "每个印章位置应为 JSON 对象",
                     "Each stamp is a JSON object")
    return _typed(f"stamps[{index}]", lambda: stamp_from_json(data))


def stamp_from_json(data: dict[str, Any]) -> Stamp:
    spec = data.get("cross_page")
    return Stamp(str(data["seal_id"]), _int(data.get("page")), _float(data.get("x")),
                 _float(data.get("y")), _float(data.get("size")), _text(data.get("keyword")),
                 str(data.get("occurrence") or "first"), float(data.get("offset_x") or 0),
                 float(data.get("offset_y") or 0),
                 None if not spec else CrossPageSpec(_text(spec.get("pages")),
                                                     str(spec.get("edge") or "right"),
                                                     _float(spec.get("y"))))


def _policy(data: dict[str, Any] | None) -> TemplatePolicy | None:
    if not data:
        return None
    steps = tuple(step_of({"name": "", "required": 1, **s}) for s in data["steps"])
    return TemplatePolicy(steps, int(data.get("request_hours", 72)),
                          int(data.get("ticket_hours", 24)))


def _typed(field: str, make: Callable[[], T]) -> T:
    try:
        return make()
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise _wrong(field, f"「{field}」的内容或类型不对", f"'{field}' has a wrong value or "
                     "type") from exc


def _int(value: object) -> int | None:
    return None if value is None else int(str(value))


def _float(value: object) -> float | None:
    return None if value is None else float(str(value))


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _wrong(field: str, zh: str, en: str) -> InvalidInput:
    return InvalidInput("TEMPLATE_FILE", zh, en, field=field)
