"""/metrics: Prometheus text format (docs/operations.md, "Monitoring").

With ``OPENSEAL_METRICS_TOKEN`` set, a scrape must send ``Authorization: Bearer <token>``
(401 otherwise); without it, restrict /metrics at the reverse proxy (docs/deploy.md).
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from openseal.bootstrap import Wiring
from openseal.errors import Unauthenticated
from openseal.interfaces.api.deps import wiring
from openseal.ops.metrics.exposition import CONTENT_TYPE, metrics_text

router = APIRouter(tags=["health"])


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, w: Wiring = Depends(wiring)) -> Response:
    expected = w.settings.metrics_token
    if expected:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
            raise Unauthenticated("METRICS_TOKEN", "需要指标访问令牌",
                                  "The metrics token is required")
    return Response(metrics_text(w), media_type=CONTENT_TYPE)
