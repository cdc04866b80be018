"""Tests of customers hurrying their orders (催单)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from backend.store import (
    Database,
    OrderView,
    ReminderResult,
    accept_order,
    events_since,
    reject_order,
    remind_order,
)
from orderbell_protocol import EventType, OrderStatus

OrderStep = Callable[..., Awaitable[OrderView]]
COOLDOWN_S = 60


async def test_reminder_logs_an_event_with_count_and_waiting_time(
    db: Database, place_order: OrderStep, pay_order: OrderStep
) -> None:
    """The first reminder is logged as type 2 with count 1 and the seconds since payment."""
    order = await pay_order(await place_order())
    assert order.paid_at is not None
    now = order.paid_at + timedelta(minutes=5, seconds=30)
    outcome = await remind_order(db, order_id=order.id, user_id=7, now=now, cooldown_s=COOLDOWN_S)
    assert outcome.result is ReminderResult.REMINDED
    assert outcome.order is not None
    assert (outcome.order.reminder_count, outcome.order.last_reminded_at) == (1, now)
    assert outcome.event is not None
    assert (outcome.event.type, outcome.event.reminder_count, outcome.event.waited_seconds) == (
        EventType.REMINDER,
        1,
        330,
    )
    assert (await events_since(db, 0))[-1] == outcome.event


async def test_reminder_within_the_cooldown_says_when_to_retry(
    db: Database, place_order: OrderStep, pay_order: OrderStep
) -> None:
    """A second tap 20.5 s later is TOO_SOON, retry after 40 s, and logs nothing."""
    order = await pay_order(await place_order())
    assert order.paid_at is not None
    first = order.paid_at + timedelta(minutes=1)
    await remind_order(db, order_id=order.id, user_id=7, now=first, cooldown_s=COOLDOWN_S)
    outcome = await remind_order(
        db,
        order_id=order.id,
        user_id=7,
        now=first + timedelta(seconds=20.5),
        cooldown_s=COOLDOWN_S,
    )
    assert (outcome.result, outcome.retry_after_s, outcome.event) == (
        ReminderResult.TOO_SOON,
        40,
        None,
    )
    assert outcome.order is not None
    assert outcome.order.reminder_count == 1
    assert len(await events_since(db, 0)) == 2


async def test_retry_after_is_at_least_one_second(
    db: Database, place_order: OrderStep, pay_order: OrderStep
) -> None:
    """Just before the cooldown ends the wait is rounded up to one second, never zero."""
    order = await pay_order(await place_order())
    assert order.paid_at is not None
    first = order.paid_at
    await remind_order(db, order_id=order.id, user_id=7, now=first, cooldown_s=COOLDOWN_S)
    almost = first + timedelta(seconds=COOLDOWN_S, microseconds=-1)
    outcome = await remind_order(db, order_id=order.id, user_id=7, now=almost, cooldown_s=60)
    assert (outcome.result, outcome.retry_after_s) == (ReminderResult.TOO_SOON, 1)


async def test_reminder_after_the_cooldown_counts_up(
    db: Database, place_order: OrderStep, pay_order: OrderStep
) -> None:
    """Once the cooldown has passed the next reminder goes through with count 2."""
    order = await pay_order(await place_order())
    assert order.paid_at is not None
    first = order.paid_at
    await remind_order(db, order_id=order.id, user_id=7, now=first, cooldown_s=COOLDOWN_S)
    outcome = await remind_order(
        db, order_id=order.id, user_id=7, now=first + timedelta(seconds=60), cooldown_s=COOLDOWN_S
    )
    assert outcome.result is ReminderResult.REMINDED
    assert outcome.event is not None
    assert outcome.event.reminder_count == 2


async def test_concurrent_taps_remind_once(
    db: Database, place_order: OrderStep, pay_order: OrderStep
) -> None:
    """Ten simultaneous reminders produce one REMINDED and nine TOO_SOON."""
    order = await pay_order(await place_order())
    assert order.paid_at is not None
    outcomes = await asyncio.gather(
        *(
            remind_order(db, order_id=order.id, user_id=7, now=order.paid_at, cooldown_s=COOLDOWN_S)
            for _ in range(10)
        )
    )
    results = [outcome.result for outcome in outcomes]
    assert results.count(ReminderResult.REMINDED) == 1
    assert results.count(ReminderResult.TOO_SOON) == 9


async def test_confirmed_order_can_still_be_hurried(
    db: Database, place_order: OrderStep, pay_order: OrderStep
) -> None:
    """An accepted order is still waiting, so a reminder goes through."""
    order = await pay_order(await place_order())
    assert order.paid_at is not None
    await accept_order(db, shop_id=1, order_id=order.id, now=order.paid_at)
    outcome = await remind_order(
        db, order_id=order.id, user_id=7, now=order.paid_at, cooldown_s=COOLDOWN_S
    )
    assert outcome.result is ReminderResult.REMINDED
    assert outcome.event is not None
    assert outcome.event.status is OrderStatus.CONFIRMED


async def test_unknown_order_is_not_found(db: Database, now: datetime) -> None:
    """Hurrying an order that does not exist is NOT_FOUND."""
    outcome = await remind_order(db, order_id=404, user_id=7, now=now, cooldown_s=COOLDOWN_S)
    assert (outcome.result, outcome.order) == (ReminderResult.NOT_FOUND, None)


async def test_someone_elses_order_is_forbidden(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """Another customer cannot hurry the order, and learns nothing about it."""
    order = await pay_order(await place_order(user_id=7))
    outcome = await remind_order(db, order_id=order.id, user_id=8, now=now, cooldown_s=COOLDOWN_S)
    assert (outcome.result, outcome.order, outcome.event) == (ReminderResult.FORBIDDEN, None, None)


async def test_unpaid_order_is_not_waiting(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """An order still awaiting payment cannot be hurried."""
    order = await place_order()
    outcome = await remind_order(db, order_id=order.id, user_id=7, now=now, cooldown_s=COOLDOWN_S)
    assert (outcome.result, outcome.event) == (ReminderResult.NOT_WAITING, None)
    assert await events_since(db, 0) == []


async def test_cancelled_order_is_not_waiting(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """A rejected order cannot be hurried."""
    order = await pay_order(await place_order())
    await reject_order(db, shop_id=1, order_id=order.id, reason="sold out", now=now)
    outcome = await remind_order(db, order_id=order.id, user_id=7, now=now, cooldown_s=COOLDOWN_S)
    assert outcome.result is ReminderResult.NOT_WAITING
