"""The platform's public PKI endpoints: trust anchors (also the SM2 root and seal maker of
OFD seals), the RFC 3161 timestamp service, CRLs (RFC 5280) and OCSP (RFC 6960).

The CRL and the OCSP GET form are addressed by URLs inside certificates and by RFC 6960 A.1;
they are public protocol endpoints, not tenant-scoped API, so they are left out of the
OpenAPI document (whose routes with path ids are all tenant-scoped, see the C1 test). The
OCSP GET form is a plain route: its path carries the request itself, not an id.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import unquote

from asn1crypto import tsp
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from openseal.bootstrap import Context, Wiring
from openseal.core.pki.issuance import certificate_to_pem
from openseal.core.pki.ocsp import rejection
from openseal.errors import InvalidInput
from openseal.interfaces.api.deps import anonymous, too_large, wiring
from openseal.ops.metrics.protocols import count_ocsp

router = APIRouter(tags=["pki"])
MAX_TSA_REQUEST = 64 * 1024
MAX_OCSP_REQUEST = 8 * 1024
OCSP_REPLY = "application/ocsp-response"
NO_STORE = {"Cache-Control": "no-store"}
CRL_MAX_AGE = 300  # seconds: a revocation reaches caches within five minutes


@router.get("/api/v1/pki/roots.pem", response_class=Response, responses={200: {
    "description": "PEM certificates", "content": {"application/x-pem-file": {
        "schema": {"type": "string"}}}}})
def roots(w: Wiring = Depends(wiring)) -> Response:
    """The trust anchors an outside validator needs (same as `openseal ca export`)."""
    anchors = w.run(lambda c: c.pki.trust_anchors())
    return Response("".join(certificate_to_pem(a) for a in anchors),
                    media_type="application/x-pem-file")


NO_SM2_ROOT = {"description": "SM2_ROOT_NOT_MADE: no SM2 seal was made yet"}
SM2_PEM: dict[int | str, dict[str, Any]] = {
    200: {"description": "PEM certificate", "content": {
        "application/x-pem-file": {"schema": {"type": "string"}}}},
    404: NO_SM2_ROOT}
SM2_DER: dict[int | str, dict[str, Any]] = {
    200: {"description": "DER certificate (RFC 2585)", "content": {
        "application/pkix-cert": {"schema": {"type": "string", "format": "binary"}}}},
    404: NO_SM2_ROOT}


@router.get("/api/v1/pki/sm2-roots.pem", response_class=Response, responses=SM2_PEM)
def sm2_roots(w: Wiring = Depends(wiring)) -> Response:
    """The platform's SM2 root, what OFD (GB/T 38540) seals chain to (same as
    `openseal ca export --sm2`); 404 SM2_ROOT_NOT_MADE before the first SM2 seal."""
    return _sm2_certificate(w, maker=False, pem=True)


@router.get("/api/v1/pki/sm2-root.cer", response_class=Response, responses=SM2_DER)
def sm2_root_der(w: Wiring = Depends(wiring)) -> Response:
    """The platform's SM2 root as DER (application/pkix-cert)."""
    return _sm2_certificate(w, maker=False, pem=False)


@router.get("/api/v1/pki/sm2-maker.pem", response_class=Response, responses=SM2_PEM)
def sm2_maker(w: Wiring = Depends(wiring)) -> Response:
    """The platform's seal maker (制章者) certificate, which signs every SES_Seal it makes
    (it chains to the SM2 root)."""
    return _sm2_certificate(w, maker=True, pem=True)


@router.get("/api/v1/pki/sm2-maker.cer", response_class=Response, responses=SM2_DER)
def sm2_maker_der(w: Wiring = Depends(wiring)) -> Response:
    """The seal maker certificate as DER (application/pkix-cert)."""
    return _sm2_certificate(w, maker=True, pem=False)


def _sm2_certificate(w: Wiring, *, maker: bool, pem: bool) -> Response:
    root, made_by = w.run(lambda c: c.pki.sm2_root_and_maker())
    cert = made_by if maker else root
    if pem:
        return Response(certificate_to_pem(cert), media_type="application/x-pem-file")
    return Response(cert.dump(), media_type="application/pkix-cert")


@router.get("/api/v1/pki/anchors")
def anchors(w: Wiring = Depends(wiring)) -> dict[str, list[dict[str, str]]]:
    """What this instance's verifier trusts besides its own roots: the roots the operator
    imported (`openseal ca trust add`), by name, subject and SHA-256."""
    found = w.run(lambda c: c.repos.list_trust_anchors())
    return {"imported": [{"id": a.id, "name": a.name, "subject": a.subject,
                          "sha256": a.sha256, "not_after": a.not_after.isoformat()}
                         for a in found]}


