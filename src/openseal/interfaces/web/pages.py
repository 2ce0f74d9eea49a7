"""The public pages: ``/verify`` (drop a PDF, read the verdict in Chinese or English,
download the document as it was sealed) and ``/v/{document_id}`` (what a sealed page's QR
code links to: the registry entry, and a comparison with the holder's copy). No login."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from openseal.bootstrap import Wiring
from openseal.core.registry.issued import ISSUED, ISSUED_PLUS_BYTES, RegistryMatch, registry_entry
from openseal.core.verification.reasons import describe
from openseal.core.verification.report import iso_utc
from openseal.errors import InvalidInput
from openseal.interfaces.api.deps import anonymous, read_upload, wiring
from openseal.interfaces.api.verifying import Checked, check_upload
from openseal.interfaces.web.i18n import language, words
from openseal.interfaces.web.verdicts import headline

router = APIRouter(include_in_schema=False)
_templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(["html"]))
_TONE = {"valid": "valid", "changed": "warn", "unknown_signer": "warn", "other": "warn"}
_VERDICT_WORDS = {"zh": {"VALID": "有效", "INVALID": "无效", "INDETERMINATE": "无法确定"},
                  "en": {"VALID": "valid", "INVALID": "invalid",
                         "INDETERMINATE": "indeterminate"}}
PAGE_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                           "form-action 'self'; frame-ancestors 'none'",
                "Referrer-Policy": "no-referrer"}


def render(name: str, lang: str, status: int = 200, **values: Any) -> HTMLResponse:
    page = _templates.get_template(name).render(lang=lang, t=words(lang), **values)
    return HTMLResponse(page, status_code=status, headers=PAGE_HEADERS)


@router.get("/verify", response_class=HTMLResponse)
def verify_page(request: Request) -> HTMLResponse:
    lang = language(request)
    return render("verify.html", lang, page_title=words(lang)["title"], action="/verify")


@router.post("/verify", response_class=HTMLResponse)
async def verify_upload(request: Request, file: UploadFile = File(...),
                        w: Wiring = Depends(wiring)) -> HTMLResponse:
    lang = language(request)
    data = await read_upload(file, w.settings.max_upload_bytes)
    checked = await check_upload(request, w, data, file.filename, anonymous(request))
    return _report(checked, lang)


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
    lang = language(request)
    entry = w.run(lambda c: registry_entry(c.repos, document_id), actor=anonymous(request))
    return render("document.html", lang, page_title=f"#{document_id}", entry=entry,
                  entry_text=entry.sentence(lang), action=f"/v/{document_id}")


@router.post("/v/{document_id}", response_class=HTMLResponse)
async def compare_copy(document_id: str, request: Request, file: UploadFile = File(...),
                       w: Wiring = Depends(wiring)) -> HTMLResponse:
    """Verify the holder's copy and say whether it is this issued document."""
    lang = language(request)
    w.run(lambda c: registry_entry(c.repos, document_id), actor=anonymous(request))
    data = await read_upload(file, w.settings.max_upload_bytes)
    checked = await check_upload(request, w, data, file.filename, anonymous(request))
    return _report(checked, lang, _comparison(checked.registry, document_id, lang))


def _comparison(match: RegistryMatch, document_id: str, lang: str) -> str:
    t = words(lang)
    if match.document_id == document_id and match.status == ISSUED:
        return t["copy_same"]
    if match.document_id == document_id and match.status == ISSUED_PLUS_BYTES:
        return t["copy_plus"].format(n=match.added_bytes)
    return t["copy_other"]


def _report(checked: Checked, lang: str, comparison: str | None = None) -> HTMLResponse:
    report, registry = checked.report, checked.registry
    key, sentence = headline(report, lang)
    return render("report.html", lang, page_title=sentence, report=report,
                  registry=registry, registry_text=registry.sentence(lang),
                  headline=sentence, tone=_TONE.get(key, "bad"), comparison=comparison,
                  revision_end=signed_revision_end(checked, key),
                  verdict_words=_VERDICT_WORDS[lang],
                  describe=lambda code: describe(code, lang), iso=iso_utc)


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


def error_page(request: Request, status: int, code: str, message: str,
               headers: dict[str, str]) -> HTMLResponse | None:
    """A refusal on a page, as a page in the visitor's language (None: not a page)."""
    path = request.url.path
    if not (path == "/verify" or path.startswith(PAGE_PATHS)):
        return None
    lang = language(request)
    page = render("error.html", lang, status, page_title=code, code=code, message=message)
    page.headers.update(headers)
    return page
