"""A request that fails on the server: one answer, and one line in the log.

Starlette's ``ServerErrorMiddleware`` logs nothing itself but re-raises every exception after
answering, so that the server logs it: with the app's own error handler on top, each failed
request left two tracebacks. Here every exception escaping a route ends, answered and logged
once:

- the database failed (stopped, unreachable, locked, read-only, full): 503, one warning line
  naming the failure; every request fails alike during an outage, and a traceback for each
  would bury everything else;
- the client went away before its request body was complete: one INFO line, no answer;
- anything else is a fault in the code: 500, and one ERROR with its traceback.
"""

from __future__ import annotations

import logging

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.routes.common import error
from backend.store.errors import describe_failure

log = logging.getLogger(__name__)

RETRY_AFTER_S = 1


class OneLineFailures:
    """ASGI middleware for HTTP requests (WebSockets pass straight through)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except ClientDisconnect:
            log.info("%s: the client went away before sending the whole request", _what(scope))
        except Exception as exc:
            failure = describe_failure(exc)
            if failure is None:
                log.error("%s failed", _what(scope), exc_info=exc)
                answer = error(500, "SERVER_ERROR", "internal error; the request can be retried")
            else:
                log.warning("%s failed: database unavailable (%s)", _what(scope), failure)
                answer = error(
                    503,
                    "UNAVAILABLE",
                    "the database is unavailable; the request can be retried",
                    headers={"Retry-After": str(RETRY_AFTER_S)},
                )
            if not started:
                await answer(scope, receive, send)


def _what(scope: Scope) -> str:
    # The path is the client's, decoded: quoted and clipped so it cannot forge log lines.
    path: str = scope.get("path", "")
    return f"{scope.get('method', '?')} {path[:100]!r}"
