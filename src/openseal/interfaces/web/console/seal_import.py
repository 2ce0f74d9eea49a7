"""Importing a seal made elsewhere (导入外部印章): a seal-making unit's GB/T 38540 .esl with
its signer's SM2 key (an SM2 seal for OFD), or a licensed CA's PKCS#12 (a PDF seal).

The page calls the core's ``import_esl_seal`` / ``import_p12_seal`` exactly as
``POST /api/v1/seals/import`` and ``openseal seal import`` do: ``seals:manage``, every check
in core/seals/importing.py, nothing stored on any refusal. Each file is read up to the
core's limit (``MAX_FILE``) and no further. The password is used once: it is never put back
into the form, never written to the audit trail or the log.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from openseal.bootstrap import Context, Refusal, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.seals.importing import MAX_FILE, import_esl_seal, import_p12_seal
from openseal.core.seals.model import SealType
from openseal.core.seals.service import is_sandboxed
from openseal.errors import InvalidInput, OpenSealError
from openseal.interfaces.api.deps import read_upload, wiring
from openseal.interfaces.api.problems import status_of
from openseal.interfaces.api.routes.seals import Upload
from openseal.interfaces.web.console.layout import Page, show
from openseal.interfaces.web.console.seals import TYPE_LABELS, may_manage
from openseal.interfaces.web.console.session import Refused, SignedIn, form_user, run_as, signed_in

router = APIRouter(include_in_schema=False)

IMPORT = Page("console/seals/import.html", "Import a seal",
              "seals#导入外部印章制章单位制作的印章-import", "seals")
SOURCES = ("esl", "p12")
FILES = {"esl": ("esl", "key", "cert"), "p12": ("p12", "image")}
# Errors about a field other than the one the core names, as the form has it.
SHOWN_AT = {"SM2_KEY_PASSWORD": "password", "P12_PASSWORD": "password",
            "SEAL_CERT_OTHER_ORG": "allow_name_mismatch", "IMAGE_FORMAT": "image",
            "IMAGE_DAMAGED": "image", "IMAGE_TOO_LARGE": "image"}
MAX_PASSWORD = 1000
MAX_NAME = 200


def _may_import(c: Context, p: Principal) -> bool:
    """Refuse who may not import; True when the organisation is in the sandbox (the core
    refuses the import then: SEAL_IMPORT_SANDBOX)."""
    may_manage(c, p)
    return is_sandboxed(c.repos, p.org)


@router.get("/seals/import", response_class=HTMLResponse)
def import_form(request: Request, user: SignedIn = Depends(signed_in),
                w: Wiring = Depends(wiring)) -> Response:
    sandbox = run_as(w, user, lambda c: _may_import(c, user.principal))
    return _page(request, user, sandbox, {"source": "esl", "type": SealType.CONTRACT.value})


def _page(request: Request, user: SignedIn, sandbox: bool, values: dict[str, Any], *,
          status: int = 200, error: OpenSealError | None = None) -> Response:
    """The import page; ``bad`` names the form and field an error is shown beside."""
    bad = ""
    if error is not None:
        field = SHOWN_AT.get(error.code, error.fields.get("field"))
        bad = f"{values['source']}:{field}"
    return show(request, IMPORT, user, status=status, error=error, values=values,
                sandbox=sandbox, types=TYPE_LABELS, bad=bad,
                max_mib=MAX_FILE // (1024 * 1024))


async def _read(file: UploadFile | None, field: str) -> Upload | None:
    """The uploaded file (None: not given), read no further than the core's limit."""
    if file is None:
        return None
    name = file.filename or field
    try:
        data = await read_upload(file, MAX_FILE)
    except OpenSealError:
        mib = MAX_FILE // (1024 * 1024)
        return Upload(name, error=InvalidInput(
            "IMPORT_FILE_TOO_LARGE", f"文件过大（上限 {mib} MiB）",
            f"The file is too large (at most {mib} MiB)", field=field))
    return Upload(name, data) if data or file.filename else None


def _given(files: dict[str, Upload | None], field: str) -> bytes:
    upload = files.get(field)
    if upload is None:
        raise InvalidInput("IMPORT_FILE_MISSING", "请选择要上传的文件", "Choose the file to "
                           "upload", field=field)
    return upload.content()


def _optional(files: dict[str, Upload | None], field: str) -> bytes | None:
    upload = files.get(field)
    return None if upload is None else upload.content()


@router.post("/seals/import", response_class=HTMLResponse)
async def import_seal(request: Request, source: str = Form("esl"),
                      esl: UploadFile | None = File(None), key: UploadFile | None = File(None),
                      cert: UploadFile | None = File(None), p12: UploadFile | None = File(None),
                      image: UploadFile | None = File(None),
                      password: str = Form(""), name: str = Form(""),
                      type: str = Form(SealType.CONTRACT.value),  # noqa: A002 - form field
                      allow_name_mismatch: str = Form(""),
                      user: SignedIn = Depends(form_user),
                      w: Wiring = Depends(wiring)) -> Response:
    """Import the seal the chosen form (``source``: esl or p12) describes; its detail page
    on success, else this page again with the error beside its field."""
    p = user.principal
    kind = source if source in SOURCES else "esl"
    given = {"esl": esl, "key": key, "cert": cert, "p12": p12, "image": image}
    files = {f: await _read(given[f], f) for f in FILES[kind]}
    secret = password[:MAX_PASSWORD].encode() or None
    seal_name, seal_type, allow = name.strip()[:MAX_NAME], type[:20], bool(allow_name_mismatch)
    values = {"source": kind, "name": seal_name, "type": seal_type,
              "allow_name_mismatch": allow}

    def run(c: Context) -> str:
        may_manage(c, p)
        if kind == "p12":
            return import_p12_seal(
                c.repos, c.keystore, c.clock, p.org, _given(files, "p12"), secret,
                seal_type=seal_type, name=seal_name or None, image=_optional(files, "image"),
                allow_name_mismatch=allow, audit=c.audit, principal=p).seal.id
        return import_esl_seal(
            c.repos, c.keystore, c.clock, p.org, _given(files, "esl"), _given(files, "key"),
            secret, cert=_optional(files, "cert"), name=seal_name or None,
            allow_name_mismatch=allow, audit=c.audit, principal=p).seal.id

    refusal = Refusal("seal.import", org_id=p.org_id, details={
        "source": kind, **{f: u.details() for f, u in files.items()
                           if u is not None and f != "key"}})
    try:
        seal_id = await run_in_threadpool(w.run, run, refusal, p.actor())
    except OpenSealError as exc:
        if status_of(exc) == 403:
            raise Refused(exc) from exc
        sandbox = w.run(lambda c: is_sandboxed(c.repos, p.org), actor=p.actor())
        return _page(request, user, sandbox, values, status=status_of(exc), error=exc)
    return RedirectResponse(f"/seals/{seal_id}?done=import", status_code=303)
