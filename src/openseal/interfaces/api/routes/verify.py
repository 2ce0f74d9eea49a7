"""POST /api/v1/verify: anyone may check a document; the same report as `openseal verify`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Request, UploadFile

from openseal.bootstrap import Wiring
from openseal.core.verification import verify_pdf
from openseal.core.verification.policy import local_revocation_policy
from openseal.interfaces.api.deps import anonymous, read_upload, wiring

router = APIRouter(prefix="/api/v1", tags=["verification"])


@router.post("/verify")
async def verify(request: Request, file: UploadFile = File(...),
                 w: Wiring = Depends(wiring)) -> dict[str, Any]:
    """Verify a signed PDF (multipart field ``file``). No login needed; nothing is fetched:
    OpenSeal's own seals are checked against this instance's CRLs, revocation required."""
    data = await read_upload(file, w.settings.max_upload_bytes)
    roots, test_roots, crls = w.run(lambda c: (c.pki.trust_anchors(), c.pki.test_anchors(),
                                               c.pki.revocation_lists()))
    report = verify_pdf(data, trust_roots=roots, filename=file.filename,
                        policy=local_revocation_policy(crls), test_roots=test_roots).to_dict()
    if w.settings.audit_verifications:
        w.run(lambda c: c.audit.record(
            "document.verify", target=f"sha256:{report['sha256']}",
            details={"verdict": report["verdict"], "reasons": report["reasons"]}),
            actor=anonymous(request))
    return report
