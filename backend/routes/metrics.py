"""``GET /metrics``: Prometheus' scrape, off unless a token is set, then only with that token."""

from __future__ import annotations

import hmac

from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4
from starlette.requests import Request
from starlette.responses import Response

from backend.auth import bearer_token
from backend.routes.common import error, services
from backend.store import count_waiting_orders


async def metrics(request: Request) -> Response:
    """The server's metrics in the Prometheus text format (``Authorization: Bearer <token>``)."""
    svc = services(request)
    expected = svc.settings.metrics_token
    if not expected:
        return error(404, "NOT_FOUND", "metrics are off: set ORDERBELL_METRICS_TOKEN to serve them")
    given = bearer_token(request.headers) or ""
    if not hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode()):
        return error(
            401,
            "UNAUTHORIZED",
            "missing or wrong metrics token (Authorization: Bearer <ORDERBELL_METRICS_TOKEN>)",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    # One indexed count per scrape: the gauge is the database's truth across instances.
    svc.metrics.orders_waiting.set(await count_waiting_orders(svc.db))
    return Response(svc.metrics.render(), media_type=CONTENT_TYPE_PLAIN_0_0_4)
