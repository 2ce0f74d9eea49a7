"""/api/v1 batch sealing jobs: upload up to 200 PDFs (or OFD files, with an SM2 seal), get
a job (202), follow its status, then fetch summary.csv and result.zip (the sealed files).
See docs/batch.md, "API jobs".

The caller must be allowed to use the seal when the job is created (403/404 otherwise, and
nothing is stored); each document is then sealed as the caller, by the server's runner, so
each spends a use of their grant and is audited ``seal.use`` like any sealing.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from openseal.bootstrap import Context, Refusal, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.batches.model import BatchJobRecord, BatchOptions
from openseal.core.batches.service import (
    MAX_FILES,
    SUMMARY_NAME,
    create_batch,
    list_batches,
    visible_batch,
)
from openseal.core.batches.summary import Progress, summary, summary_csv
from openseal.errors import Conflict, IntegrityViolation
from openseal.interfaces.api.auth import caller
from openseal.interfaces.api.batch_job_schemas import BATCHES, BatchDetailOut, BatchOut
from openseal.interfaces.api.deps import wiring
from openseal.interfaces.api.job_queue import jobs_of
from openseal.interfaces.api.routes.documents import PAGE_LIMIT
from openseal.interfaces.api.routes.seals import PRIVATE, own_seal, receive
from openseal.ops.jobs.catalogue import BATCH_SEAL

router = APIRouter(prefix="/api/v1", tags=["batches"])

ACCEPTED: dict[int | str, dict[str, Any]] = {202: {
    "description": "The job, queued; Location names its status URL",
    "headers": {"Location": {"description": "The job's URL", "schema": {"type": "string"}}}}}
CSV: dict[int | str, dict[str, Any]] = {200: {
    "description": "One row per document: file, status, document_id, sha256_in, sha256_out, "
                   "error (UTF-8 with BOM)",
    "content": {"text/csv": {"schema": {"type": "string"}}}}}
ZIP: dict[int | str, dict[str, Any]] = {200: {
    "description": "The sealed PDFs under their file names, and summary.json",
    "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}}


@router.post("/batches", response_model=BatchOut, status_code=202, responses=ACCEPTED)
async def create(
    request: Request, response: Response,
    files: list[UploadFile] = File(..., description=f"The PDFs to seal (1 to {MAX_FILES}, "
                                                    "each within the upload limit)"),
    seal_id: str = Form(..., max_length=64),
    page: int = Form(1, ge=-PAGE_LIMIT, le=PAGE_LIMIT, description="Page number, from 1"),
    x: float | None = Form(None, allow_inf_nan=False, description="mm from the left edge"),
    y: float | None = Form(None, allow_inf_nan=False, description="mm from the bottom edge"),
    size: float | None = Form(None, allow_inf_nan=False, description="Seal size in mm"),
    level: str = Form("B-T", max_length=6, description="PAdES level: B-T, B-LT or B-LTA"),
    category: str | None = Form(None, max_length=50, description="Document category"),
    reason: str | None = Form(None, max_length=200),
    location: str | None = Form(None, max_length=200),
    keyword: str | None = Form(None, max_length=100, description="Centre the seal on this "
                               "text, e.g. 甲方（盖章） (then page/x/y are ignored)"),
    cross_page: bool = Form(False, description="Also a cross-page seal (骑缝章)"),
    pages: str | None = Form(None, max_length=20, description="Pages of the cross-page "
                             "seal, e.g. 1-5 (default: all)"),
    edge: str = Form("right", max_length=5, description="Edge of the cross-page seal: "
                     "right or left"),
    lock: bool = Form(False, description="OFD only (SM2 seal): the seal locks the "
                      "signature list"),
    p: Principal = Depends(caller), w: Wiring = Depends(wiring),
) -> BatchOut:
    """Seal these PDFs (ECDSA seal) or OFD files (SM2 seal) with one of your seals, in the
    background (202 with the job); a file of the other kind is reported refused.

    Needs ``seals:use`` and a grant allowing direct use of the seal now (403 otherwise;
    nothing is stored). Each document is sealed as you, each spending one use of your grant;
    one that cannot be sealed (not a PDF, placement off the page, grant revoked meanwhile)
    is reported as an error on its item and the others go on."""
    uploads = [await receive(f, w.settings.max_upload_bytes) for f in files[:MAX_FILES + 1]]
    options = BatchOptions(page, x, y, size, level, category, reason, location, keyword,
                           cross_page, pages, edge, lock)

    def run(c: Context) -> BatchOut:
        p.require("seals:use")
        seal = own_seal(c, p, seal_id)
        job = create_batch(c.repos, c.clock, c.documents, p, seal, options,
                           [(u.filename, u.content) for u in uploads], audit=c.audit)
        return BatchOut.of(job, {"queued": job.total})

    refusal = Refusal("batch.create", target=f"seal:{seal_id}", org_id=p.org_id,
                      details={"files": [u.filename[:200] for u in uploads]})
    made = await run_in_threadpool(w.run, run, refusal, p.actor())
    await run_in_threadpool(jobs_of(request.app).defer, BATCH_SEAL)
    response.headers["Location"] = f"{BATCHES}/{made.id}"
    return made


@router.get("/batches", response_model=list[BatchOut])
def index(limit: int = Query(100, ge=1, le=1000), p: Principal = Depends(caller),
          w: Wiring = Depends(wiring)) -> list[BatchOut]:
    """Batch jobs, newest first: the organisation's (administrators, auditors), else yours."""
    def run(c: Context) -> list[BatchOut]:
        return [BatchOut.of(j, c.repos.batch_counts(j.id))
                for j in list_batches(c.repos, p, limit)]

    return w.run(run, actor=p.actor())


