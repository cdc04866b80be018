"""The event stream across a server restart: reconnect, catch up, nothing lost or repeated."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from backend.app import create_app
from backend.devkit import MerchantKit
from backend.server import bound_port, running_server
from backend.settings import Settings
from backend.simulator import SimulatedOrder, Simulator
from backend.store import Database, create_token, migrate_async
from desktop.core.cursor import CursorStore
from desktop.net import LinkState
from tests.conftest import FakeClock, kit_settings
from tests.desktop.net.helpers import CountingBackoff, Recorder, make_stream, running
from tests.e2e.helpers import paid_order

# Long enough that the test, not the backoff, decides when the retry happens.
SLOW_RETRY_S = 60.0


class RestartableServer:
    """One database and one port; the server on it can be stopped and started again."""

    def __init__(self, settings: Settings, clock: FakeClock, kit: MerchantKit) -> None:
        self.settings = settings
        self.clock = clock
        self.kit = kit
        self.port = 0
        self._running = contextlib.AsyncExitStack()

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/counter"

    async def start(self) -> Simulator:
        """Serve a fresh app (same database, same port after the first start)."""
        stack = contextlib.AsyncExitStack()
        app = create_app(self.settings, clock=self.clock, migrate=False)
        server = await stack.enter_async_context(running_server(app, self.settings, port=self.port))
        self.port = bound_port(server)
        client = await stack.enter_async_context(
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.port}")
        )
        self._running = stack
        return Simulator(self.kit, client, clock=self.clock)

    async def stop(self) -> None:
        """Shut the server down (counters hear 1001)."""
        await self._running.aclose()

    async def device_token(self) -> str:
        db = Database(self.settings.database_url)
        try:
            _, token = await create_token(db, shop_id=1, name="till", now=self.clock.datetime())
        finally:
            await db.dispose()
        return token


@pytest.fixture
async def server(
    tmp_path: Path, kit: MerchantKit, clock: FakeClock
) -> AsyncIterator[RestartableServer]:
    settings = kit_settings(tmp_path, kit)
    await migrate_async(settings.database_url)
    restartable = RestartableServer(settings, clock, kit)
    try:
        yield restartable
    finally:
        await restartable.stop()


async def test_server_restart_loses_and_repeats_nothing(
    server: RestartableServer, cursor: CursorStore, recorder: Recorder
) -> None:
    """Orders paid before and after a restart arrive once each, in order; the link comes back."""
    token = await server.device_token()
    sim = await server.start()
    stream = make_stream(server.ws_url, token, cursor, recorder)
    paid: list[SimulatedOrder] = []
    async with running(stream):
        await recorder.until_state(LinkState.CONNECTED)
        paid += [await paid_order(sim), await paid_order(sim)]
        await recorder.until_events(2)

        await server.stop()
        await recorder.until_state(LinkState.DISCONNECTED)
        sim = await server.start()
        await recorder.until_state(LinkState.CONNECTED, occurrences=2)

        paid += [await paid_order(sim), await paid_order(sim)]
        await recorder.until_events(4)
    assert [event.order_number for event in recorder.events] == [order.number for order in paid]
    ids = [event.id for event in recorder.events]
    assert ids == sorted(set(ids))
    assert recorder.states[:4] == [
        LinkState.CONNECTING,
        LinkState.CONNECTED,
        LinkState.DISCONNECTED,
        LinkState.CONNECTED,
    ]
    assert cursor.load() == ids[-1]


async def test_orders_paid_during_an_outage_arrive_on_reconnect(
    server: RestartableServer, cursor: CursorStore, recorder: Recorder
) -> None:
    """reconnect() during the backoff pause connects at once and replays what was missed."""
    token = await server.device_token()
    sim = await server.start()
    backoff = CountingBackoff(delay_s=SLOW_RETRY_S)
    stream = make_stream(server.ws_url, token, cursor, recorder, backoff=backoff)
    async with running(stream):
        await recorder.until_state(LinkState.CONNECTED)
        paid = [await paid_order(sim)]
        await recorder.until_events(1)

        await server.stop()
        await recorder.until_state(LinkState.DISCONNECTED)
        sim = await server.start()
        # The counter is still waiting out its backoff: these are paid while it is away.
        paid += [await paid_order(sim), await paid_order(sim)]
        assert len(recorder.events) == 1
        stream.reconnect()
        await recorder.until_events(3)
    assert [event.order_number for event in recorder.events] == [order.number for order in paid]
    assert recorder.states[:5] == [
        LinkState.CONNECTING,
        LinkState.CONNECTED,
        LinkState.DISCONNECTED,
        LinkState.CONNECTING,
        LinkState.CONNECTED,
    ]
