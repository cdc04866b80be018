"""Liveness: the process answers and the database does too; how reconciliation is doing."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from backend.routes.common import Services, services
from backend.store import found_by_query_since

log = logging.getLogger(__name__)


async def healthz(request: Request) -> Response:
    """``GET /healthz``: 200 when the database answers, 503 otherwise."""
    svc = services(request)
    try:
        await svc.db.ping()
        reconciler = await _reconciler(svc)
    except Exception as exc:
        log.warning("health check: database unreachable: %s", type(exc).__name__)
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    return JSONResponse(
        {
            "status": "ok",
            "database": "ok",
            "connections": svc.hub.connection_count,
            "lastEventId": svc.dispatcher.last_id,
            "reconciler": reconciler,
        }
    )


async def _reconciler(svc: Services) -> dict[str, Any]:
    """The last pass of this instance's reconciler, and what reconciliation found lately.

    A failed pass (WeChat Pay unreachable, say) is reported, not treated as ill health: the
    server still takes notifications and serves counters.
    """
    if svc.reconciler is None:
        return {"enabled": False}
    state = svc.reconciler.state
    since = svc.now() - timedelta(hours=1)
    return {
        "enabled": True,
        "lastRunAt": None if state.last_run_at is None else state.last_run_at.isoformat(),
        "lastRunOk": state.last_run_ok,
        # Across every instance: the orders' rows say which payment was found by query.
        "foundPaidLastHour": await found_by_query_since(svc.db, since),
    }
