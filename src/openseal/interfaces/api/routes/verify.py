"""POST /api/v1/verify: anyone may check a document; the same report as `openseal verify`,
plus the registry's answer. GET /api/v1/registry/{document_id}: a public registry entry."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Request, UploadFile

from openseal.bootstrap import Wiring
from openseal.core.registry.issued import registry_entry
from openseal.interfaces.api.deps import anonymous, read_upload, wiring
from openseal.interfaces.api.verifying import check_upload

router = APIRouter(prefix="/api/v1", tags=["verification"])


@router.post("/verify")
async def verify(request: Request, file: UploadFile = File(...),
                 w: Wiring = Depends(wiring)) -> dict[str, Any]:
    """Verify a signed PDF or OFD file (multipart field ``file``; told apart by content, one
    report schema, ``format`` says which). No login needed; nothing is fetched: OpenSeal's
    own seals are checked against this instance's CRLs, revocation required; OFD signers are
    chained to this instance's SM2 roots.
    ``registry`` says whether this exact document (or an earlier revision of it) was issued
    here. Fairly shared: a client over its quota gets 429 with ``Retry-After``."""
    data = await read_upload(file, w.settings.max_upload_bytes)
    checked = await check_upload(request, w, data, file.filename, anonymous(request))
    return checked.to_dict()


@router.get("/registry/{document_id}", openapi_extra={"x-openseal-public": True})
def registry(document_id: str, request: Request, w: Wiring = Depends(wiring)
             ) -> dict[str, Any]:
    """The registry entry of an issued document (what its QR code links to): organisation,
    seal, time, SHA-256 and size of the document as issued. No login needed: public by
    design to whoever holds the document's id (a random UUID printed on the document)."""
    match = w.run(lambda c: registry_entry(c.repos, document_id), actor=anonymous(request))
    return {**match.to_dict(), "text": {"zh": match.sentence("zh"),
                                        "en": match.sentence("en")}}
