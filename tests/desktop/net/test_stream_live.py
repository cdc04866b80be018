"""The event stream against a real backend: receive, catch up with since=, token rejection,
a server whose counters are at their limit."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import pytest

from backend.store import create_token, revoke_token
from desktop.core.cursor import CursorStore
from desktop.net import LinkState
from orderbell_protocol import EventType
from tests.conftest import LiveServer
from tests.desktop.net.helpers import WAIT_S, CountingBackoff, Recorder, make_stream, running
from tests.e2e.helpers import counter, paid_order, simulator

# Long enough for a wrongly scheduled retry (the backoff asks for 0.02 s) to show up.
NO_RETRY_WINDOW_S = 0.5


async def test_paid_order_reaches_on_event_and_saves_cursor(
    live: LiveServer, http: httpx.AsyncClient, cursor: CursorStore, recorder: Recorder
) -> None:
    """A paid order arrives as a type-1 Event and its id is saved as the cursor."""
    token = await live.device_token()
    stream = make_stream(live.ws_url, token, cursor, recorder)
    async with running(stream):
        await recorder.until_state(LinkState.CONNECTED)
        order = await paid_order(simulator(live, http))
        await recorder.until_events(1)
    [event] = recorder.events
    assert event.type is EventType.NEW_ORDER
    assert event.order_number == order.number
    assert event.order_id == order.id
    assert cursor.load() == event.id
    assert stream.last_event_id == event.id
    assert stream.last_connected_at is not None
    assert stream.last_error is None


async def test_orders_paid_while_off_are_announced_at_start_up(
    live: LiveServer, http: httpx.AsyncClient, cursor: CursorStore, recorder: Recorder
) -> None:
    """With a saved cursor, start-up asks since= and gets exactly the orders paid meanwhile."""
    token = await live.device_token()
    sim = simulator(live, http)
    first = make_stream(live.ws_url, token, cursor, recorder)
    async with running(first):
        await recorder.until_state(LinkState.CONNECTED)
        before = await paid_order(sim)
        await recorder.until_events(1)
    assert cursor.load() == recorder.events[0].id

    missed = [await paid_order(sim), await paid_order(sim)]
    later = Recorder()
    second = make_stream(live.ws_url, token, cursor, later)
    async with running(second):
        await later.until_events(2)
        await later.until_state(LinkState.CONNECTED)
        # A third, live order proves the replay is over and nothing else was queued before it.
        live_order = await paid_order(sim)
        await later.until_events(3)
    numbers = [event.order_number for event in later.events]
    assert numbers == [missed[0].number, missed[1].number, live_order.number]
    assert before.number not in numbers
    assert cursor.load() == later.events[-1].id


async def test_bogus_token_is_rejected_without_retrying(
    live: LiveServer, cursor: CursorStore, recorder: Recorder
) -> None:
    """A token the server does not know parks the stream in TOKEN_REJECTED; no retry loop."""
    backoff = CountingBackoff()
    stream = make_stream(live.ws_url, "not-a-real-token", cursor, recorder, backoff=backoff)
    async with running(stream):
        await recorder.until_state(LinkState.TOKEN_REJECTED)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(backoff.asked.wait(), NO_RETRY_WINDOW_S)
        assert recorder.states == [LinkState.CONNECTING, LinkState.TOKEN_REJECTED]
        assert backoff.requests == 0  # never asked for a retry delay
        assert stream.last_error is not None
        assert "token" in stream.last_error


async def test_new_settings_leave_token_rejected(
    live: LiveServer, cursor: CursorStore, recorder: Recorder
) -> None:
    """update(url, token) after a rejection connects with the new token."""
    stream = make_stream(live.ws_url, "not-a-real-token", cursor, recorder)
    async with running(stream):
        await recorder.until_state(LinkState.TOKEN_REJECTED)
        stream.update(live.ws_url, await live.device_token())
        await recorder.until_state(LinkState.CONNECTED)
    assert recorder.states[:4] == [
        LinkState.CONNECTING,
        LinkState.TOKEN_REJECTED,
        LinkState.CONNECTING,
        LinkState.CONNECTED,
    ]


async def test_revoked_token_is_rejected(
    live: LiveServer, cursor: CursorStore, recorder: Recorder
) -> None:
    """A token revoked on the server moves the stream to TOKEN_REJECTED."""
    device, token = await create_token(live.db, shop_id=1, name="till", now=live.clock.datetime())
    assert await revoke_token(live.db, device.id, live.clock.datetime())
    stream = make_stream(live.ws_url, token, cursor, recorder)
    async with running(stream):
        await recorder.until_state(LinkState.TOKEN_REJECTED)
    assert LinkState.CONNECTED not in recorder.states


@pytest.mark.parametrize(
    "live_overrides",
    [{"ORDERBELL_MAX_CONNECTIONS": "5", "ORDERBELL_HTTP_RESERVED_CONNECTIONS": "2"}],
    ids=["three-counters"],
)
async def test_a_counter_refused_at_the_limit_connects_once_a_place_frees(
    live: LiveServer, http: httpx.AsyncClient, cursor: CursorStore, recorder: Recorder
) -> None:
    """Counters at their limit: the stream retries through the 503s, and once another counter
    leaves it connects and hears the next order."""
    token = await live.device_token()
    backoff = CountingBackoff()
    stream = make_stream(live.ws_url, token, cursor, recorder, backoff=backoff)
    async with contextlib.AsyncExitStack() as stack:
        held = [await stack.enter_async_context(counter(live.ws_url, token)) for _ in range(3)]
        async with running(stream):
            for _ in range(2):  # refused, and tried again
                backoff.asked.clear()
                await asyncio.wait_for(backoff.asked.wait(), WAIT_S)
            assert LinkState.CONNECTED not in recorder.states
            assert stream.last_error is not None
            assert "503" in stream.last_error
            await held[0].close()
            await recorder.until_state(LinkState.CONNECTED)
            order = await paid_order(simulator(live, http))
            await recorder.until_events(1)
    assert recorder.events[0].order_number == order.number
