"""The counter socket: direct writes, letting go of peers that stop reading, ignoring chatter."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import inspect
import sys
import weakref
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosedOK, InvalidMessage
from websockets.http11 import Request

from backend.app import create_app
from backend.devkit import MerchantKit
from backend.httpedge import EdgeHttpProtocol
from backend.hub import Hub
from backend.server import bound_port, running_server
from backend.store import Database, create_token, migrate_async
from backend.wsconnection import CounterProtocol
from tests.backend.rawhttp import raw, status_of
from tests.conftest import LiveServer, kit_settings
from tests.e2e.helpers import (
    closed_by_server,
    counter,
    next_event,
    stalled_counter,
    wait_for_connections,
)
from tests.e2e.test_stream_resilience import bulky_event

PING_S = 0.3


async def reach_live(live: LiveServer, ws: ClientConnection) -> None:
    """Wait until the counter is past its backlog: event 1, published live, has arrived."""
    await wait_for_connections(live.hub, 1)
    live.hub.publish(bulky_event(1))
    assert (await next_event(ws))["id"] == 1


def open_protocols() -> list[CounterProtocol]:
    """The server's open counter connections (``type`` rather than ``isinstance``: the heap
    may hold dead weak proxies, which raise when asked anything else)."""
    return [o for o in gc.get_objects() if type(o) is CounterProtocol and not o.disconnected]


@pytest.fixture
def live_overrides() -> dict[str, str]:
    return {"ORDERBELL_WS_PING_INTERVAL_S": str(PING_S), "ORDERBELL_WS_QUEUE_LIMIT": "4"}


async def test_a_counter_that_stops_reading_is_let_go_after_a_missed_ping(
    live: LiveServer,
) -> None:
    """No traffic at all: the unanswered keepalive ping alone aborts the connection."""
    token = await live.device_token()
    port = int(live.base_url.rsplit(":", 1)[1])
    stalled = await stalled_counter(port, token)
    try:
        await wait_for_connections(live.hub, 1)
        # It reads nothing, so it answers no ping: gone after about two ping intervals.
        await wait_for_connections(live.hub, 0, limit_s=20 * PING_S)
        assert await closed_by_server(stalled)
    finally:
        stalled.close()


async def test_a_dropped_counter_socket_is_aborted_not_left_draining(live: LiveServer) -> None:
    """When the hub drops a backed-up counter its socket is closed at once, unread data and all."""
    token = await live.device_token()
    port = int(live.base_url.rsplit(":", 1)[1])
    stalled = await stalled_counter(port, token)
    try:
        await wait_for_connections(live.hub, 1)
        event_id = 0
        while live.hub.dropped == 0:
            event_id += 1
            assert event_id < 2000, "the stalled counter was never dropped"
            live.hub.publish(bulky_event(event_id))
            await asyncio.sleep(0)
        await wait_for_connections(live.hub, 0)
        assert await closed_by_server(stalled, limit_s=2 * PING_S)
    finally:
        stalled.close()


async def test_what_a_counter_sends_is_ignored_and_it_stays_connected(live: LiveServer) -> None:
    """Chatter from a counter neither piles up nor stops the server reading its pongs."""
    token = await live.device_token()
    async with counter(live.ws_url, token) as ws:
        await wait_for_connections(live.hub, 1)
        for n in range(200):
            await ws.send(f"hello {n}")
        # Several ping rounds: a server that stopped reading would miss the pongs and hang up.
        await asyncio.sleep(5 * PING_S)
        assert live.hub.connection_count == 1
        live.hub.publish(bulky_event(1))
        assert (await next_event(ws))["id"] == 1


async def test_frames_stay_in_order_when_a_counter_backs_up_and_recovers(
    live: LiveServer,
) -> None:
    """A burst larger than the send buffer goes partly direct, partly queued: one order."""
    token = await live.device_token()
    async with counter(live.ws_url, token) as ws:
        await wait_for_connections(live.hub, 1)
        for event_id in range(1, 5):
            live.hub.publish(bulky_event(event_id))
        assert [(await next_event(ws))["id"] for _ in range(4)] == [1, 2, 3, 4]
        live.hub.publish(bulky_event(5))
        assert (await next_event(ws))["id"] == 5


async def test_a_live_counter_keeps_no_copy_of_its_handshake_headers(live: LiveServer) -> None:
    """Idle counters are most of the server's memory: the request is let go once live."""
    token = await live.device_token()
    async with counter(live.ws_url, token) as ws:
        await reach_live(live, ws)
        [protocol] = open_protocols()
        assert not hasattr(protocol, "scope")
        assert not hasattr(protocol, "request")
        assert not hasattr(protocol, "response")
        # The handshake parser's frame outlives the handshake; what it holds is emptied.
        held = inspect.getgeneratorlocals(protocol.conn.parser)["request"]
        assert isinstance(held, Request)
        assert list(held.headers.raw_items()) == []


