"""/api/v1 batch sealing jobs."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["batches"])
