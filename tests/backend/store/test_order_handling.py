"""Tests of staff accepting and rejecting orders at the counter."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import pytest

from backend.store import (
    Database,
    HandleResult,
    InvalidOrder,
    OrderView,
    accept_order,
    events_since,
    get_order,
    reject_order,
)
from orderbell_protocol import EventType, OrderStatus, PayStatus

OrderStep = Callable[..., Awaitable[OrderView]]


async def test_accepting_confirms_the_order_and_logs_it(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """Accept moves 2 -> 3, stamps accepted_at and appends a type-3 event."""
    order = await pay_order(await place_order())
    later = now + timedelta(minutes=3)
    outcome = await accept_order(db, shop_id=1, order_id=order.id, now=later)
    assert outcome.result is HandleResult.DONE
    assert outcome.order is not None
    assert (outcome.order.status, outcome.order.accepted_at) == (OrderStatus.CONFIRMED, later)
    assert outcome.event is not None
    assert (outcome.event.type, outcome.event.status, outcome.event.reason) == (
        EventType.ORDER_UPDATED,
        OrderStatus.CONFIRMED,
        None,
    )
    assert (await events_since(db, 0))[-1] == outcome.event


async def test_rejecting_cancels_with_the_reason(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """Reject moves 2 -> 6, keeps the pay status and logs the reason."""
    order = await pay_order(await place_order())
    outcome = await reject_order(db, shop_id=1, order_id=order.id, reason=" 售罄 ", now=now)
    assert outcome.result is HandleResult.DONE
    assert outcome.order is not None
    assert (outcome.order.status, outcome.order.pay_status, outcome.order.rejected_reason) == (
        OrderStatus.CANCELLED,
        PayStatus.PAID,
        "售罄",
    )
    assert outcome.event is not None
    assert (outcome.event.status, outcome.event.reason) == (OrderStatus.CANCELLED, "售罄")


async def test_second_accept_is_a_conflict(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """Accepting on a second PC returns CONFLICT with the order as it now is, and no event."""
    order = await pay_order(await place_order())
    first = await accept_order(db, shop_id=1, order_id=order.id, now=now)
    second = await accept_order(db, shop_id=1, order_id=order.id, now=now)
    assert (second.result, second.order, second.event) == (HandleResult.CONFLICT, first.order, None)
    assert len(await events_since(db, 0)) == 2


async def test_rejecting_an_accepted_order_is_a_conflict(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """Only an order still to be confirmed can be rejected."""
    order = await pay_order(await place_order())
    await accept_order(db, shop_id=1, order_id=order.id, now=now)
    outcome = await reject_order(db, shop_id=1, order_id=order.id, reason="sold out", now=now)
    assert outcome.result is HandleResult.CONFLICT


async def test_unpaid_order_cannot_be_accepted(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """An order awaiting payment is a CONFLICT, not something to cook."""
    order = await place_order()
    outcome = await accept_order(db, shop_id=1, order_id=order.id, now=now)
    assert outcome.result is HandleResult.CONFLICT
    assert await events_since(db, 0) == []


async def test_another_shops_order_is_not_found(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """A counter of shop 2 cannot see or touch an order of shop 1."""
    order = await pay_order(await place_order(shop_id=1))
    accepted = await accept_order(db, shop_id=2, order_id=order.id, now=now)
    rejected = await reject_order(db, shop_id=2, order_id=order.id, reason="no", now=now)
    assert (accepted.result, accepted.order) == (HandleResult.NOT_FOUND, None)
    assert (rejected.result, rejected.order) == (HandleResult.NOT_FOUND, None)
    assert await get_order(db, shop_id=1, order_id=order.id) == order


async def test_missing_order_is_not_found(db: Database, now: datetime) -> None:
    """Accepting an id that does not exist is NOT_FOUND."""
    outcome = await accept_order(db, shop_id=1, order_id=404, now=now)
    assert outcome.result is HandleResult.NOT_FOUND


@pytest.mark.parametrize("reason", ["", "   ", "x" * 201])
async def test_rejection_needs_a_sensible_reason(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime, reason: str
) -> None:
    """An empty or over-long reason raises InvalidOrder and leaves the order as it was."""
    order = await pay_order(await place_order())
    with pytest.raises(InvalidOrder, match="reason"):
        await reject_order(db, shop_id=1, order_id=order.id, reason=reason, now=now)
    assert await get_order(db, shop_id=1, order_id=order.id) == order
