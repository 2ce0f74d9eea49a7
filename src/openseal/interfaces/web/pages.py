"""The public pages: ``/verify`` (drop a PDF or OFD file, read the verdict in Chinese or English,
download the document as it was sealed) and ``/v/{document_id}`` (what a sealed page's QR
code links to: the registry entry, and a comparison with the holder's copy). No login."""

from __future__ import annotations

import base64

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from openseal.bootstrap import Wiring
from openseal.core.registry.issued import ISSUED, ISSUED_PLUS_BYTES, RegistryMatch, registry_entry
from openseal.core.verification.reasons import describe
from openseal.core.verification.report import SignatureReport, iso_utc
from openseal.errors import InvalidInput
from openseal.interfaces.api.deps import anonymous, read_upload, wiring
from openseal.interfaces.api.verifying import Checked, check_upload
from openseal.interfaces.web.i18n import N_, language, text
from openseal.interfaces.web.rendering import render
from openseal.interfaces.web.verdicts import headline

router = APIRouter(include_in_schema=False)
_TONE = {"valid": "valid", "changed": "warn", "unknown_signer": "warn", "other": "warn"}
_VERDICT_WORDS = {"VALID": N_("valid"), "INVALID": N_("invalid"),
                  "INDETERMINATE": N_("indeterminate")}
_REFERENCE_WORDS = {"changed": N_("changed"), "missing": N_("missing"),
                    "unchecked": N_("not checked")}
_IMAGES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"GIF87a", "image/gif"),
           (b"GIF89a", "image/gif"), (b"\xff\xd8\xff", "image/jpeg"))
MAX_PICTURE_BYTES = 1024 * 1024
"""A bigger seal picture is not put into the page."""


@router.get("/verify", response_class=HTMLResponse)
def verify_page(request: Request) -> HTMLResponse:
    return render(request, "verify.html",
                  page_title=text(language(request), "Verify an electronic seal"),
                  action="/verify")


@router.post("/verify", response_class=HTMLResponse)
async def verify_upload(request: Request, file: UploadFile = File(...),
                        w: Wiring = Depends(wiring)) -> HTMLResponse:
    data = await read_upload(file, w.settings.max_upload_bytes)
    checked = await check_upload(request, w, data, file.filename, anonymous(request))
    return _report(request, checked)


@router.post("/verify/revision")
async def signed_revision(request: Request, file: UploadFile = File(...),
                          end: int = Form(..., ge=1), w: Wiring = Depends(wiring)) -> Response:
    """The uploaded file cut at ``end``: the document exactly as it was sealed."""
    data = await read_upload(file, w.settings.max_upload_bytes)
    if end > len(data) or b"%%EOF" not in data[max(0, end - 8):end]:
        raise InvalidInput("REVISION_END", "该位置不是文件某个版本的结尾",
                           "That is not where a revision of the file ends", field="end")
    return Response(data[:end], media_type="application/pdf", headers={
        "Content-Disposition": 'attachment; filename="signed-revision.pdf"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@router.get("/v/{document_id}", response_class=HTMLResponse)
def document_page(document_id: str, request: Request, w: Wiring = Depends(wiring)
                  ) -> HTMLResponse:
    entry = w.run(lambda c: registry_entry(c.repos, document_id), actor=anonymous(request))
    return render(request, "document.html", page_title=f"#{document_id}", entry=entry,
                  entry_text=entry.sentence(language(request)), action=f"/v/{document_id}")


@router.post("/v/{document_id}", response_class=HTMLResponse)
async def compare_copy(document_id: str, request: Request, file: UploadFile = File(...),
                       w: Wiring = Depends(wiring)) -> HTMLResponse:
    """Verify the holder's copy and say whether it is this issued document."""
    lang = language(request)
    w.run(lambda c: registry_entry(c.repos, document_id), actor=anonymous(request))
    data = await read_upload(file, w.settings.max_upload_bytes)
    checked = await check_upload(request, w, data, file.filename, anonymous(request))
    return _report(request, checked, _comparison(checked.registry, document_id, lang))


def _comparison(match: RegistryMatch, document_id: str, lang: str) -> str:
    if match.document_id == document_id and match.status == ISSUED:
        return text(lang, "Your copy is exactly the document issued.")
    if match.document_id == document_id and match.status == ISSUED_PLUS_BYTES:
        return text(lang, "Your copy is the document issued plus %(n)s bytes added after "
                    "sealing.", n=match.added_bytes)
    return text(lang, "Your copy is not this issued document.")


def _report(request: Request, checked: Checked, comparison: str | None = None
            ) -> HTMLResponse:
    lang = language(request)
    report, registry = checked.report, checked.registry
    key, sentence = headline(report, lang)
    return render(request, "report.html", page_title=sentence, report=report,
                  registry=registry, registry_text=registry.sentence(lang),
                  headline=sentence, tone=_TONE.get(key, "bad"), comparison=comparison,
                  revision_end=signed_revision_end(checked, key),
                  verdict_words={k: text(lang, v) for k, v in _VERDICT_WORDS.items()},
                  reference_words={k: text(lang, v) for k, v in _REFERENCE_WORDS.items()},
                  pictures=[seal_picture_url(s) for s in report.signatures],
                  describe=lambda code: describe(code, lang), iso=iso_utc)


def seal_picture_url(signature: SignatureReport) -> str | None:
    """An OFD seal's picture as a ``data:`` URL (the CSP allows ``img-src data:``), when it
    is a PNG, GIF or JPEG by its own bytes (whatever the seal says it is) and not too big;
    None otherwise (a vector OFD seal, SVG, BMP, junk)."""
    picture = signature.ofd.picture if signature.ofd is not None else None
    if not picture or len(picture) > MAX_PICTURE_BYTES:
        return None
    kind = next((mime for magic, mime in _IMAGES if picture.startswith(magic)), None)
    if kind is None:
        return None
    return f"data:{kind};base64,{base64.b64encode(picture).decode('ascii')}"


def signed_revision_end(checked: Checked, key: str) -> int | None:
    """Where the document as sealed ends in the uploaded file, when something was added
    after sealing: the registry's issued revision, else the latest seal's signed range."""
    registry = checked.registry
    if registry.status == ISSUED_PLUS_BYTES:
        return registry.issued_size
    if key not in ("changed", "modified"):
        return None
    ends = [s.signed_revision_bytes for s in checked.report.signatures
            if s.signed_revision_bytes]
    return max(ends) if ends else None


PAGE_PATHS = ("/verify", "/v/")


def public_error_page(request: Request, status: int, code: str, message: str,
                      headers: dict[str, str]) -> HTMLResponse | None:
    """A refusal on a public page, as a page in the visitor's language (None: not one)."""
    path = request.url.path
    if not (path == "/verify" or path.startswith(PAGE_PATHS)):
        return None
    page = render(request, "error.html", status, page_title=code, code=code, message=message)
    page.headers.update(headers)
    return page


def error_page(request: Request, status: int, code: str, message: str,
               headers: dict[str, str]) -> HTMLResponse | None:
    """A refusal on any page (public or console), as a page; None: not a page."""
    from openseal.interfaces.web.console.errors import console_error_page

    return (public_error_page(request, status, code, message, headers)
            or console_error_page(request, status, code, message, headers))
