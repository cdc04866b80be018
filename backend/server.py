"""Runs the app on uvicorn: OrderBell's protocols and edge limits, masked logs, 1001 on shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any, TypeVar

import uvicorn
from starlette.applications import Starlette
from starlette.types import ASGIApp

from backend.admission import parse_trusted_proxies
from backend.edge import Edge
from backend.fdlimit import affordable_connections, open_file_limit
from backend.httpedge import EdgeHttpProtocol
from backend.hub import Hub
from backend.keepalive import Keepalive, keepalive_of
from backend.logredact import install_redaction
from backend.metrics import Metrics
from backend.settings import Settings, secret_values
from backend.wsconnection import CounterProtocol
from backend.wsfast import DirectStream
from orderbell_protocol import CLOSE_GOING_AWAY

log = logging.getLogger(__name__)

# Writers get this long to deliver their 1001 close frames before uvicorn tears down sockets.
CLOSE_GRACE_S = 1.0


class OrderBellServer(uvicorn.Server):
    """uvicorn's server, but counters hear 1001 (going away) instead of 1012 on shutdown."""

    def __init__(self, config: uvicorn.Config, hub: Hub, *, own_signals: bool = True) -> None:
        super().__init__(config)
        self._hub = hub
        self._own_signals = own_signals

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        keepalive = keepalive_of(self.config)
        if keepalive is not None:
            keepalive.stop()
        self._hub.close_all(CLOSE_GOING_AWAY)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CLOSE_GRACE_S
        # A short bounded poll: shutdown happens once, and the hub has no 'empty' signal.
        while self._hub.connection_count and loop.time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        await super().shutdown(sockets)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # In-process servers (tests, the desktop demo) leave signals to their host.
        if self._own_signals:
            with super().capture_signals():
                yield
        else:
            yield


class EdgeConfig(uvicorn.Config):
    """uvicorn's config plus the edge policy its protocols enforce (``backend.edge.edge_of``)
    and the keepalive schedule they join (``backend.keepalive.keepalive_of``)."""

    def __init__(
        self,
        app: ASGIApp,
        edge: Edge,
        direct_stream: DirectStream | None = None,
        keepalive: Keepalive | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(app, **kwargs)
        self.edge = edge
        self.direct_stream = direct_stream
        self.keepalive = keepalive


def server_config(
    app: ASGIApp,
    settings: Settings,
    host: str,
    port: int,
    direct_stream: DirectStream | None = None,
) -> EdgeConfig:
    """uvicorn settings: our HTTP and WebSocket protocols, no permessage-deflate, keepalive
    pings, the edge's timeouts and caps, and the proxies trusted to name the client.

    Deflate costs more than it saves on ~200-byte events, and it would make each counter's
    frame different, where the hub writes one frame's bytes to a whole shop. ``direct_stream``
    lets the WebSocket protocol open warm counters' streams without the app (``backend.wsfast``).
    The keepalive is the server's one schedule (``backend.keepalive``) rather than uvicorn's
    timers per connection, which are switched off.
    """
    wanted = settings.max_connections
    limit = open_file_limit()
    total_cap = affordable_connections(wanted, limit)
    if total_cap < wanted:
        log.warning(
            "ORDERBELL_MAX_CONNECTIONS %s lowered to %s: this process may open only %s files "
            "(raise it: ulimit -n, or LimitNOFILE= in the systemd unit)",
            wanted,
            total_cap,
            limit,
        )
    edge = Edge.from_settings(settings, total_cap)
    log.info(
        "connections: %s in all, counters' streams at most %s (%s kept for plain HTTP)",
        edge.admission.total_cap,
        edge.admission.counter_cap,
        edge.admission.http_reserve,
    )
    interval = settings.ws_ping_interval_s
    return EdgeConfig(
        app,
        edge,
        direct_stream,
        keepalive=Keepalive(interval) if interval > 0 else None,
        host=host,
        port=port,
        http=EdgeHttpProtocol,
        ws=CounterProtocol,
        ws_per_message_deflate=False,
        ws_ping_interval=None,
        ws_ping_timeout=None,
        lifespan="on",
        log_config=None,
        access_log=False,  # the app logs each request by route (backend.accesslog), no raw path
        proxy_headers=True,
        forwarded_allow_ips=parse_trusted_proxies(settings.forwarded_allow_ips).spelled_out(),
        server_header=False,
        timeout_graceful_shutdown=5,
    )


def make_server(
    app: Starlette,
    settings: Settings,
    host: str,
    port: int,
    *,
    own_signals: bool = True,
    direct: bool = True,
) -> OrderBellServer:
    """A server for this app; its hub is the one the app publishes to, its metrics report the
    server's connections against its caps.

    A warm counter's handshake is answered without the app unless ``direct`` is False.

    From here on this process's log records hold no secret (``backend.logredact``).
    """
    install_redaction(secret_values(settings))
    hub: Hub = app.state.hub
    config = server_config(app, settings, host, port, DirectStream(app) if direct else None)
    metrics = getattr(app.state, "metrics", None)  # an app of create_app's has them
    if isinstance(metrics, Metrics):
        metrics.watch_admission(config.edge.admission)
    return OrderBellServer(config, hub, own_signals=own_signals)


@contextlib.asynccontextmanager
async def running_server(
    app: Starlette,
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    direct: bool = True,
) -> AsyncIterator[OrderBellServer]:
    """Serve in this event loop until the block ends; ``bound_port`` tells where."""
    server = make_server(app, settings, host, port, own_signals=False, direct=direct)
    async with serving(server) as server:
        yield server


class GuestServer(uvicorn.Server):
    """uvicorn for a small helper app inside a host's event loop; signals stay with the host."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def guest_server(app: Starlette, host: str = "127.0.0.1", port: int = 0) -> GuestServer:
    """A quiet server for a helper app (the demo's stand-in robot, test receivers)."""
    return GuestServer(uvicorn.Config(app, host=host, port=port, log_config=None, lifespan="off"))


ServerT = TypeVar("ServerT", bound=uvicorn.Server)


@contextlib.asynccontextmanager
async def serving(
    server: ServerT, sockets: list[socket.socket] | None = None
) -> AsyncIterator[ServerT]:
    """Run ``server`` in this event loop until the block ends; start-up errors surface here.

    ``sockets`` are listening sockets made elsewhere (say a dual-stack one) to serve instead.
    """
    task = asyncio.create_task(server.serve(sockets), name="orderbell-server")
    while not server.started:
        if task.done():
            task.result()  # surfaces the start-up error
            raise RuntimeError("server stopped during start-up")
        await asyncio.sleep(0.01)
    try:
        yield server
    finally:
        server.should_exit = True
        await task


def bound_port(server: uvicorn.Server) -> int:
    """The TCP port a started server listens on (useful with port 0)."""
    for listener in server.servers:
        for sock in listener.sockets:
            port: int = sock.getsockname()[1]
            return port
    raise RuntimeError("server is not listening")
