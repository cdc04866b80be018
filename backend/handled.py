"""An exception the app has already answered is not handed on to uvicorn to log a second time.

Starlette answers an unhandled HTTP exception with the app's 500 handler (which logs it) and
then re-raises it "so that servers can log it": uvicorn does, traceback and all. During a
database outage that is two tracebacks per failed request. Here an HTTP exception raised after
the answer started ends with the request; one raised before any answer still reaches uvicorn,
which answers 500 and logs it, once.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HandledErrors:
    """ASGI wrapper around the app (HTTP only; WebSockets and the lifespan pass through)."""

    __slots__ = ("app",)

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        answered = False

        async def watched_send(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.start":
                answered = True
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except Exception:
            if not answered:
                raise
