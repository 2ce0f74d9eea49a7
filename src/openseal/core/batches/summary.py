"""What a job shows: its status and counts, and the report (CSV as the CLI's
_openseal-batch.csv, JSON in result.zip)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openseal.core.batches.model import (
    DONE,
    ERROR,
    ITEM_STATUSES,
    QUEUED,
    RUNNING,
    SEALED,
    BatchItemRecord,
    BatchJobRecord,
)
from openseal.core.governance.review_report import safe_cell

CSV_FIELDS = ("file", "status", "document_id", "sha256_in", "sha256_out", "error")


@dataclass(frozen=True)
class Progress:
    """A job's counts by item status, and what they make of the job."""

    counts: dict[str, int]

    @classmethod
    def of(cls, counts: dict[str, int]) -> Progress:
        return cls({s: int(counts.get(s, 0)) for s in ITEM_STATUSES})

    @property
    def status(self) -> str:
        """queued (nothing started), running, or done (no item queued or running)."""
        c = self.counts
        if c[QUEUED] == 0 and c[RUNNING] == 0:
            return DONE
        return QUEUED if c[SEALED] == 0 and c[ERROR] == 0 and c[RUNNING] == 0 else RUNNING

    @property
    def finished(self) -> int:
        return self.counts[SEALED] + self.counts[ERROR]


def finished_at(items: list[BatchItemRecord]) -> datetime | None:
    ends = [i.finished_at for i in items if i.finished_at is not None]
    return max(ends) if ends and all(i.status in (SEALED, ERROR) for i in items) else None


def rate(job: BatchJobRecord, items: list[BatchItemRecord], now: datetime) -> float:
    """Documents finished per second since the job was created (until it finished)."""
    done = [i for i in items if i.status in (SEALED, ERROR)]
    end = finished_at(items) or now
    seconds = (end - job.created_at).total_seconds()
    return round(len(done) / seconds, 3) if done and seconds > 0 else 0.0


def item_row(item: BatchItemRecord) -> dict[str, Any]:
    """One document as the CLI reports it (status sealed | error | queued | running)."""
    error = item.error or {}
    return {"file": item.file_name, "status": item.status, "document_id": item.document_id,
            "sha256_in": item.input_sha256, "sha256_out": item.output_sha256,
            "error": error.get("code"), "message": error.get("en"),
            "message_zh": error.get("zh")}


def summary_csv(items: list[BatchItemRecord]) -> bytes:
    """The CLI's columns, UTF-8 with BOM, formulas defused (as the review report)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS)
    for item in items:
        row = item_row(item)
        writer.writerow([safe_cell(str(row[f] or "")) for f in CSV_FIELDS])
    return out.getvalue().encode("utf-8-sig")


def summary(job: BatchJobRecord, items: list[BatchItemRecord]) -> dict[str, Any]:
    """As the CLI's ``--json`` summary: totals, errors, every document."""
    rows = [item_row(i) for i in items]
    progress = Progress.of({s: sum(1 for i in items if i.status == s) for s in ITEM_STATUSES})
    return {"batch_id": job.id, "seal_id": job.seal_id, "total": job.total,
            "sealed": progress.counts[SEALED], "failed": progress.counts[ERROR],
            "options": job.options.to_json(),
            "errors": [{"file": r["file"], "error": r["error"], "message": r["message"]}
                       for r in rows if r["status"] == ERROR],
            "documents": rows}
