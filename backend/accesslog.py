"""The structured access log: one ``key=value`` line per request, by route template, never a path.

A raw path can carry a token (``/ws/x?token=...``) or an order's id; the template
(``/admin/orders/{id}``) carries neither and still says which endpoint answered. WebSocket
streams log their own open and close lines (``backend.routes.stream``), with shop and device.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("backend.access")

UNMATCHED = "(no route)"
_CONVERTER = re.compile(r"\{(\w+):\w+\}")
_BARE = re.compile(r"[\w./{}:@+-]+")


def logfmt_value(value: object) -> str:
    """A value for a ``key=value`` line: bare when safe, else quoted, always on one line."""
    text = str(value)
    if text and _BARE.fullmatch(text):
        return text
    # Lone surrogates cannot be written to a UTF-8 log: keep them visible as escapes.
    readable = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return json.dumps(readable, ensure_ascii=False)


def logfmt(**fields: object) -> str:
    """``key=value`` pairs in the given order."""
    return " ".join(f"{key}={logfmt_value(value)}" for key, value in fields.items())


def route_template(scope: Scope) -> str:
    """The matched route's path template without converters (``/admin/orders/{id}``)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return UNMATCHED
    return _CONVERTER.sub(r"{\1}", path)


def client_host(scope: Scope) -> str:
    """The client's address: behind a trusted proxy the one it names (X-Forwarded-For)."""
    client = scope.get("client")
    return str(client[0]) if client else "-"


class AccessLog:
    """ASGI middleware logging each HTTP request once it is answered (WebSockets pass through).

    The line is ``method=GET route=/admin/orders/{id} status=200 duration_ms=1.4
    client=203.0.113.7`` (the client as a trusted proxy names it); a request whose handler
    raised is logged with status 500 (or the status already sent).
    """

    def __init__(self, app: ASGIApp, clock: Callable[[], float] = time.perf_counter) -> None:
        self.app = app
        self._clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = self._clock()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            if log.isEnabledFor(logging.INFO):
                elapsed_ms = (self._clock() - started) * 1000
                log.info(
                    "%s",
                    logfmt(
                        method=scope["method"],
                        route=route_template(scope),
                        status=status,
                        duration_ms=f"{elapsed_ms:.1f}",
                        client=client_host(scope),
                    ),
                )
