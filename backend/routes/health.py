"""Health: a write commits, the counters hear what the log holds; reconciliation, escalation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from backend.escalation import masked_webhook_url
from backend.escalation_sender import FAILING_REPORT_AFTER
from backend.routes.common import Services, services
from backend.store import found_by_query_since
from backend.store.escalation_rules import RuleStanding, failing_rules
from backend.write_probe import WriteState


async def healthz(request: Request) -> Response:
    """``GET /healthz``: 200 while writes commit, 503 when they fail or stall.

    ``lastEventId`` is the newest event handed to the counters, ``logLastEventId`` the newest
    in the log when the probe wrote, ``dispatcherLag`` how many ids the first is behind.
    """
    svc = services(request)
    probe = await svc.write_probe.check()
    published = svc.dispatcher.last_id
    newest = probe.newest_event_id
    healthy = probe.state is WriteState.OK
    return JSONResponse(
        {
            "status": "ok" if healthy else "error",
            "database": str(probe.state),
            "connections": svc.hub.connection_count,
            "lastEventId": published,
            "logLastEventId": newest,
            # Ids published after the probe make it negative for a moment: that is no lag.
            "dispatcherLag": None if newest is None else max(0, newest - published),
            # With writes failing, the database is not asked once more for the counts.
            "reconciler": await _reconciler(svc) if healthy else _reconciler_off(svc),
            **(await _escalation(svc) if healthy else _ESCALATION_UNKNOWN),
        },
        status_code=200 if healthy else 503,
    )


# With writes failing, the rules are not read either.
_ESCALATION_UNKNOWN: dict[str, Any] = {"escalation": "unknown", "failingRules": []}


async def _escalation(svc: Services) -> dict[str, Any]:
    """Rules whose URL has refused every message for an hour, across every instance.

    A robot refusing messages is the operator's to fix, not a reason to take this instance out
    of a load balancer: the status stays ok and the rule is named.
    """
    failing = await failing_rules(svc.db, svc.now() - FAILING_REPORT_AFTER)
    return {
        "escalation": "failing" if failing else "ok",
        "failingRules": [_failing_rule(standing) for standing in failing],
    }


def _failing_rule(standing: RuleStanding) -> dict[str, Any]:
    """A rule refused for an hour, as /healthz names it: never its secret or its URL's key."""
    return {
        "id": standing.rule.id,
        "shopId": standing.rule.shop_id,
        "channel": standing.rule.channel.value,
        "url": masked_webhook_url(standing.rule.url),
        "failingSince": None
        if standing.failing_since is None
        else standing.failing_since.isoformat(),
        "lastError": standing.last_error,
    }


def _reconciler_off(svc: Services) -> dict[str, Any]:
    """Whether this instance reconciles, without asking the database anything."""
    return {"enabled": svc.reconciler is not None}


async def _reconciler(svc: Services) -> dict[str, Any]:
    """The last pass of this instance's reconciler, and what reconciliation found lately.

    A failed pass (WeChat Pay unreachable, say) is reported, not treated as ill health: the
    server still takes notifications and serves counters.
    """
    if svc.reconciler is None:
        return _reconciler_off(svc)
    state = svc.reconciler.state
    since = svc.now() - timedelta(hours=1)
    return {
        "enabled": True,
        "lastRunAt": None if state.last_run_at is None else state.last_run_at.isoformat(),
        "lastRunOk": state.last_run_ok,
        # Across every instance: the orders' rows say which payment was found by query.
        "foundPaidLastHour": await found_by_query_since(svc.db, since),
    }