async def test_a_live_counter_keeps_no_task_and_still_gets_events(live: LiveServer) -> None:
    """Once live, the route has returned: the connection is the hub's and its socket's."""
    token = await live.device_token()
    async with counter(live.ws_url, token) as ws:
        await reach_live(live, ws)
        running = [
            task
            for task in asyncio.all_tasks()
            if getattr(task.get_coro(), "__qualname__", "") == "CounterProtocol.run_asgi"
        ]
        assert running == []
        live.hub.publish(bulky_event(2))
        assert (await next_event(ws))["id"] == 2
        assert live.hub.connection_count == 1


def connection_timers() -> list[str]:
    """The callbacks of the timers the loop holds for connections' protocols, by name."""
    return [
        handle._callback.__name__
        for handle in live_timers()
        if isinstance(
            getattr(handle._callback, "__self__", None), CounterProtocol | EdgeHttpProtocol
        )
    ]


def live_timers() -> list[asyncio.TimerHandle]:
    """Every timer the running loop holds that has not been cancelled."""
    scheduled = getattr(asyncio.get_running_loop(), "_scheduled", None)
    assert scheduled is not None, "this check reads asyncio's own loop"
    return [handle for handle in scheduled if not handle.cancelled()]


async def test_idle_counters_add_no_timer_to_the_loop(live: LiveServer) -> None:
    """The edge's timeouts end with the handshake and the keepalive is the server's one
    schedule: 20 live counters cost the loop no more timers than one does."""
    token = await live.device_token()

    def quiet_counter() -> Any:  # no client-side keepalive: its timers would share the loop
        headers = {"Authorization": f"Bearer {token}"}
        return connect(live.ws_url, additional_headers=headers, ping_interval=None)

    async with contextlib.AsyncExitStack() as stack:
        first = await stack.enter_async_context(quiet_counter())
        await reach_live(live, first)
        with_one = len(live_timers())
        sockets = [await stack.enter_async_context(quiet_counter()) for _ in range(19)]
        await wait_for_connections(live.hub, 20)
        live.hub.publish(bulky_event(2))
        for ws in [first, *sockets]:
            assert (await next_event(ws))["id"] == 2
        assert connection_timers() == []
        assert len(live_timers()) == with_one


async def test_a_close_frame_tells_the_socket_holder_to_write_nothing_more(
    live: LiveServer,
) -> None:
    """Whoever closes a detached socket, its holder hears at once that it takes no more frames."""
    token = await live.device_token()
    async with counter(live.ws_url, token) as ws:
        await reach_live(live, ws)
        (protocol,) = open_protocols()
        told: list[str] = []
        protocol.socket.detach(lambda: told.append("room"), lambda: told.append("full"))
        protocol.socket.close(1000)
        assert told == ["full"]
        with pytest.raises(ConnectionClosedOK):
            await ws.recv()
        assert ws.close_code == 1000


async def test_a_closed_counter_connection_is_freed_without_the_cycle_collector(
    live: LiveServer,
) -> None:
    """No reference cycle outlives a connection: the server freezes long-lived objects, and a
    frozen cycle would stay in memory until a rare full reclaim."""
    token = await live.device_token()
    gc.collect()
    gc.disable()
    try:
        async with counter(live.ws_url, token) as ws:
            await reach_live(live, ws)
            [protocol] = open_protocols()
            freed = asyncio.Event()
            weakref.finalize(protocol, freed.set)
            socket = protocol.socket
            del protocol
        await wait_for_connections(live.hub, 0)
        await asyncio.wait_for(freed.wait(), 5)
        assert socket.lost
        assert not socket.ready()
        socket.abort()  # closing a closed socket does nothing
        socket.close(1000)
    finally:
        gc.enable()


