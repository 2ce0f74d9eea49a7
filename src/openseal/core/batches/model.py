"""Records of batch sealing jobs: the job (its options, frozen at creation) and its items."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

QUEUED, RUNNING, DONE = "queued", "running", "done"
SEALED, ERROR = "sealed", "error"
ITEM_STATUSES = (QUEUED, RUNNING, SEALED, ERROR)  # an item is "running" while claimed


@dataclass(frozen=True)
class BatchOptions:
    """How every document of the job is sealed (as ``POST /documents/seal`` takes them).
    A job of an SM2 seal seals OFD files: its ``level`` is ``GB/T 38540``, and ``size``,
    ``reason`` and ``location`` (PDF only) are refused when it is created."""

    page: int = 1
    x: float | None = None
    y: float | None = None
    size: float | None = None
    level: str = "B-T"
    category: str | None = None
    reason: str | None = None
    location: str | None = None
    keyword: str | None = None  # centre the seal on this text (PDF and OFD)
    cross_page: bool = False  # also a riding seal (骑缝章) over ``pages`` at ``edge``
    pages: str | None = None
    edge: str = "right"
    lock: bool = False  # OFD only: the seal locks the signature list

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def of_json(cls, data: dict[str, Any]) -> BatchOptions:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class BatchJobRecord:
    """A job: who created it (they seal every document), with which seal and options."""

    id: str
    org_id: str
    seal_id: str
    creator_kind: str  # "user" | "client"
    creator_id: str
    creator_name: str
    options: BatchOptions
    total: int
    created_at: datetime


@dataclass(frozen=True)
class BatchItemRecord:
    """One document of a job: its input (content-addressed), then the outcome. ``claim``
    names the runner's claim while the item is running; ``error`` is the error's dict
    (code, zh and en messages)."""

    id: str
    batch_id: str
    index: int
    file_name: str
    input_sha256: str
    input_size: int
    status: str = QUEUED
    claim: str | None = None
    claimed_at: datetime | None = None
    attempts: int = 0
    document_id: str | None = None
    output_sha256: str | None = None
    error: dict[str, Any] | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True)
class ItemOutcome:
    """What became of a claimed item: sealed (document and output digest) or an error."""

    status: str
    document_id: str | None = None
    output_sha256: str | None = None
    error: dict[str, Any] | None = None
