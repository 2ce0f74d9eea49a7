"""POST /api/v1/verify/report.pdf: the verification report as a signed, timestamped PDF.

The same verification as ``POST /api/v1/verify`` (this instance's trust anchors, sandbox
anchors and CRLs, the registry's answer, fair sharing, audit when configured), laid out
as a PDF in Chinese or English and signed by the platform's report key. No login needed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from openseal.bootstrap import Wiring
from openseal.core.audit.recorder import Actor
from openseal.core.reports import LANGS, FetchedReportKey, signed_report_pdf
from openseal.errors import InvalidInput
from openseal.interfaces.api.deps import anonymous, read_upload, wiring
from openseal.interfaces.api.verifying import address, check, gate, verifier_pool

router = APIRouter(prefix="/api/v1", tags=["verification"])

PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}},
          "description": "The signed verification report (PDF)"}}


@router.post("/verify/report.pdf", response_class=Response, responses=PDF_RESPONSE)
async def verify_report_pdf(
    request: Request, file: UploadFile = File(...), lang: str = Form("zh"),
    w: Wiring = Depends(wiring),
) -> Response:
    """Verify a PDF (multipart field ``file``) and answer the report as a PDF (``lang``:
    ``zh`` or ``en``), signed with this instance's report key and timestamped: verdict,
    signatures, approval chains, the registry's answer and page thumbnails with the seals
    outlined. Check it with ``pdfsig`` or ``openseal verify``. No login needed; fairly
    shared like ``POST /api/v1/verify`` (429 / 503 with ``Retry-After``)."""
    if lang not in LANGS:
        raise InvalidInput("LANG_UNSUPPORTED", "lang 只能是 zh 或 en",
                           "lang must be zh or en", field="lang")
    data = await read_upload(file, w.settings.max_upload_bytes)
    actor = anonymous(request)
    with gate(request).admit(address(request), len(data)):
        pdf = await run_in_threadpool(_report, w, data, file.filename, lang, actor)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": 'attachment; filename="verification-report.pdf"',
        "Cache-Control": "no-store"})


def _report(w: Wiring, data: bytes, filename: str | None, lang: str, actor: Actor) -> bytes:
    checked = check(w, data, filename, actor)
    # The key is fetched (and made, the first time) in its own short unit of work, so no
    # database transaction stays open while the document is rendered and the report signed.
    key = w.run(lambda c: c.pki.report_signer())
    pool, timeout = verifier_pool(w)
    return signed_report_pdf(checked.report, data, FetchedReportKey(key), w.keystore,
                             lang=lang, registry=checked.registry.to_dict(),
                             render=lambda d: pool.render(d, timeout))
