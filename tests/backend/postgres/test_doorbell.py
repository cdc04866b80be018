"""The PostgreSQL doorbell: NOTIFY on commit, LISTEN on a dedicated connection, reconnection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from backend.doorbell import (
    APPLICATION_NAME,
    Doorbell,
    connect_options,
    parse_notification,
    reconnect_delays,
)
from backend.hub import Dispatcher, Frame, Hub
from backend.store import (
    EVENTS_CHANNEL,
    Database,
    Item,
    PaymentFacts,
    WriteTransaction,
    append_event,
    events_since,
    get_order,
    notification_payload,
    record_payment,
    submit_order,
)
from orderbell_protocol import Event, EventType
from tests.backend.postgres.helpers import (
    RecordingBell,
    SilentNetwork,
    eventually,
    open_transaction,
)
from tests.conftest import SHOP_ZONE
from tests.pg import PostgresCluster

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
MARKER_ID = 10**12


def fast_delays() -> Iterator[float]:
    """Reconnect at once: the tests wait on conditions, not on backoff."""
    while True:
        yield 0.01


@pytest.fixture
async def db(postgres_url: str) -> AsyncIterator[Database]:
    """The engine of 'another instance' that commits events."""
    database = Database(postgres_url)
    yield database
    await database.dispose()


@pytest.fixture
async def listening(db: Database) -> AsyncIterator[tuple[Doorbell, RecordingBell]]:
    """A running doorbell on the test database, and the bell it rings."""
    bell = RecordingBell()
    doorbell = Doorbell(connect_options(db.engine), bell, backoff=fast_delays)
    task = asyncio.create_task(doorbell.run())
    try:
        await asyncio.wait_for(doorbell.connected.wait(), 5)
        yield doorbell, bell
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def pay_new_order(db: Database) -> Event:
    order = await submit_order(
        db,
        user_id=7,
        shop_id=3,
        items=[Item("米饭", 1, 200)],
        remark="",
        phone="13800138000",
        address="",
        now=NOW,
    )
    facts = PaymentFacts(order.number, f"4200{order.id:024d}", order.amount_fen, NOW)
    event = (await record_payment(db, facts, NOW, zone=SHOP_ZONE)).event
    assert event is not None
    return event


async def send_marker(db: Database) -> None:
    """A NOTIFY committed now: once it is heard, every earlier commit's NOTIFY was too."""
    notify = text("SELECT pg_notify(:channel, :payload)")
    payload = {"channel": EVENTS_CHANNEL, "payload": notification_payload(0, MARKER_ID)}
    await db.write(lambda transaction: transaction.execute(notify, payload))


async def terminate_listener(db: Database) -> int:
    """Kill the doorbell's server process, as a database restart would; returns how many."""
    terminate = text(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE application_name = :name AND datname = current_database()"
    )
    return await db.write(
        lambda transaction: len(transaction.execute(terminate, {"name": APPLICATION_NAME}).all())
    )


@pytest.mark.postgres
async def test_doorbell_rings_once_it_listens(
    listening: tuple[Doorbell, RecordingBell],
) -> None:
    """On connecting the doorbell rings, so events committed before LISTEN are read."""
    _, bell = listening
    assert bell.rings == 1


@pytest.mark.postgres
async def test_event_committed_elsewhere_is_heard(
    db: Database, listening: tuple[Doorbell, RecordingBell]
) -> None:
    """A payment committed through another engine reaches the doorbell with its event id."""
    _, bell = listening
    event = await pay_new_order(db)
    await eventually(lambda: bell.heard_ids, "the notification")
    assert bell.heard_ids == [event.id]


@pytest.mark.postgres
async def test_event_is_announced_at_commit_not_before(
    db: Database, listening: tuple[Doorbell, RecordingBell]
) -> None:
    """While the appending transaction is open its event is unheard; its commit announces it."""
    _, bell = listening
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
    async with open_transaction(db) as connection:
        event = await connection.run_sync(
            lambda sync: append_event(
                WriteTransaction(sync), order, EventType.REMINDER, NOW, reminder_count=1
            )
        )
        await send_marker(db)
        await eventually(lambda: MARKER_ID in bell.heard_ids, "the marker")
        assert event.id not in bell.heard_ids
    await eventually(lambda: event.id in bell.heard_ids, "the committed event")


@pytest.mark.postgres
async def test_rolled_back_event_is_never_announced(
    db: Database, listening: tuple[Doorbell, RecordingBell]
) -> None:
    """An append whose transaction rolls back sends no notification."""
    _, bell = listening
    first = await pay_new_order(db)
    order = await get_order(db, shop_id=first.shop_id, order_id=first.order_id)
    assert order is not None

    def append_then_fail(transaction: WriteTransaction) -> None:
        append_event(transaction, order, EventType.ORDER_UPDATED, NOW, reason="test")
        raise RuntimeError("handler failed")

    with pytest.raises(RuntimeError, match="handler failed"):
        await db.write(append_then_fail)
    await send_marker(db)
    await eventually(lambda: MARKER_ID in bell.heard_ids, "the marker")
    assert bell.heard_ids == [first.id, MARKER_ID]


