"""Tests of recording WeChat Pay refund notifications."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
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


def refund_of(
    order: OrderView,
    status: str = "SUCCESS",
    *,
    fen: int | None = None,
    refund_id: str = "50300000012026112600001",
) -> RefundFacts:
    """A refund notification for a paid order: the whole of it unless ``fen`` says otherwise."""
    assert order.transaction_id is not None
    return RefundFacts(
        order.number,
        order.transaction_id,
        refund_id,
        status,
        amount_total=order.amount_fen,
        amount_refund=order.amount_fen if fen is None else fen,
    )


def elsewhere(order: OrderView) -> RefundFacts:
    """A refund naming a transaction that is not the order's."""
    return RefundFacts(
        order.number,
        "4200000000000000000000000999",
        "503000001",
        "SUCCESS",
        amount_total=order.amount_fen,
        amount_refund=order.amount_fen,
    )


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
    outcome = await record_refund(db, elsewhere(order), now)
    assert (outcome.result, outcome.event) == (RefundResult.MISMATCH, None)
    assert await get_order_by_number(db, order.number) == order


async def test_refund_of_an_unpaid_order_is_a_mismatch(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """An order without a transaction cannot be refunded."""
    order = await place_order()
    outcome = await record_refund(db, elsewhere(order), now)
    assert outcome.result is RefundResult.MISMATCH


async def test_refund_of_unknown_order_is_not_found(db: Database, now: datetime) -> None:
    """A refund for a number we never issued is NOT_FOUND."""
    facts = RefundFacts(
        "20261126060512000000",
        "4200000000",
        "503000001",
        "SUCCESS",
        amount_total=100,
        amount_refund=100,
    )
    outcome = await record_refund(db, facts, now)
    assert (outcome.result, outcome.order, outcome.event) == (RefundResult.NOT_FOUND, None, None)


async def test_partial_refund_keeps_the_order_and_tells_the_counters(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """100 of the order's fen refunded: status and pay status stay, a type-3 event says how much."""
    order = await pay_order(await place_order())
    outcome = await record_refund(db, refund_of(order, fen=100), now)
    assert outcome.result is RefundResult.PARTLY_REFUNDED
    stored = await get_order_by_number(db, order.number)
    assert stored is not None
    assert (stored.status, stored.pay_status, stored.refunded_fen) == (
        OrderStatus.TO_BE_CONFIRMED,
        PayStatus.PAID,
        100,
    )
    assert outcome.event is not None
    assert (outcome.event.type, outcome.event.status, outcome.event.reason) == (
        EventType.ORDER_UPDATED,
        OrderStatus.TO_BE_CONFIRMED,
        "partly refunded",
    )
    assert outcome.event.refund_fen == 100


async def test_partial_refunds_add_up_and_the_last_one_cancels(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """Two refunds making up the order's amount: the second cancels it, its event says all."""
    order = await pay_order(await place_order())
    first = await record_refund(db, refund_of(order, fen=100, refund_id="R1"), now)
    rest = order.amount_fen - 100
    last = await record_refund(db, refund_of(order, fen=rest, refund_id="R2"), now)
    assert (first.result, last.result) == (RefundResult.PARTLY_REFUNDED, RefundResult.REFUNDED)
    assert last.order is not None
    assert (last.order.status, last.order.pay_status, last.order.refunded_fen) == (
        OrderStatus.CANCELLED,
        PayStatus.REFUNDED,
        order.amount_fen,
    )
    assert last.event is not None
    assert last.event.refund_fen == order.amount_fen


async def test_repeated_partial_refund_is_counted_once(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """The same refund id notified three times adds its amount once and logs one event."""
    order = await pay_order(await place_order())
    outcomes = [await record_refund(db, refund_of(order, fen=100), now) for _ in range(3)]
    assert [outcome.result for outcome in outcomes] == [
        RefundResult.PARTLY_REFUNDED,
        RefundResult.DUPLICATE,
        RefundResult.DUPLICATE,
    ]
    stored = await get_order_by_number(db, order.number)
    assert stored is not None
    assert stored.refunded_fen == 100
    assert len(await events_since(db, 0)) == 2


async def test_refund_beyond_what_is_left_changes_nothing(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """A second refund larger than what is left of the order is refused, nothing booked."""
    order = await pay_order(await place_order())
    await record_refund(db, refund_of(order, fen=100, refund_id="R1"), now)
    before = await get_order_by_number(db, order.number)
    outcome = await record_refund(db, refund_of(order, fen=order.amount_fen, refund_id="R2"), now)
    assert (outcome.result, outcome.event) == (RefundResult.AMOUNT_MISMATCH, None)
    assert await get_order_by_number(db, order.number) == before


async def test_refund_of_another_total_changes_nothing(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """A refund whose payment total is not the order's amount is refused, nothing booked."""
    order = await pay_order(await place_order())
    facts = replace(refund_of(order, fen=100), amount_total=order.amount_fen + 1)
    outcome = await record_refund(db, facts, now)
    assert (outcome.result, outcome.event) == (RefundResult.AMOUNT_MISMATCH, None)
    assert await get_order_by_number(db, order.number) == order


async def test_refund_of_nothing_changes_nothing(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """A refund of 0 fen is refused and logs nothing."""
    order = await pay_order(await place_order())
    outcome = await record_refund(db, refund_of(order, fen=0), now)
    assert (outcome.result, outcome.event) == (RefundResult.AMOUNT_MISMATCH, None)
    assert await get_order_by_number(db, order.number) == order
