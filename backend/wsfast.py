"""``/ws/{sid}`` answered in the WebSocket protocol when everything it needs is in memory.

A counter's handshake through ASGI costs about twice the stream route's own work: a scope, a
task, the middlewares and the router, then an ASGI accept (``python -m
benchmarks.handshake_cost``). When a fleet comes back after a deploy or a network blip, nearly
every handshake is the same: a device token this server already keeps, and no backlog, or one
that is already delivered. :class:`DirectStream` decides from the parsed request alone whether
the route would open the stream with nothing more to read; if so the protocol answers the 101
itself (``backend.wsconnection``) and the stream is opened exactly as the route's detached path
opens it, with the same log lines. Anything else (no token, an unknown one, anonymous clients,
``since=`` with events to replay or any doubt about it, a proxy the server does not handle the
same way) goes through the app, unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from websockets.http11 import Request

from backend.auth import bearer_token
from backend.hub import Subscriber
from backend.routes.common import Services
from backend.routes.stream import let_go, log_opened
from backend.validation import INT64_MAX, BadInput, query_int
from backend.wsconnection import CounterSocket

# The stream's route, as Starlette matches ``/ws/{sid}`` against the unquoted path.
_STREAM_PATH = re.compile(r"/ws/[^/]+")


@dataclass(frozen=True, slots=True)
class Opening:
    """A stream the route would open from memory: who, from which cursor, for which client."""

    services: Services
    shop_id: int
    device_id: int
    device: str
    since: int | None
    client: tuple[str, int] | None

    def open(self, socket: CounterSocket) -> None:
        """Subscribe, log, and hand the socket to the hub, as the route's detached path does.

        Called right after the 101 is written, in the same callback: no event, and no end of
        the connection, can come between.
        """
        svc = self.services
        subscriber: Subscriber = svc.hub.add(self.shop_id, device_id=self.device_id)
        log_opened(self.shop_id, self.device)
        socket.listen_only(lambda: let_go(svc, subscriber, self.device))
        if self.since is not None:
            subscriber.floor = self.since
        socket.detach(subscriber.flush, subscriber.blocked)
        subscriber.hand_over(socket, svc.settings.ws_send_timeout_s)
        svc.hub.went_live(subscriber, svc.clock())


class DirectStream:
    """Decides, for one app, which upgrades the protocol may answer without it."""

    __slots__ = ("_app",)

    def __init__(self, app: Starlette) -> None:
        self._app = app

    def opening(
        self, served: object, client: tuple[str, int] | None, request: Request
    ) -> Opening | None:
        """The stream to open for this upgrade, or None to leave it to the app.

        ``served`` is the ASGI app the server runs (the app, or uvicorn's proxy-headers
        middleware around it); ``client`` the connection's peer.
        """
        svc = getattr(self._app.state, "services", None)
        if not isinstance(svc, Services):
            return None  # not started
        if isinstance(served, ProxyHeadersMiddleware):
            client = _forwarded_client(served, client, request)
            served = served.app
        if served is not self._app:
            return None  # wrapped in something that might see the handshake
        path, _, query = request.path.partition("?")
        if not _STREAM_PATH.fullmatch(unquote(path)):
            return None
        params = QueryParams(query)
        authorization = request.headers.get_all("authorization")
        if len(authorization) > 1:
            return None
        headers = {"authorization": authorization[0]} if authorization else {}
        token = bearer_token(headers) or params.get("token")
        if not token:
            return None  # anonymous: the app decides
        device = svc.devices.known(token)
        if device is None:
            return None
        try:
            since = query_int(params, "since", low=0, high=INT64_MAX)
        except BadInput:
            return None
        if since is not None and not _caught_up(svc, device.shop_id, since):
            return None
        return Opening(svc, device.shop_id, device.id, device.name, since, client)


def _caught_up(svc: Services, shop_id: int, since: int) -> bool:
    """Nothing to replay after ``since``, and memory alone says so."""
    dispatcher = svc.dispatcher
    recent = dispatcher.recent
    return (
        since <= dispatcher.last_id
        and recent is not None
        and recent.covers(since)
        and not recent.after(shop_id, since)
    )


def _forwarded_client(
    proxy: ProxyHeadersMiddleware, client: tuple[str, int] | None, request: Request
) -> tuple[str, int] | None:
    """The client as uvicorn's proxy-headers middleware names it in the scope."""
    if (client[0] if client else None) not in proxy.trusted_hosts:
        return client
    forwarded = request.headers.get_all("x-forwarded-for")
    if not forwarded:
        return client
    host, port = proxy.trusted_hosts.get_trusted_client_address(", ".join(forwarded))
    return (host, port) if host else client
