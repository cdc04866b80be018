"""The counter's reply to a customer's reminder: one conditional UPDATE and its type-3 event."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from backend.store import (
    Database,
    OrderView,
    ReplyResult,
    accept_order,
    events_since,
    get_order_by_id,
    remind_order,
    reply_to_reminder,
)
from orderbell_protocol import EventType, OrderStatus

OrderStep = Callable[..., Awaitable[OrderView]]


async def reminded(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> OrderView:
    """A paid order of shop 1 its customer (user 7) has hurried."""
    order = await pay_order(await place_order())
    outcome = await remind_order(
        db, order_id=order.id, user_id=order.user_id, now=now + timedelta(minutes=5), cooldown_s=60
    )
    assert outcome.order is not None
    return outcome.order


async def test_reply_is_stored_and_logged_without_changing_the_status(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """The reply and its time are stored; the type-3 event carries it, status still 2."""
    order = await reminded(db, place_order, pay_order, now)
    at = now + timedelta(minutes=6)
    outcome = await reply_to_reminder(db, shop_id=1, order_id=order.id, reply="马上出餐", now=at)
    assert outcome.result is ReplyResult.REPLIED
    stored = await get_order_by_id(db, order.id)
    assert stored is not None
    assert (stored.reminder_reply, stored.reminder_replied_at, stored.status) == (
        "马上出餐",
        at,
        OrderStatus.TO_BE_CONFIRMED,
    )
    last = (await events_since(db, 0))[-1]
    assert (last.type, last.reminder_reply, last.status) == (
        EventType.ORDER_UPDATED,
        "马上出餐",
        OrderStatus.TO_BE_CONFIRMED,
    )


async def test_a_later_reply_replaces_the_earlier_one(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """An accepted order can be answered again; the customer reads the latest words."""
    order = await reminded(db, place_order, pay_order, now)
    await reply_to_reminder(db, shop_id=1, order_id=order.id, reply="已在制作", now=now)
    await accept_order(db, shop_id=1, order_id=order.id, now=now)
    outcome = await reply_to_reminder(db, shop_id=1, order_id=order.id, reply="骑手已取餐", now=now)
    assert outcome.order is not None
    assert (outcome.order.reminder_reply, outcome.order.status) == (
        "骑手已取餐",
        OrderStatus.CONFIRMED,
    )


async def test_another_shops_order_is_not_found_and_unchanged(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """A counter of shop 2 cannot answer shop 1's order; no event is logged."""
    order = await reminded(db, place_order, pay_order, now)
    before = await events_since(db, 0)
    outcome = await reply_to_reminder(db, shop_id=2, order_id=order.id, reply="好", now=now)
    assert (outcome.result, outcome.order) == (ReplyResult.NOT_FOUND, None)
    assert await events_since(db, 0) == before


async def test_an_order_nobody_hurried_is_not_reminded(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """Before any reminder there is nothing to answer."""
    order = await pay_order(await place_order())
    outcome = await reply_to_reminder(db, shop_id=1, order_id=order.id, reply="好", now=now)
    assert outcome.result is ReplyResult.NOT_REMINDED
    assert outcome.order is not None
    assert outcome.order.reminder_reply is None
