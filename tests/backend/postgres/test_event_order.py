"""Event ids become visible in id order on PostgreSQL, across connections and instances."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from backend.store import (
    Database,
    Item,
    OrderView,
    PaymentFacts,
    PaymentResult,
    WriteTransaction,
    append_event,
    events_since,
    get_order,
    record_payment,
    submit_order,
)
from orderbell_protocol import Event, EventType
from tests.backend.postgres.helpers import eventually, open_transaction
from tests.conftest import SHOP_ZONE

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@pytest.fixture
async def instances(postgres_url: str) -> AsyncIterator[tuple[Database, Database]]:
    """Two engines on one database, as two server instances would have."""
    first, second = Database(postgres_url), Database(postgres_url)
    yield first, second
    await first.dispose()
    await second.dispose()


async def place(db: Database, shop_id: int = 1) -> OrderView:
    return await submit_order(
        db,
        user_id=7,
        shop_id=shop_id,
        items=[Item("米饭", 1, 200)],
        remark="",
        phone="13800138000",
        address="",
        now=NOW,
    )


async def remind_in(db: Database, order_id: int) -> Event:
    """Append a reminder event for the order in its own transaction on ``db``."""
    order = await get_order(db, shop_id=1, order_id=order_id)
    assert order is not None
    return await db.write(append_event, order, EventType.REMINDER, NOW, reminder_count=1)


async def lock_waiters(db: Database) -> int:
    """How many transactions wait for an advisory lock right now."""
    query = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    waiting = await db.read(lambda connection: connection.execute(query).scalar())
    return int(waiting or 0)


async def test_second_append_waits_for_the_first_to_commit(
    instances: tuple[Database, Database],
) -> None:
    """An append on another instance blocks until the open append commits, then gets a later id."""
    first_db, second_db = instances
    first_order, second_order = await place(first_db), await place(second_db)
    async with open_transaction(first_db) as connection:
        first = await connection.run_sync(
            lambda sync: append_event(
                WriteTransaction(sync), first_order, EventType.REMINDER, NOW, reminder_count=1
            )
        )
        second_append = asyncio.create_task(remind_in(second_db, second_order.id))
        await eventually(lambda: lock_waiters(second_db), "the second append to wait")
        assert not second_append.done()
        assert await events_since(second_db, 0) == []
    second = await second_append
    assert second.id > first.id
    assert [event.id for event in await events_since(second_db, 0)] == [first.id, second.id]


async def test_a_payment_on_another_instance_waits_for_an_open_append_to_commit(
    instances: tuple[Database, Database],
) -> None:
    """A payment, one statement in its own transaction, blocks on the log's lock while another
    instance's append is open, then gets a later id that becomes visible after the first."""
    first_db, second_db = instances
    first_order, second_order = await place(first_db), await place(second_db)
    facts = PaymentFacts(second_order.number, "4200" + "2" * 24, second_order.amount_fen, NOW)
    async with open_transaction(first_db) as connection:
        first = await connection.run_sync(
            lambda sync: append_event(
                WriteTransaction(sync), first_order, EventType.REMINDER, NOW, reminder_count=1
            )
        )
        payment = asyncio.create_task(record_payment(second_db, facts, NOW, zone=SHOP_ZONE))
        await eventually(lambda: lock_waiters(second_db), "the payment to wait for the lock")
        assert not payment.done()
        assert await events_since(second_db, 0) == []
    paid = await payment
    assert paid.event is not None
    assert paid.event.id > first.id
    assert [event.id for event in await events_since(second_db, 0)] == [first.id, paid.event.id]


async def test_cursor_reader_never_skips_an_event(instances: tuple[Database, Database]) -> None:
    """Payments racing on two instances: a reader following ids sees every event, in order."""
    first_db, second_db = instances
    orders = [await place(db) for db in (first_db, second_db) * 20]
    seen: list[int] = []
    writing = True

    async def follow() -> None:
        cursor = 0
        while True:
            was_writing = writing
            for event in await events_since(second_db, cursor):
                seen.append(event.id)
                cursor = event.id
            if not was_writing:
                return
            await asyncio.sleep(0)

    reader = asyncio.create_task(follow())
    outcomes = await asyncio.gather(
        *(
            record_payment(
                (first_db, second_db)[index % 2],
                PaymentFacts(order.number, f"4200{order.id:024d}", order.amount_fen, NOW),
                NOW,
                zone=SHOP_ZONE,
            )
            for index, order in enumerate(orders)
        )
    )
    writing = False
    await reader
    assert {outcome.result for outcome in outcomes} == {PaymentResult.PAID}
    assert seen == [event.id for event in await events_since(first_db, 0)]
    assert len(seen) == len(orders)
