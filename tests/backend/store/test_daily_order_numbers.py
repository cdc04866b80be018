"""Daily order numbers (今日第12单): drawn with the payment, per shop, per shop-local day."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta

from backend.store import (
    Database,
    OrderView,
    PaymentFacts,
    PaymentResult,
    accept_order,
    events_since,
    get_order,
    record_payment,
)
from backend.store.day_numbers import business_day
from tests.conftest import SHOP_ZONE

OrderStep = Callable[..., Awaitable[OrderView]]

# 23:59:30 in Shanghai on 26 November is 15:59:30 UTC; Shanghai's midnight is 16:00 UTC.
BEFORE_MIDNIGHT = datetime(2026, 11, 26, 15, 59, 30, tzinfo=UTC)
AFTER_MIDNIGHT = datetime(2026, 11, 26, 16, 0, 30, tzinfo=UTC)


async def pay(
    db: Database, order: OrderView, when: datetime, total: int | None = None
) -> OrderView:
    """Record WeChat's notification for ``order`` at ``when``; returns the order as it is now."""
    facts = PaymentFacts(
        order.number, f"4200{order.id:024d}", order.amount_fen if total is None else total, when
    )
    outcome = await record_payment(db, facts, when, zone=SHOP_ZONE)
    assert outcome.order is not None
    return outcome.order


async def test_first_payment_of_the_day_is_number_one(db: Database, place_order: OrderStep) -> None:
    """The shop's first paid order of its day is number 1, the next number 2."""
    first = await pay(db, await place_order(), BEFORE_MIDNIGHT)
    second = await pay(db, await place_order(), BEFORE_MIDNIGHT)
    assert (first.day_seq, second.day_seq) == (1, 2)
    assert first.business_day == second.business_day == date(2026, 11, 26)


async def test_each_shop_counts_its_own_orders(db: Database, place_order: OrderStep) -> None:
    """Shop 2's first order is its number 1, whatever shop 1 has had that day."""
    await pay(db, await place_order(shop_id=1), BEFORE_MIDNIGHT)
    await pay(db, await place_order(shop_id=1), BEFORE_MIDNIGHT)
    other = await pay(db, await place_order(shop_id=2), BEFORE_MIDNIGHT)
    assert other.day_seq == 1


async def test_numbers_restart_at_the_shops_midnight(db: Database, place_order: OrderStep) -> None:
    """A payment a minute after midnight in Shanghai (16:00 UTC) is the new day's number 1."""
    await pay(db, await place_order(), BEFORE_MIDNIGHT)
    await pay(db, await place_order(), BEFORE_MIDNIGHT)
    after = await pay(db, await place_order(), AFTER_MIDNIGHT)
    assert (after.business_day, after.day_seq) == (date(2026, 11, 27), 1)


async def test_numbers_do_not_restart_at_utc_midnight(db: Database, place_order: OrderStep) -> None:
    """08:00 in Shanghai is midnight UTC: the morning's numbers carry on from 00:00 local."""
    await pay(db, await place_order(), datetime(2026, 11, 26, 23, 59, tzinfo=UTC))
    morning = await pay(db, await place_order(), datetime(2026, 11, 27, 0, 1, tzinfo=UTC))
    assert (morning.business_day, morning.day_seq) == (date(2026, 11, 27), 2)


async def test_a_duplicate_notification_draws_no_number(
    db: Database, place_order: OrderStep
) -> None:
    """WeChat's retry of a paid order keeps its number; the next order is the next number."""
    order = await place_order()
    first = await pay(db, order, BEFORE_MIDNIGHT)
    again = await pay(db, order, BEFORE_MIDNIGHT + timedelta(seconds=15))
    following = await pay(db, await place_order(), BEFORE_MIDNIGHT)
    assert (first.day_seq, again.day_seq, following.day_seq) == (1, 1, 2)


async def test_a_refused_payment_draws_no_number(db: Database, place_order: OrderStep) -> None:
    """A notification for the wrong amount leaves the order unnumbered and uses no number."""
    refused_order = await place_order()
    facts = PaymentFacts(refused_order.number, "4200" + "9" * 24, 1, BEFORE_MIDNIGHT)
    outcome = await record_payment(db, facts, BEFORE_MIDNIGHT, zone=SHOP_ZONE)
    paid = await pay(db, await place_order(), BEFORE_MIDNIGHT)
    assert outcome.result is PaymentResult.AMOUNT_MISMATCH
    assert outcome.order is not None
    assert outcome.order.day_seq is None
    assert paid.day_seq == 1


async def test_every_event_of_a_paid_order_carries_its_number(
    db: Database, place_order: OrderStep
) -> None:
    """The new-order event and the later accept event both say daySeq."""
    order = await pay(db, await place_order(), BEFORE_MIDNIGHT)
    await accept_order(db, shop_id=1, order_id=order.id, now=BEFORE_MIDNIGHT)
    events = await events_since(db, 0)
    assert [event.day_seq for event in events] == [1, 1]


async def test_the_stored_order_keeps_its_number(db: Database, place_order: OrderStep) -> None:
    """Reading the order back gives the number its payment drew."""
    paid = await pay(db, await place_order(), BEFORE_MIDNIGHT)
    stored = await get_order(db, shop_id=1, order_id=paid.id)
    assert stored is not None
    assert (stored.business_day, stored.day_seq) == (date(2026, 11, 26), 1)


async def test_concurrent_payments_get_distinct_numbers(
    db: Database, place_order: OrderStep
) -> None:
    """Twenty payments recorded at once are numbered 1 to 20, each once."""
    orders = [await place_order() for _ in range(20)]
    paid = await asyncio.gather(*(pay(db, order, BEFORE_MIDNIGHT) for order in orders))
    assert sorted(order.day_seq or 0 for order in paid) == list(range(1, 21))


def test_business_day_is_the_local_date() -> None:
    """An instant's shop-local day, from any zone it is given in."""
    assert business_day(BEFORE_MIDNIGHT, SHOP_ZONE) == date(2026, 11, 26)
    assert business_day(AFTER_MIDNIGHT, SHOP_ZONE) == date(2026, 11, 27)
    assert business_day(AFTER_MIDNIGHT.astimezone(SHOP_ZONE), UTC) == date(2026, 11, 26)