async def test_plain_uvicorn_without_the_extension_still_streams(
    tmp_path: Path, kit: MerchantKit
) -> None:
    """Under a stock ASGI WebSocket the route falls back to plain sends and still delivers."""
    settings = kit_settings(tmp_path, kit)
    await migrate_async(settings.database_url)
    db = Database(settings.database_url)
    try:
        _, token = await create_token(db, shop_id=1, name="till", now=kit_now())
    finally:
        await db.dispose()
    app = create_app(settings, migrate=False)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, ws="websockets-sansio", log_config=None)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not task.done(), "server stopped during start-up"
            await asyncio.sleep(0.01)
        url = f"ws://127.0.0.1:{bound_port(server)}/ws/till"
        async with counter(url, token) as ws:
            await wait_for_connections(app.state.hub, 1)
            app.state.hub.publish(bulky_event(1))
            assert (await next_event(ws))["id"] == 1
        await wait_for_connections(app.state.hub, 0)
    finally:
        server.should_exit = True
        await task


def kit_now() -> datetime:
    return datetime.now(UTC)


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop does not run on Windows")
def test_the_counter_socket_works_on_uvloop_as_in_production(
    tmp_path: Path, kit: MerchantKit
) -> None:
    """`orderbell-server serve` runs on uvloop: direct writes and the ping abort work there too."""
    import uvloop

    settings = kit_settings(tmp_path, kit, ORDERBELL_WS_PING_INTERVAL_S=str(PING_S))

    async def scenario() -> None:
        await migrate_async(settings.database_url)
        db = Database(settings.database_url)
        try:
            _, token = await create_token(db, shop_id=1, name="till", now=kit_now())
        finally:
            await db.dispose()
        app = create_app(settings, migrate=False)
        hub = app.state.hub
        async with running_server(app, settings) as server:
            port = bound_port(server)
            stalled = await stalled_counter(port, token)
            try:
                async with counter(f"ws://127.0.0.1:{port}/ws/till", token) as ws:
                    await wait_for_connections(hub, 2)
                    hub.publish(bulky_event(1))
                    assert (await next_event(ws))["id"] == 1
                    await wait_for_connections(hub, 1, limit_s=20 * PING_S)
                    assert await closed_by_server(stalled)
                    hub.publish(bulky_event(2))
                    assert (await next_event(ws))["id"] == 2
            finally:
                stalled.close()

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(scenario())


async def test_a_websocket_upgrade_with_a_header_over_8_kib_gets_431(live: LiveServer) -> None:
    """A handshake header line over websockets' 8 KiB limit is answered 431, not left hanging."""
    port = int(live.base_url.rsplit(":", 1)[1])
    request = (
        "GET /ws/counter HTTP/1.1\r\nHost: orderbell.test\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        f"Sec-WebSocket-Version: 13\r\nX-Padding: {'a' * 9000}\r\n\r\n"
    )
    async with raw(port) as client:
        client.send(request.encode())
        answer = await client.until_closed()
    assert status_of(answer) == 431


async def test_a_handshake_the_app_never_answers_is_dropped(
    tmp_path: Path, kit: MerchantKit
) -> None:
    """An upgrade the app neither accepts nor refuses is dropped after the handshake timeout."""
    never = asyncio.Event()

    async def stuck(websocket: WebSocket) -> None:
        await never.wait()

    app = Starlette(routes=[WebSocketRoute("/ws/{sid}", stuck)])
    app.state.hub = Hub(1)
    settings = kit_settings(tmp_path, kit, ORDERBELL_WS_HANDSHAKE_TIMEOUT_S="0.3")
    async with running_server(app, settings) as server:
        url = f"ws://127.0.0.1:{bound_port(server)}/ws/stuck"
        try:
            with pytest.raises((InvalidMessage, ConnectionError)):
                await connect(url, open_timeout=5)
        finally:
            never.set()  # the stuck handler may end, and the server stop at once


async def test_a_live_counter_protocol_keeps_its_attributes_in_slots(live: LiveServer) -> None:
    """No instance dict per connection: uvicorn's forty-odd attributes would make it ~1.5 KiB."""
    token = await live.device_token()
    async with counter(live.ws_url, token) as ws:
        await reach_live(live, ws)
        [protocol] = open_protocols()
        assert protocol.socket.detached
        assert vars(protocol) == {}
