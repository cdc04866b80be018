"""Two instances on one PostgreSQL database: every decision is made once, by the database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from backend.store import (
    Database,
    HandleResult,
    Item,
    OrderView,
    PaymentFacts,
    PaymentResult,
    ReminderResult,
    accept_order,
    events_since,
    get_order,
    record_payment,
    reject_order,
    remind_order,
    submit_order,
)
from tests.conftest import SHOP_ZONE

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
COOLDOWN_S = 60


@pytest.fixture
async def instances(postgres_url: str) -> AsyncIterator[tuple[Database, Database]]:
    """Two engines on one database, as two server instances would have."""
    first, second = Database(postgres_url), Database(postgres_url)
    yield first, second
    await first.dispose()
    await second.dispose()


def facts_for(order: OrderView) -> PaymentFacts:
    return PaymentFacts(order.number, f"4200{order.id:024d}", order.amount_fen, NOW)


async def paid_order(db: Database, user_id: int = 7) -> OrderView:
    order = await submit_order(
        db,
        user_id=user_id,
        shop_id=1,
        items=[Item("米饭", 1, 200)],
        remark="",
        phone="13800138000",
        address="",
        now=NOW,
    )
    outcome = await record_payment(db, facts_for(order), NOW, zone=SHOP_ZONE)
    assert outcome.order is not None
    return outcome.order


async def test_twenty_copies_over_two_instances_pay_once(
    instances: tuple[Database, Database],
) -> None:
    """20 simultaneous copies of one notification, split over two instances: one event."""
    first, second = instances
    order = await submit_order(
        first,
        user_id=7,
        shop_id=1,
        items=[Item("米饭", 1, 200)],
        remark="",
        phone="13800138000",
        address="",
        now=NOW,
    )
    outcomes = await asyncio.gather(
        *(
            record_payment((first, second)[n % 2], facts_for(order), NOW, zone=SHOP_ZONE)
            for n in range(20)
        )
    )
    results = [outcome.result for outcome in outcomes]
    assert results.count(PaymentResult.PAID) == 1
    assert results.count(PaymentResult.DUPLICATE) == 19
    assert len(await events_since(first, 0)) == 1


async def test_reminder_cooldown_holds_across_instances(
    instances: tuple[Database, Database],
) -> None:
    """Ten taps at once on two instances give one reminder; the rest must wait the cooldown."""
    first, second = instances
    order = await paid_order(first)
    outcomes = await asyncio.gather(
        *(
            remind_order(
                (first, second)[n % 2], order_id=order.id, user_id=7, now=NOW, cooldown_s=60
            )
            for n in range(10)
        )
    )
    results = [outcome.result for outcome in outcomes]
    assert results.count(ReminderResult.REMINDED) == 1
    assert results.count(ReminderResult.TOO_SOON) == 9
    assert {outcome.retry_after_s for outcome in outcomes} == {None, COOLDOWN_S}


async def test_cooldown_uses_the_stored_time_not_the_instance(
    instances: tuple[Database, Database],
) -> None:
    """A reminder on one instance right after one on the other is refused until 60 s pass."""
    first, second = instances
    order = await paid_order(first)
    await remind_order(first, order_id=order.id, user_id=7, now=NOW, cooldown_s=COOLDOWN_S)
    soon = NOW + timedelta(seconds=59)
    later = NOW + timedelta(seconds=60)
    refused = await remind_order(
        second, order_id=order.id, user_id=7, now=soon, cooldown_s=COOLDOWN_S
    )
    allowed = await remind_order(
        second, order_id=order.id, user_id=7, now=later, cooldown_s=COOLDOWN_S
    )
    assert (refused.result, allowed.result) == (ReminderResult.TOO_SOON, ReminderResult.REMINDED)
    assert allowed.event is not None
    assert allowed.event.reminder_count == 2


async def test_accept_and_reject_at_once_on_two_instances_one_wins(
    instances: tuple[Database, Database],
) -> None:
    """Two counters acting at the same moment through different instances: one change, one 409."""
    first, second = instances
    order = await paid_order(first)
    accepted, rejected = await asyncio.gather(
        accept_order(first, shop_id=1, order_id=order.id, now=NOW),
        reject_order(second, shop_id=1, order_id=order.id, reason="sold out", now=NOW),
    )
    results = sorted([accepted.result.value, rejected.result.value])
    assert results == sorted([HandleResult.DONE.value, HandleResult.CONFLICT.value])
    stored = await get_order(second, shop_id=1, order_id=order.id)
    assert stored is not None
    winner = accepted if accepted.result is HandleResult.DONE else rejected
    assert winner.order is not None
    assert stored.status == winner.order.status
    assert len(await events_since(first, 0)) == 2
