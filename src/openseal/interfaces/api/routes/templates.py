"""/api/v1 document templates (文档模板)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["templates"])
