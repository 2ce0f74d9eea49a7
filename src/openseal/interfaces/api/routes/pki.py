"""The platform's public PKI endpoints: trust anchors and the RFC 3161 timestamp service."""

from __future__ import annotations

from asn1crypto import tsp
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from openseal.bootstrap import Context, Wiring
from openseal.core.pki.issuance import certificate_to_pem
from openseal.errors import InvalidInput
from openseal.interfaces.api.deps import anonymous, too_large, wiring

router = APIRouter(tags=["pki"])
MAX_TSA_REQUEST = 64 * 1024


@router.get("/api/v1/pki/roots.pem", response_class=Response, responses={200: {
    "description": "PEM certificates", "content": {"application/x-pem-file": {
        "schema": {"type": "string"}}}}})
def roots(w: Wiring = Depends(wiring)) -> Response:
    """The trust anchors an outside validator needs (same as `openseal ca export`)."""
    anchors = w.run(lambda c: c.pki.trust_anchors())
    return Response("".join(certificate_to_pem(a) for a in anchors),
                    media_type="application/x-pem-file")


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
