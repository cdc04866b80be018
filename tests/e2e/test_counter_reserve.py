"""More counters than their share: payments still get through and ring the counters connected."""

from __future__ import annotations

import contextlib

import httpx
import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import InvalidStatus

from orderbell_protocol import EventType
from tests.backend.scrape import METRICS_TOKEN, scrape, value
from tests.conftest import LiveServer
from tests.e2e.helpers import counter, next_event, paid_order, simulator

COUNTER_SHARE = 4
RESERVED = 2
# As many counters again as the share: before the reserve they would fill the whole cap.
EXTRA_COUNTERS = RESERVED


@pytest.fixture
def live_overrides() -> dict[str, str]:
    """A total cap of six, two of them kept for plain HTTP; idle connections held long."""
    return {
        "ORDERBELL_MAX_CONNECTIONS": str(COUNTER_SHARE + RESERVED),
        "ORDERBELL_HTTP_RESERVED_CONNECTIONS": str(RESERVED),
        "ORDERBELL_HTTP_IDLE_TIMEOUT_S": "120",
        "ORDERBELL_METRICS_TOKEN": METRICS_TOKEN,
    }


async def connect_counters(
    live: LiveServer, stack: contextlib.AsyncExitStack, count: int
) -> tuple[list[ClientConnection], list[int]]:
    """``count`` counters try to connect: those admitted, and the statuses of those refused."""
    token = await live.device_token()
    admitted, refused = [], []
    for _ in range(count):
        try:
            admitted.append(await stack.enter_async_context(counter(live.ws_url, token)))
        except InvalidStatus as exc:
            refused.append(exc.response.status_code)
    return admitted, refused


async def test_a_payment_rings_the_counters_while_more_counters_are_refused(
    live: LiveServer,
) -> None:
    """Six counters for a share of four: two hear 503, the signed callback gets 200 and rings
    the four."""
    async with contextlib.AsyncExitStack() as stack:
        counters, refused = await connect_counters(live, stack, COUNTER_SHARE + EXTRA_COUNTERS)
        async with httpx.AsyncClient(base_url=live.base_url) as http:
            order = await paid_order(simulator(live, http))  # raises unless the callback is 200
            rung = [await next_event(ws) for ws in counters]
    assert refused == [503] * EXTRA_COUNTERS
    assert len(counters) == COUNTER_SHARE
    assert {(event["type"], event["orderNumber"]) for event in rung} == {
        (int(EventType.NEW_ORDER), order.number)
    }


async def test_the_scrape_shows_the_counters_at_their_limit(live: LiveServer) -> None:
    """/metrics: counters' streams open against their limit, and connections against the total."""
    async with contextlib.AsyncExitStack() as stack:
        await connect_counters(live, stack, COUNTER_SHARE + 1)
        async with httpx.AsyncClient(base_url=live.base_url) as http:
            samples = await scrape(http, live.base_url)
    assert value(samples, "orderbell_counter_streams_open") == COUNTER_SHARE
    assert value(samples, "orderbell_counter_streams_max") == COUNTER_SHARE
    assert value(samples, "orderbell_connections_max") == COUNTER_SHARE + RESERVED
    # The counters and the scrape's own connection (the refused one may not be let go yet).
    assert value(samples, "orderbell_connections_open") >= COUNTER_SHARE + 1
