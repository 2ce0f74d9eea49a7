"""What every route needs: the process's Wiring, the caller as an audit Actor, uploads."""

from __future__ import annotations

from fastapi import Request, UploadFile

from openseal.bootstrap import Wiring
from openseal.core.audit.recorder import Actor
from openseal.errors import InvalidInput

CHUNK = 1024 * 1024


def wiring(request: Request) -> Wiring:
    w: Wiring = request.app.state.wiring
    return w


def anonymous(request: Request) -> Actor:
    """An unauthenticated caller, identified by address and agent only."""
    client = request.client.host if request.client else None
    return Actor("anonymous", "api", client, request.headers.get("user-agent"))


async def read_upload(upload: UploadFile, limit: int) -> bytes:
    """The uploaded file, refused (UPLOAD_TOO_LARGE) as soon as it passes ``limit`` bytes."""
    parts: list[bytes] = []
    total = 0
    while chunk := await upload.read(CHUNK):
        total += len(chunk)
        if total > limit:
            raise too_large(limit)
        parts.append(chunk)
    return b"".join(parts)


def too_large(limit: int) -> InvalidInput:
    mib = limit / (1024 * 1024)
    return InvalidInput("UPLOAD_TOO_LARGE", f"上传文件超过 {mib:g} MiB 上限",
                        f"The upload exceeds the {mib:g} MiB limit", field="file")