@pytest.mark.postgres
async def test_doorbell_reconnects_and_rings_after_losing_its_connection(
    db: Database, listening: tuple[Doorbell, RecordingBell]
) -> None:
    """When its server process dies the doorbell reconnects, rings again and hears new events."""
    doorbell, bell = listening
    assert await terminate_listener(db) == 1
    await eventually(lambda: doorbell.reconnections == 1, "the reconnection")
    await asyncio.wait_for(doorbell.connected.wait(), 5)
    await eventually(lambda: bell.rings == 2, "the catch-up ring")
    event = await pay_new_order(db)
    await eventually(lambda: event.id in bell.heard_ids, "the next event")


@pytest.mark.postgres
async def test_silently_dropped_connection_is_noticed_and_replaced(
    db: Database, postgres_cluster: PostgresCluster
) -> None:
    """A path that stops passing bytes, without any error, fails the health check: reconnect."""
    bell = RecordingBell()
    async with SilentNetwork(postgres_cluster.port) as network:
        options = connect_options(db.engine) | {"host": "127.0.0.1", "port": network.port}
        doorbell = Doorbell(options, bell, backoff=fast_delays, check_every_s=0.05, timeout_s=0.2)
        task = asyncio.create_task(doorbell.run())
        try:
            await asyncio.wait_for(doorbell.connected.wait(), 5)
            network.silence()
            await eventually(lambda: doorbell.reconnections == 1, "the health check to fail")
            await asyncio.wait_for(doorbell.connected.wait(), 5)
            event = await pay_new_order(db)
            await eventually(lambda: event.id in bell.heard_ids, "the event on the new path")
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    assert bell.rings == 2


@pytest.mark.postgres
async def test_events_committed_while_deaf_are_delivered_after_reconnecting(
    db: Database, postgres_url: str, postgres_cluster: PostgresCluster
) -> None:
    """Events committed while the doorbell cannot connect reach the hub once it is back."""
    hub = Hub(16)

    async def read_after(after_id: int) -> list[Event]:
        return await events_since(db, after_id)

    dispatcher = Dispatcher(hub, read_after, 0)
    doorbell = Doorbell(connect_options(db.engine), dispatcher, backoff=fast_delays)
    name = postgres_url.rsplit("/", 1)[1]
    tasks = [asyncio.create_task(dispatcher.run()), asyncio.create_task(doorbell.run())]
    try:
        with hub.subscribe(3) as counter:
            await asyncio.wait_for(doorbell.connected.wait(), 5)
            # Delivered live; it also leaves a pooled connection open for the payments below.
            live = await pay_new_order(db)
            await eventually(lambda: dispatcher.last_id == live.id, "the live event")
            await postgres_cluster.admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            await terminate_listener(db)
            await eventually(lambda: not doorbell.connected.is_set(), "the doorbell to go deaf")
            missed = [await pay_new_order(db) for _ in range(3)]
            await postgres_cluster.admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            await eventually(lambda: dispatcher.last_id == missed[-1].id, "the catch-up")
            frames: list[Frame] = []
            while counter.pending:
                frames.extend(await counter.next_frames())
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    assert [frame.event_id for frame in frames] == [live.id, *(e.id for e in missed)]


def test_notification_payload_round_trips() -> None:
    """What append_event sends is what the doorbell reads: the shop and the event id."""
    assert parse_notification(notification_payload(3, 42)) == (3, 42)


@pytest.mark.parametrize(
    "payload", ["", "42", "not json", "[1, 2]", '{"shopId": 1}', '{"shopId": "1", "id": 2}']
)
def test_foreign_notifications_are_not_events(payload: str) -> None:
    """Anything but our JSON object with integer shopId and id is refused."""
    assert parse_notification(payload) is None


def test_reconnect_delays_double_up_to_the_cap() -> None:
    """Backoff starts small and doubles, never beyond the cap."""
    delays = reconnect_delays(0.1, 1.0)
    assert [next(delays) for _ in range(6)] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]


def test_connect_options_name_the_listening_connection() -> None:
    """The dedicated connection is recognisable in pg_stat_activity, and keeps URL options."""
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine("postgresql+asyncpg://bell:pw@db.example:6432/orders?ssl=require")
    options = connect_options(engine)
    assert options["server_settings"] == {"application_name": APPLICATION_NAME}
    assert (options["host"], options["port"], options["database"]) == ("db.example", 6432, "orders")
    assert (options["user"], options["password"], options["ssl"]) == ("bell", "pw", "require")
