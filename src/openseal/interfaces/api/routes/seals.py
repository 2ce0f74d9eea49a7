"""/api/v1/seals: create (drawn or uploaded), list, image and certificate of your seals.

Every seal is looked up by id and then checked against the caller's organisation: another
organisation's seal answers exactly like a missing one (404 SEAL_NOT_FOUND) and the attempt
is audited as ``authz.denied``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from openseal.bootstrap import Context, Refusal, Wiring
from openseal.core.accounts.principal import Principal
from openseal.core.governance.authorize import authorize
from openseal.core.pki.issuance import certificate_to_pem
from openseal.core.records import SealRecord
from openseal.core.seals.importing import import_esl_seal, import_p12_seal
from openseal.core.seals.service import SealOrder, create_seal
from openseal.errors import InvalidInput, NotFound, OpenSealError
from openseal.interfaces.api.auth import caller
from openseal.interfaces.api.deps import read_upload, wiring
from openseal.interfaces.api.seal_schemas import SealBody, SealOut

router = APIRouter(prefix="/api/v1/seals", tags=["seals"])

# Authenticated binaries: never cached by a shared cache, never sniffed as something else.
PRIVATE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
# An SVG opened directly must not run anything.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def _binary(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"description": description, "content": {
        media_type: {"schema": {"type": "string", "format": "binary"}}}}}


def seal_not_found(ref: str) -> NotFound:
    """The same error ``find_seal`` gives, for missing and foreign seals alike."""
    return NotFound("SEAL_NOT_FOUND", f"找不到印章「{ref}」", f"Seal '{ref}' not found",
                    field="seal")


def own_seal(c: Context, p: Principal, seal_id: str) -> SealRecord:
    """The caller's seal ``seal_id`` (by id only, never by name)."""
    record = c.repos.get_seal(seal_id)
    if record is None or record.id != seal_id:
        raise seal_not_found(seal_id)
    p.owns(record.org_id, "seal", seal_id, seal_not_found(seal_id))
    return record


def viewable_seal(c: Context, p: Principal, seal_id: str) -> SealRecord:
    """The caller's seal ``seal_id``, when they may view seals (authorize ``seals:view``)."""
    p.require("seals:view")
    seal = own_seal(c, p, seal_id)
    authorize(c.repos, p, "seals:view", seal, now=c.clock.now())
    return seal


def seal_out(c: Context, record: SealRecord) -> SealOut:
    cert = c.repos.get_certificate(record.cert_id)
    assert cert is not None
    return SealOut.of(record, cert)


@dataclass(frozen=True)
class Upload:
    """An uploaded file, or why it was refused while reading (raised later, in the use case,
    so the caller's permissions are checked first and the refusal is audited)."""

    filename: str
    data: bytes = b""
    error: OpenSealError | None = None

    def content(self) -> bytes:
        if self.error is not None:
            raise self.error
        return self.data

    def details(self) -> dict[str, Any]:
        facts: dict[str, Any] = {"file": self.filename[:200]}
        if self.error is None:
            facts.update(size=len(self.data), sha256=hashlib.sha256(self.data).hexdigest())
        return facts


async def receive(file: UploadFile, limit: int) -> Upload:
    name = file.filename or "upload"
    try:
        return Upload(name, await read_upload(file, limit))
    except OpenSealError as exc:
        return Upload(name, error=exc)


@router.get("", response_model=list[SealOut])
def list_seals(p: Principal = Depends(caller), w: Wiring = Depends(wiring)) -> list[SealOut]:
    """Your organisation's seals, oldest first."""
    def run(c: Context) -> list[SealOut]:
        authorize(c.repos, p, "seals:view", now=c.clock.now())
        return [seal_out(c, s) for s in c.repos.list_seals(p.org)]

    return w.run(run, actor=p.actor())


@router.post("", response_model=SealOut, status_code=201)
def create_drawn(body: SealBody, p: Principal = Depends(caller),
                 w: Wiring = Depends(wiring)) -> SealOut:
    """Create a seal drawn from its template, with its own key pair and certificate."""
    def run(c: Context) -> SealOut:
        authorize(c.repos, p, "seals:manage", now=c.clock.now())
        order = SealOrder(p.org, body.type, body.name, body.purpose, body.tax_id, body.code,
                          algorithm=body.algorithm,
                          key_store=body.key_store or c.key_store_for(p.org))
        return seal_out(c, create_seal(c.repos, c.pki, c.clock, order, c.settings.certificate_url,
                                       audit=c.audit))

    refusal = Refusal("seal.create", org_id=p.org_id,
                      details={"type": body.type, "name": body.name, "image": "drawn",
                               "algorithm": body.algorithm,
                               "key_store": body.key_store})
    return w.run(run, refusal, actor=p.actor())


