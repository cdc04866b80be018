"""Tests of recording WeChat Pay refund notifications."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from backend.store import (
    Database,
    OrderView,
    RefundFacts,
    RefundResult,
    events_since,
    get_order_by_number,
    record_refund,
)
from orderbell_protocol import EventType, OrderStatus, PayStatus

OrderStep = Callable[..., Awaitable[OrderView]]


def refund_of(order: OrderView, status: str = "SUCCESS") -> RefundFacts:
    """A refund notification for a paid order."""
    assert order.transaction_id is not None
    return RefundFacts(order.number, order.transaction_id, "50300000012026112600001", status)


async def test_successful_refund_cancels_the_order_and_logs_it(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """A SUCCESS refund sets pay status 2 and status 6 and appends a type-3 "refunded" event."""
    order = await pay_order(await place_order())
    outcome = await record_refund(db, refund_of(order), now)
    assert outcome.result is RefundResult.REFUNDED
    assert outcome.order is not None
    assert (outcome.order.status, outcome.order.pay_status) == (
        OrderStatus.CANCELLED,
        PayStatus.REFUNDED,
    )
    assert outcome.event is not None
    assert (outcome.event.type, outcome.event.status, outcome.event.reason) == (
        EventType.ORDER_UPDATED,
        OrderStatus.CANCELLED,
        "refunded",
    )
    assert (await events_since(db, 0))[-1] == outcome.event


async def test_repeated_refund_is_duplicate_without_event(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """A retried refund notification is DUPLICATE and appends nothing."""
    order = await pay_order(await place_order())
    await record_refund(db, refund_of(order), now)
    outcome = await record_refund(db, refund_of(order), now)
    assert (outcome.result, outcome.event) == (RefundResult.DUPLICATE, None)
    assert len(await events_since(db, 0)) == 2


async def test_unsuccessful_refund_is_ignored(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """ABNORMAL and CLOSED refunds leave the order paid and log nothing."""
    order = await pay_order(await place_order())
    for status in ("ABNORMAL", "CLOSED"):
        outcome = await record_refund(db, refund_of(order, status), now)
        assert (outcome.result, outcome.event) == (RefundResult.IGNORED, None)
    assert await get_order_by_number(db, order.number) == order


async def test_refund_for_another_transaction_is_a_mismatch(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """A refund naming a different transaction id changes nothing."""
    order = await pay_order(await place_order())
    facts = RefundFacts(order.number, "4200000000000000000000000999", "503000001", "SUCCESS")
    outcome = await record_refund(db, facts, now)
    assert (outcome.result, outcome.event) == (RefundResult.MISMATCH, None)
    assert await get_order_by_number(db, order.number) == order


async def test_refund_of_an_unpaid_order_is_a_mismatch(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """An order without a transaction cannot be refunded."""
    order = await place_order()
    facts = RefundFacts(order.number, "4200000000000000000000000999", "503000001", "SUCCESS")
    outcome = await record_refund(db, facts, now)
    assert outcome.result is RefundResult.MISMATCH


async def test_refund_of_unknown_order_is_not_found(db: Database, now: datetime) -> None:
    """A refund for a number we never issued is NOT_FOUND."""
    facts = RefundFacts("20261126060512000000", "4200000000", "503000001", "SUCCESS")
    outcome = await record_refund(db, facts, now)
    assert (outcome.result, outcome.order, outcome.event) == (RefundResult.NOT_FOUND, None, None)
