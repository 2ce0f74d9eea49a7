"""/api/v1 approvals (issue 5)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["approvals"])