@router.post("/upload", response_model=SealOut, status_code=201)
async def create_uploaded(file: UploadFile = File(..., description="PNG or JPEG"),
                          type: str = Form(..., max_length=20),  # noqa: A002 - API field
                          name: str = Form(..., max_length=100),
                          white_to_transparent: bool = Form(False),
                          algorithm: str = Form("ecdsa", max_length=10),
                          key_store: str | None = Form(None, max_length=10),
                          p: Principal = Depends(caller),
                          w: Wiring = Depends(wiring)) -> SealOut:
    """Create a seal from an uploaded PNG/JPEG image (``white_to_transparent`` clears white
    paper from a scan), with its own key pair and certificate."""
    upload = await receive(file, w.settings.max_upload_bytes)

    def run(c: Context) -> SealOut:
        authorize(c.repos, p, "seals:manage", now=c.clock.now())
        order = SealOrder(p.org, type, name, image=upload.content(),
                          white_to_transparent=white_to_transparent, algorithm=algorithm,
                          key_store=key_store or c.key_store_for(p.org))
        return seal_out(c, create_seal(c.repos, c.pki, c.clock, order, c.settings.certificate_url,
                                       audit=c.audit))

    refusal = Refusal("seal.create", org_id=p.org_id, details={
        "type": type, "name": name, "image": "upload", "algorithm": algorithm,
        **upload.details()})
    return await run_in_threadpool(w.run, run, refusal, p.actor())


@router.post("/import", response_model=SealOut, status_code=201)
async def import_seal(
    esl: UploadFile | None = File(None, description="GB/T 38540 electronic seal (.esl)"),
    key: UploadFile | None = File(None, description="The .esl's SM2 signer key: PKCS#8, "
                                                    "SEC1 or PKCS#12"),
    cert: UploadFile | None = File(None, description="The signer certificate (certListType 2)"),
    p12: UploadFile | None = File(None, description="A licensed CA's PKCS#12: a PDF seal"),
    image: UploadFile | None = File(None, description="p12: PNG/JPEG instead of drawing"),
    password: str | None = Form(None, max_length=1000, description="The key's password"),
    type: str = Form("contract", max_length=20),  # noqa: A002 - API field
    name: str | None = Form(None, max_length=100),
    allow_name_mismatch: bool = Form(False),
    p: Principal = Depends(caller), w: Wiring = Depends(wiring),
) -> SealOut:
    """Import a seal made elsewhere (docs/sm2-seals.md): ``esl`` + ``key`` (an SM2 seal for
    OFD) or ``p12`` (a PDF seal, image drawn for ``type``/``name`` or ``image``). Needs
    ``seals:manage``; nothing is stored on any refusal."""
    limit = w.settings.max_upload_bytes
    files = {field: await receive(f, limit) if f is not None else None
             for field, f in (("esl", esl), ("key", key), ("cert", cert), ("p12", p12),
                              ("image", image))}
    secret = password.encode() if password else None

    def content(field: str) -> bytes | None:
        upload = files[field]
        return None if upload is None else upload.content()

    def run(c: Context) -> SealOut:
        authorize(c.repos, p, "seals:manage", now=c.clock.now())
        esl_data, key_data, p12_data = content("esl"), content("key"), content("p12")
        if (esl_data is None) == (p12_data is None) or (esl_data is not None and
                                                         key_data is None):
            raise InvalidInput("IMPORT_USAGE", "请上传 esl 与 key，或者 p12（二选一）",
                               "Upload either esl with key, or p12", field="esl")
        if esl_data is not None and key_data is not None:
            done = import_esl_seal(c.repos, c.keystore, c.clock, p.org, esl_data, key_data,
                                   secret, cert=content("cert"), name=name,
                                   allow_name_mismatch=allow_name_mismatch, audit=c.audit,
                                   principal=p)
        else:
            assert p12_data is not None
            done = import_p12_seal(c.repos, c.keystore, c.clock, p.org, p12_data, secret,
                                   seal_type=type, name=name, image=content("image"),
                                   allow_name_mismatch=allow_name_mismatch, audit=c.audit,
                                   principal=p)
        return seal_out(c, done.seal)

    refusal = Refusal("seal.import", org_id=p.org_id, details={
        "source": "p12" if p12 is not None else "esl",
        **{k: u.details() for k, u in files.items() if u is not None and k != "key"}})
    return await run_in_threadpool(w.run, run, refusal, p.actor())


