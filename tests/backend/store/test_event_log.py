"""Tests of the event log that counters replay from."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import pytest
from sqlalchemy import delete

from backend.store import (
    Database,
    EventRow,
    OrderView,
    WriteTransaction,
    append_event,
    events_after,
    events_since,
    last_event_id,
)
from orderbell_protocol import EventType

OrderStep = Callable[..., Awaitable[OrderView]]


async def test_events_after_is_one_shop_oldest_first(
    db: Database, place_order: OrderStep, pay_order: OrderStep
) -> None:
    """A shop's replay holds only its own events, ascending, after the cursor."""
    shop1 = [await pay_order(await place_order(shop_id=1)) for _ in range(3)]
    await pay_order(await place_order(shop_id=2))
    events = await events_after(db, 1, 0)
    assert [event.order_id for event in events] == [order.id for order in shop1]
    assert [event.id for event in events] == sorted(event.id for event in events)
    assert {event.shop_id for event in events} == {1}
    assert await events_after(db, 1, events[1].id) == events[2:]


async def test_events_after_respects_the_limit(
    db: Database, place_order: OrderStep, pay_order: OrderStep
) -> None:
    """At most limit events come back, the oldest ones."""
    for _ in range(3):
        await pay_order(await place_order())
    assert [event.id for event in await events_after(db, 1, 0, limit=2)] == [1, 2]


async def test_events_since_covers_every_shop(
    db: Database, place_order: OrderStep, pay_order: OrderStep
) -> None:
    """The dispatcher's read returns all shops' events after the id, in id order."""
    for shop_id in (1, 2, 3):
        await pay_order(await place_order(shop_id=shop_id))
    events = await events_since(db, 1)
    assert [(event.id, event.shop_id) for event in events] == [(2, 2), (3, 3)]
    assert await events_since(db, 3) == []


async def test_last_event_id_follows_the_log(
    db: Database, place_order: OrderStep, pay_order: OrderStep
) -> None:
    """last_event_id is 0 for an empty log and the newest id afterwards."""
    assert await last_event_id(db) == 0
    await pay_order(await place_order())
    await pay_order(await place_order())
    assert await last_event_id(db) == 2


async def test_event_ids_are_never_reused(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """After the newest event row is deleted, the next event still gets a higher id."""
    order = await pay_order(await place_order())
    await db.write(lambda transaction: transaction.execute(delete(EventRow)))
    event = await db.write(append_event, order, EventType.REMINDER, now, reminder_count=1)
    assert event.id == 2


async def test_rolled_back_change_leaves_no_event(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """An event appended in a transaction that rolls back is never seen."""
    order = await pay_order(await place_order())

    def append_then_fail(transaction: WriteTransaction) -> None:
        append_event(transaction, order, EventType.ORDER_UPDATED, now, reason="test")
        raise RuntimeError("handler failed after appending")

    with pytest.raises(RuntimeError, match="handler failed"):
        await db.write(append_then_fail)
    assert await last_event_id(db) == 1
