"""The stream under stress: a counter that stops reading, and a server that shuts down."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from backend.app import create_app
from backend.devkit import MerchantKit
from backend.server import bound_port, running_server
from backend.store import Database, create_token, migrate_async
from orderbell_protocol import Event, EventType, OrderStatus, OrderSummary
from tests.conftest import LiveServer, kit_settings
from tests.e2e.helpers import counter, next_event, stalled_counter, wait_for_connections

QUEUE_LIMIT = 8


@pytest.fixture
def live_overrides() -> dict[str, str]:
    return {"ORDERBELL_WS_QUEUE_LIMIT": str(QUEUE_LIMIT), "ORDERBELL_WS_SEND_TIMEOUT_S": "1"}


def bulky_event(event_id: int, shop_id: int = 1) -> Event:
    """An event with a 16 KiB remark, so a reader that stalls fills its socket buffers fast."""
    return Event(
        id=event_id,
        type=EventType.NEW_ORDER,
        shop_id=shop_id,
        order_id=event_id,
        order_number=f"2026112600000{event_id:06d}",
        status=OrderStatus.TO_BE_CONFIRMED,
        amount_fen=100,
        created_at=datetime.now(UTC),
        order=OrderSummary(remark="x" * 16 * 1024),
    )


async def test_stalled_counter_does_not_delay_a_healthy_one(live: LiveServer) -> None:
    """A counter that stops reading is dropped; a healthy one gets every event meanwhile."""
    token = await live.device_token()
    port = int(live.base_url.rsplit(":", 1)[1])
    stalled = await stalled_counter(port, token)
    try:
        async with counter(live.ws_url, token) as healthy:
            await wait_for_connections(live.hub, 2)
            received = []
            for event_id in range(1, 3001):
                live.hub.publish(bulky_event(event_id))
                received.append((await next_event(healthy))["id"])
                if live.hub.connection_count == 1:
                    break
            assert live.hub.connection_count == 1, "the stalled counter was never dropped"
            assert received == list(range(1, len(received) + 1))
            assert live.hub.dropped == 1
    finally:
        stalled.close()


async def test_stalled_counter_buffer_stays_bounded(live: LiveServer) -> None:
    """However many events pile up, a stalled counter never holds more than the queue limit."""
    token = await live.device_token()
    port = int(live.base_url.rsplit(":", 1)[1])
    stalled = await stalled_counter(port, token)
    try:
        await wait_for_connections(live.hub, 1)
        subscriber = next(iter(live.hub._shops[1]))
        for event_id in range(1, 2001):
            live.hub.publish(bulky_event(event_id))
            assert subscriber.pending <= QUEUE_LIMIT
        await wait_for_connections(live.hub, 0)
    finally:
        stalled.close()


async def test_shutdown_closes_counters_with_1001(tmp_path: Path, kit: MerchantKit) -> None:
    """Stopping the server tells each connected counter 'going away' (1001)."""
    settings = kit_settings(tmp_path, kit)
    await migrate_async(settings.database_url)
    db = Database(settings.database_url)
    try:
        _, token = await create_token(db, shop_id=1, name="till", now=datetime.now(UTC))
    finally:
        await db.dispose()
    app = create_app(settings, migrate=False)
    async with running_server(app, settings) as server:
        url = f"ws://127.0.0.1:{bound_port(server)}/ws/till"
        ws = await connect(url, additional_headers={"Authorization": f"Bearer {token}"})
        server.should_exit = True
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1001