@router.get("/{seal_id}", response_model=SealOut)
def get_seal(seal_id: str, p: Principal = Depends(caller),
             w: Wiring = Depends(wiring)) -> SealOut:
    """One of your organisation's seals."""
    def run(c: Context) -> SealOut:
        return seal_out(c, viewable_seal(c, p, seal_id))

    return w.run(run, actor=p.actor())


@router.get("/{seal_id}/image.png", response_class=Response,
            responses=_binary("image/png", "The seal image, PNG at 300 dpi"))
def image_png(seal_id: str, p: Principal = Depends(caller),
              w: Wiring = Depends(wiring)) -> Response:
    """The seal's image as PNG (300 dpi, transparent background)."""
    def run(c: Context) -> bytes:
        return viewable_seal(c, p, seal_id).artwork.png

    return Response(w.run(run, actor=p.actor()), media_type="image/png", headers=PRIVATE)


@router.get("/{seal_id}/image.svg", response_class=Response,
            responses=_binary("image/svg+xml", "The seal image in vector form"))
def image_svg(seal_id: str, p: Principal = Depends(caller),
              w: Wiring = Depends(wiring)) -> Response:
    """The seal's image as SVG; 404 SEAL_NO_SVG for a seal made from an uploaded image."""
    def run(c: Context) -> str:
        svg = viewable_seal(c, p, seal_id).artwork.svg
        if not svg:
            raise NotFound("SEAL_NO_SVG", "该印章由上传的图片制作，没有矢量图（SVG），请使用 PNG",
                           "This seal was made from an uploaded image and has no vector "
                           "(SVG) form; use image.png", field="seal")
        return svg

    return Response(w.run(run, actor=p.actor()), media_type="image/svg+xml",
                    headers={**PRIVATE, "Content-Security-Policy": SVG_POLICY})


@router.get("/{seal_id}/certificate.pem", response_class=Response,
            responses=_binary("application/x-pem-file",
                              "The seal certificate, then its chain up to the root"))
def certificate(seal_id: str, p: Principal = Depends(caller),
                w: Wiring = Depends(wiring)) -> Response:
    """The seal certificate followed by its issuers, as PEM (same as `openseal seal cert`)."""
    def run(c: Context) -> str:
        record = viewable_seal(c, p, seal_id)
        certs = [c.pki.certificate(record.cert_id), *c.pki.chain(record.cert_id)]
        return "".join(certificate_to_pem(x) for x in certs)

    return Response(w.run(run, actor=p.actor()), media_type="application/x-pem-file",
                    headers={"X-Content-Type-Options": "nosniff"})


@router.get("/{seal_id}/esl", response_class=Response,
            responses=_binary("application/octet-stream",
                              "The SM2 seal's GB/T 38540 electronic seal (SES_Seal, DER)"))
def esl(seal_id: str, p: Principal = Depends(caller), w: Wiring = Depends(wiring)) -> Response:
    """An SM2 seal's GB/T 38540 electronic seal (.esl: DER SES_Seal, made by the platform's
    seal maker) for OFD viewers; 404 SEAL_NO_ESL for an ECDSA or RSA (PDF) seal."""
    def run(c: Context) -> bytes:
        seal = viewable_seal(c, p, seal_id)
        if seal.algorithm != "sm2" or seal.esl is None:
            raise NotFound("SEAL_NO_ESL", "该印章不是 SM2 印章，没有 GB/T 38540 电子印章（.esl）",
                           "This seal is not an SM2 seal and has no GB/T 38540 electronic "
                           "seal (.esl)", field="seal")
        return seal.esl

    return Response(w.run(run, actor=p.actor()), media_type="application/octet-stream",
                    headers={**PRIVATE, "Content-Disposition":
                             f'attachment; filename="{seal_id}.esl"'})
