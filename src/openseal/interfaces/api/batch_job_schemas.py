"""Response bodies for batch sealing jobs (the request is a multipart form)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from openseal.core.batches.model import ITEM_STATUSES, BatchItemRecord, BatchJobRecord
from openseal.core.batches.summary import Progress, finished_at, rate

BATCHES = "/api/v1/batches"


class CountsOut(BaseModel):
    queued: int
    running: int = Field(description="Being sealed now")
    sealed: int
    error: int


class BatchErrorOut(BaseModel):
    code: str
    zh: str = Field(description="The message in Chinese")
    en: str = Field(description="The message in English")


class BatchItemOut(BaseModel):
    index: int = Field(description="Position in the upload, from 0")
    file: str
    status: str = Field(description="queued | running | sealed | error")
    sha256_in: str
    document_id: str | None = Field(description="The sealed-document record, once sealed")
    sha256_out: str | None
    error: BatchErrorOut | None

    @classmethod
    def of(cls, item: BatchItemRecord) -> BatchItemOut:
        error = item.error
        return cls(index=item.index, file=item.file_name, status=item.status,
                   sha256_in=item.input_sha256, document_id=item.document_id,
                   sha256_out=item.output_sha256,
                   error=BatchErrorOut(code=str(error.get("code")), zh=str(error.get("zh")),
                                       en=str(error.get("en"))) if error else None)


class BatchOut(BaseModel):
    id: str
    status: str = Field(description="queued | running | done (no document queued or "
                                    "being sealed)")
    seal_id: str
    total: int
    counts: CountsOut
    created_by: str = Field(description="user:<name> or client:<name>: who seals each "
                                        "document (their grant is spent)")
    created_at: datetime
    options: dict[str, Any]
    summary_url: str
    result_url: str

    @classmethod
    def of(cls, job: BatchJobRecord, counts: dict[str, int]) -> BatchOut:
        progress = Progress.of(counts)
        base = f"{BATCHES}/{job.id}"
        return cls(id=job.id, status=progress.status, seal_id=job.seal_id, total=job.total,
                   counts=CountsOut(**progress.counts),
                   created_by=f"{job.creator_kind}:{job.creator_name}",
                   created_at=job.created_at,
                   options=job.options.to_json(), summary_url=f"{base}/summary.csv",
                   result_url=f"{base}/result.zip")


class BatchDetailOut(BatchOut):
    finished_at: datetime | None = Field(description="When the last document finished, "
                                                     "once done")
    rate: float = Field(description="Documents finished per second so far")
    items: list[BatchItemOut]

    @classmethod
    def detail(cls, job: BatchJobRecord, items: list[BatchItemRecord],
               now: datetime) -> BatchDetailOut:
        counts = {s: sum(1 for i in items if i.status == s) for s in ITEM_STATUSES}
        base = BatchOut.of(job, counts)
        return cls(**base.model_dump(), finished_at=finished_at(items),
                   rate=rate(job, items, now),
                   items=[BatchItemOut.of(i) for i in items])



