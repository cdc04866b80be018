"""Round trips to PostgreSQL per paid callback, counted on the wire, with one and two instances.

The figure is what a payment costs the servers in database hops, whatever the machine's load:
every exchange ends in a ReadyForQuery, counted by a relay in front of the test server. Each
window pays several orders one after another, each until every counter has its event; the
best of a few windows is taken, so a background task's query (the safety poll, the last-seen
flush) that happens to fall into one window cannot fail the test.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from backend.store import (
    Database,
    Item,
    OrderView,
    append_event,
    create_token,
    migrate_async,
    record_last_seen,
    submit_order,
)
from backend.store.presence import Presence, present_counters, write_presence
from orderbell_protocol import EventType
from tests.backend.postgres.conftest import Serve
from tests.backend.postgres.helpers import Instance
from tests.backend.postgres.wire import RoundTrips, counting_relay
from tests.e2e.helpers import counter, next_event, simulator
from tests.pg import PostgresCluster

pytestmark = pytest.mark.postgres

WINDOW = 4
WINDOWS = 6
WARM_UP = 3
# The payment is one statement in its own implicit transaction: the order's UPDATE, the shop's
# daily counter, the order's number, the log's lock, the event's INSERT and its NOTIFY, then
# the commit, with no BEGIN or COMMIT round trip. The committing instance hands its event over
# without reading it back, even when its own notification arrives first. Another instance
# reads it once, without BEGIN.
ONE_INSTANCE_BUDGET = 1
TWO_INSTANCE_BUDGET = 2
# A transaction that only appends an event: BEGIN, the append, COMMIT. The log's lock is held
# for the last two of them, never while the event loop sends a second statement.
APPEND_BUDGET = 3
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@pytest.fixture
async def relay(postgres_cluster: PostgresCluster) -> AsyncIterator[tuple[int, RoundTrips]]:
    async with counting_relay(postgres_cluster.port) as counting:
        yield counting


@pytest.fixture
async def postgres_url(
    postgres_cluster: PostgresCluster, relay: tuple[int, RoundTrips]
) -> AsyncIterator[str]:
    """The test's own database, reached through the counting relay."""
    async with postgres_cluster.database() as url:
        yield url.replace(f":{postgres_cluster.port}/", f":{relay[0]}/")


@contextlib.asynccontextmanager
async def counters_on(instances: list[Instance]) -> AsyncIterator[list[Any]]:
    """One counter connected to each instance."""
    async with contextlib.AsyncExitStack() as stack:
        connected = []
        for instance in instances:
            token = await instance.device_token()
            connected.append(await stack.enter_async_context(counter(instance.ws_url, token)))
        yield connected


async def trips_per_payment(payer: Instance, listeners: list[Instance], trips: RoundTrips) -> float:
    """The fewest round trips per paid callback over a few windows of payments."""
    best = math.inf
    async with (
        httpx.AsyncClient(base_url=payer.base_url) as http,
        counters_on(listeners) as counters,
    ):
        sim = simulator(payer, http)
        for _ in range(WARM_UP):  # the pool's connections and prepared statements
            await sim.pay(await sim.submit())
            for ws in counters:
                await next_event(ws)
        for _ in range(WINDOWS):
            orders = [await sim.submit() for _ in range(WINDOW)]
            before = trips.count
            for order in orders:
                await sim.pay(order)
                for ws in counters:
                    assert (await next_event(ws))["orderNumber"] == order.number
            best = min(best, (trips.count - before) / WINDOW)
    return best


async def test_one_instance_pays_within_its_round_trip_budget(
    serve: Serve, relay: tuple[int, RoundTrips]
) -> None:
    """A paid callback on one instance costs at most the budgeted round trips."""
    async with serve("a") as a:
        per_payment = await trips_per_payment(a, [a], relay[1])
    print(f"one instance: {per_payment:.2f} round trips per paid callback")
    assert per_payment <= ONE_INSTANCE_BUDGET


async def test_two_instances_pay_within_their_round_trip_budget(
    serve: Serve, relay: tuple[int, RoundTrips]
) -> None:
    """Paid through A with counters on A and B: both instances' round trips within budget."""
    async with serve("a") as a, serve("b") as b:
        per_payment = await trips_per_payment(a, [a, b], relay[1])
    print(f"two instances: {per_payment:.2f} round trips per paid callback")
    assert per_payment <= TWO_INSTANCE_BUDGET


async def test_an_append_locks_inserts_and_notifies_in_one_round_trip(
    postgres_url: str, relay: tuple[int, RoundTrips]
) -> None:
    """Appending an event costs BEGIN, one statement and COMMIT: the lock spans two round trips."""
    await migrate_async(postgres_url)
    db = Database(postgres_url)
    try:
        order = await submit_order(
            db,
            user_id=7,
            shop_id=1,
            items=[Item("米饭", 1, 200)],
            remark="",
            phone="13800138000",
            address="",
            now=NOW,
        )

        async def remind(order: OrderView) -> int:
            before = relay[1].count
            await db.write(append_event, order, EventType.REMINDER, NOW, reminder_count=1)
            return relay[1].count - before

        await remind(order)  # the pool's connection and the prepared statement
        assert await remind(order) == APPEND_BUDGET
    finally:
        await db.dispose()


async def test_presence_and_last_seen_each_cost_one_round_trip(
    postgres_url: str, relay: tuple[int, RoundTrips]
) -> None:
    """A presence heartbeat with a changed counter, the presence read and the last-seen flush
    are each one round trip: no BEGIN or COMMIT, no transaction open between statements."""
    db = Database(postgres_url)
    try:
        token, _secret = await create_token(db, shop_id=1, name="前台", now=NOW)
        connected = [Presence(token.id, 1, 1, NOW, None)]

        async def trips(step: Callable[[int], Awaitable[object]]) -> int:
            await step(0)  # the pool's connection and the prepared statements
            before = relay[1].count
            await step(1)
            return relay[1].count - before

        async def heartbeat(n: int) -> None:
            await write_presence(db, "a", NOW + timedelta(seconds=n), changed=connected)

        async def flush(n: int) -> None:
            assert await record_last_seen(db, [token.id], NOW + timedelta(seconds=n)) == 1

        async def read(_n: int) -> None:
            assert len(await present_counters(db, NOW)) == 1

        # The heartbeat's upsert of the instance row, then the counter's: two statements.
        assert await trips(heartbeat) == 2
        assert await trips(flush) == 1
        assert await trips(read) == 1
    finally:
        await db.dispose()