TSA_OPENAPI = {
    "requestBody": {"required": True, "content": {"application/timestamp-query": {
        "schema": {"type": "string", "format": "binary"}}}},
    "responses": {"200": {"description": "RFC 3161 TimeStampResp", "content": {
        "application/timestamp-reply": {"schema": {"type": "string", "format": "binary"}}}}},
}


@router.post("/tsa", response_class=Response, openapi_extra=TSA_OPENAPI)
async def timestamp(request: Request, w: Wiring = Depends(wiring)) -> Response:
    """RFC 3161 over HTTP: application/timestamp-query in, application/timestamp-reply out."""
    if request.headers.get("content-type", "").split(";")[0] != "application/timestamp-query":
        raise InvalidInput("TSA_CONTENT_TYPE", "请求类型应为 application/timestamp-query",
                           "Content-Type must be application/timestamp-query")
    body = await request.body()
    if len(body) > MAX_TSA_REQUEST:
        raise too_large(MAX_TSA_REQUEST)
    try:
        query = tsp.TimeStampReq.load(body)
        _ = query.native
    except Exception:  # noqa: BLE001 - a request we cannot parse is the caller's error
        raise InvalidInput("TSA_REQUEST_MALFORMED", "时间戳请求格式错误",
                           "The timestamp request is malformed") from None
    reply = w.run(lambda c: _answer(c, query), actor=anonymous(request))
    return Response(reply, media_type="application/timestamp-reply")


def _answer(c: Context, query: tsp.TimeStampReq) -> bytes:
    response = c.pki.timestamp_authority().respond(query)
    granted = response["status"]["status"].native == "granted"
    c.audit.record("tsa.timestamp", "success" if granted else "refused", details={
        "granted": granted,
        "imprint": query["message_imprint"]["hashed_message"].native.hex()})
    return response.dump()


@router.get("/api/v1/pki/crl/{org_id}.crl", response_class=Response, include_in_schema=False)
def revocation_list(org_id: str, w: Wiring = Depends(wiring)) -> Response:
    """The CRL of an organisation's CA (``{org_id}.crl``, as in seal certificates), of the
    platform root (``root.crl``), the sandbox root (``test-root.crl``) or a CA by
    certificate id: DER, application/pkix-crl."""
    record = w.run(lambda c: c.pki.crl(c.pki.crl_issuer(org_id)))
    return Response(record.der, media_type="application/pkix-crl",
                    headers={"Cache-Control": f"public, max-age={CRL_MAX_AGE}"})


# The DER request is read whatever the Content-Type says (RFC 6960 clients send
# application/ocsp-request); octet-stream is documented too, for generic HTTP tools.
OCSP_OPENAPI = {
    "requestBody": {"required": True, "content": {
        media: {"schema": {"type": "string", "format": "binary"}}
        for media in ("application/ocsp-request", "application/octet-stream")}},
    "responses": {"200": {"description": "RFC 6960 OCSPResponse (also for a malformed or "
                          "unauthorised request, as the protocol says)", "content": {
        OCSP_REPLY: {"schema": {"type": "string", "format": "binary"}}}}},
}


@router.post("/api/v1/pki/ocsp", response_class=Response, openapi_extra=OCSP_OPENAPI)
async def ocsp_post(request: Request, w: Wiring = Depends(wiring)) -> Response:
    """OCSP over HTTP POST (RFC 6960 A.1): application/ocsp-request in,
    application/ocsp-response out, for the certificates of every CA this instance holds."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_OCSP_REQUEST:
            return _ocsp_reply(rejection("malformed_request"))
    answer = await run_in_threadpool(w.run, lambda c: c.pki.ocsp_respond(body))
    return _ocsp_reply(answer)


async def ocsp_get(request: Request) -> Response:
    """OCSP over HTTP GET: the base64 of the DER request, URL-encoded, as the last segment.
    A plain protocol route (not an API operation): it is addressed by RFC 6960 A.1."""
    w: Wiring = request.app.state.wiring
    encoded = request.path_params["encoded"]
    try:
        der = base64.b64decode(unquote(encoded), validate=True) \
            if len(encoded) <= 2 * MAX_OCSP_REQUEST else None
    except (binascii.Error, ValueError):
        der = None
    if not der:
        return _ocsp_reply(rejection("malformed_request"))
    answer = await run_in_threadpool(w.run, lambda c: c.pki.ocsp_respond(der))
    return _ocsp_reply(answer)


router.add_route("/api/v1/pki/ocsp/{encoded:path}", ocsp_get, methods=["GET"],
                 include_in_schema=False)


def _ocsp_reply(der: bytes) -> Response:
    count_ocsp(der)
    return Response(der, media_type=OCSP_REPLY, headers=NO_STORE)
