"""Calling every route of the app generically: path ids substituted, a plausible body made
from the OpenAPI schema. Used by the tests that must cover new routes automatically."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import inspect, text

from tests.support.api import Party
from tests.support.pdfs import reportlab_pdf

# Which attribute of a Party fills which path parameter. A new kind of id must be added
# here, or the route-table tests fail and say so.
ID_OF = {"org_id": "org_id", "seal_id": "seal_id", "document_id": "document_id",
         "user_id": "member_id", "client_id": "client_id", "invitation_id": "invitation_id",
         "grant_id": "grant_id", "request_id": "request_id", "sha256": "request_sha256",
         "ticket_id": "ticket_id", "review_id": "review_id", "item_id": "review_item_id",
         "template_id": "template_id", "batch_id": "batch_id", "action": "seal_action",
         "number": "page_number"}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    params: tuple[str, ...]
    schema: dict[str, Any]


def operations(app: FastAPI) -> Iterator[Operation]:
    """Every operation of the app's route table, as its OpenAPI document publishes it."""
    for path, item in app.openapi()["paths"].items():
        for method, schema in item.items():
            params = tuple(p["name"] for p in schema.get("parameters", [])
                           if p.get("in") == "path")
            yield Operation(method.upper(), path, params, schema)


def fill(op: Operation, party: Party | None) -> str:
    path = op.path
    for name in op.params:
        assert name in ID_OF, f"path parameter {name} of {op.path}: add it to ID_OF"
        value = getattr(party, ID_OF[name]) if party else str(uuid.uuid4())
        path = path.replace("{" + name + "}", value)
    return path


def call(http: TestClient, op: Operation, path: str, spec: dict[str, Any]) -> Any:
    """Send ``op`` with a plausible body made from its request schema."""
    content = op.schema.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = example(content["application/json"]["schema"], spec)
        return http.request(op.method, path, json=body)
    if "multipart/form-data" in content:
        fields = example(content["multipart/form-data"]["schema"], spec)
        files = {k: v for k, v in fields.items() if isinstance(v, tuple)}
        data = {k: v for k, v in fields.items() if not isinstance(v, tuple)}
        return http.request(op.method, path, files=files, data=data)
    return http.request(op.method, path)


def example(schema: dict[str, Any], spec: dict[str, Any], name: str = "") -> Any:
    """A small valid-looking value for ``schema`` (required fields only)."""
    if "$ref" in schema:
        ref = schema["$ref"].split("/")[-1]
        return example(spec["components"]["schemas"][ref], spec, name)
    if "anyOf" in schema:
        return example(next(s for s in schema["anyOf"] if s.get("type") != "null"), spec, name)
    kind = schema.get("type")
    if kind == "object":
        required = schema.get("required", [])
        return {k: example(v, spec, k) for k, v in schema.get("properties", {}).items()
                if k in required}
    if kind == "array":
        return [example(schema.get("items", {}), spec, name)]
    if kind == "boolean":
        return True
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if schema.get("format") == "binary" or schema.get("contentMediaType"):
        return (f"{name}.bin", _file_for(name), "application/octet-stream")
    return _string_for(name, schema)


def _string_for(name: str, schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return str(schema["enum"][0])
    samples = {"email": "someone@example.com", "scopes": "seals:read", "role": "seal_user",
               "type": "contract", "uscc": "91350100M000100Y43", "token": "osi_nothing",
               "legal_rep_id_number": "11010519491231002X"}
    for key, value in samples.items():
        if key in name:
            return value
    return "示例 example"


def _file_for(name: str) -> bytes:
    if name in ("licence", "image") or "image" in name:
        out = io.BytesIO()
        Image.new("RGB", (64, 64), "red").save(out, "PNG")
        return out.getvalue()
    return reportlab_pdf()


SKIP_COLUMNS = {("sessions", "last_seen_at"), ("api_clients", "last_used_at")}
SKIP_TABLES = {"audit_events", "audit_head", "audit_checkpoints", "alembic_version",
               "login_throttle"}


def snapshot(engine: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table that holds state (not the audit log or bookkeeping)."""
    state: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            if table in SKIP_TABLES:
                continue
            cols = [c["name"] for c in inspect(conn).get_columns(table)
                    if (table, c["name"]) not in SKIP_COLUMNS]
            rows = conn.execute(text(f'SELECT {", ".join(cols)} FROM "{table}"')).all()
            state[table] = sorted((tuple(r) for r in rows), key=repr)
    return state
