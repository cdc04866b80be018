"""Liveness: the process answers and the database does too."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from backend.routes.common import services

log = logging.getLogger(__name__)


async def healthz(request: Request) -> Response:
    """``GET /healthz``: 200 when the database answers, 503 otherwise."""
    svc = services(request)
    try:
        await svc.db.ping()
    except Exception as exc:
        log.warning("health check: database unreachable: %s", type(exc).__name__)
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    return JSONResponse(
        {
            "status": "ok",
            "database": "ok",
            "connections": svc.hub.connection_count,
            "lastEventId": svc.dispatcher.last_id,
        }
    )