@router.get("/batches/{batch_id}", response_model=BatchDetailOut)
def status(batch_id: str, p: Principal = Depends(caller), w: Wiring = Depends(wiring)
           ) -> BatchDetailOut:
    """The job: status, counts, rate and every document (its creator, administrators and
    auditors of the organisation)."""
    def run(c: Context) -> BatchDetailOut:
        job = visible_batch(c.repos, p, batch_id)
        return BatchDetailOut.detail(job, c.repos.list_batch_items(job.id), c.clock.now())

    return w.run(run, actor=p.actor())


@router.get("/batches/{batch_id}/summary.csv", response_class=Response, responses=CSV)
def summary_file(batch_id: str, p: Principal = Depends(caller), w: Wiring = Depends(wiring)
                 ) -> Response:
    """The job's report as CSV, with the same columns as the CLI's _openseal-batch.csv."""
    def run(c: Context) -> bytes:
        job = visible_batch(c.repos, p, batch_id)
        return summary_csv(c.repos.list_batch_items(job.id))

    return Response(w.run(run, actor=p.actor()), media_type="text/csv; charset=utf-8",
                    headers={**PRIVATE, "Content-Disposition":
                             f'attachment; filename="batch-{batch_id}.csv"'})


@router.get("/batches/{batch_id}/result.zip", response_class=Response, responses=ZIP)
def result(batch_id: str, p: Principal = Depends(caller), w: Wiring = Depends(wiring)
           ) -> Response:
    """The sealed PDFs under their file names, and summary.json; 409 BATCH_NOT_DONE until
    the job is done."""
    def run(c: Context) -> bytes:
        job = visible_batch(c.repos, p, batch_id)
        if Progress.of(c.repos.batch_counts(job.id)).status != "done":
            raise Conflict("BATCH_NOT_DONE", "批量任务尚未完成，请稍后再取结果",
                           "The job is not done yet; fetch the result once it is")
        return _zip(c, job)

    return Response(w.run(run, actor=p.actor()), media_type="application/zip",
                    headers={**PRIVATE, "Content-Disposition":
                             f'attachment; filename="batch-{batch_id}.zip"'})


def _zip(c: Context, job: BatchJobRecord) -> bytes:
    items = c.repos.list_batch_items(job.id)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for item in items:
            if item.output_sha256 is None:
                continue
            pdf = c.documents.get(item.output_sha256)
            if pdf is None:
                raise IntegrityViolation("BATCH_OUTPUT_MISSING",
                                         f"盖章结果「{item.file_name}」已丢失或被改动",
                                         f"The sealed output of '{item.file_name}' is missing "
                                         "or changed in the document store")
            archive.writestr(item.file_name, pdf)
        archive.writestr(SUMMARY_NAME, json.dumps(summary(job, items), ensure_ascii=False,
                                                    indent=2))
    return out.getvalue()
