"""Tests of recording WeChat Pay payment notifications."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import IntegrityError

from backend.store import (
    Database,
    OrderView,
    PaymentFacts,
    PaymentResult,
    events_since,
    get_order_by_number,
    record_payment,
    reject_order,
)
from orderbell_protocol import (
    EventType,
    OrderLine,
    OrderStatus,
    PayStatus,
    decode_event,
    encode_event,
)
from tests.conftest import SHOP_ZONE

OrderStep = Callable[..., Awaitable[OrderView]]
TRANSACTION_ID = "4200002611202611260000000001"


def facts_for(
    order: OrderView, paid_at: datetime, transaction_id: str = TRANSACTION_ID
) -> PaymentFacts:
    """A notification paying order in full."""
    return PaymentFacts(order.number, transaction_id, order.amount_fen, paid_at)


async def test_payment_moves_the_order_to_be_confirmed(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """A matching notification marks the order paid and to be confirmed."""
    order = await place_order()
    paid_at = now + timedelta(seconds=30)
    outcome = await record_payment(
        db, facts_for(order, paid_at), paid_at + timedelta(seconds=1), zone=SHOP_ZONE
    )
    assert outcome.result is PaymentResult.PAID
    assert outcome.order is not None
    assert (outcome.order.status, outcome.order.pay_status) == (
        OrderStatus.TO_BE_CONFIRMED,
        PayStatus.PAID,
    )
    assert outcome.order.paid_at == paid_at
    assert outcome.order.transaction_id == TRANSACTION_ID
    assert await get_order_by_number(db, order.number) == outcome.order


async def test_payment_appends_a_new_order_event_for_the_card(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """The type-1 event carries the order's number, amount, lines, remark and phone tail."""
    order = await place_order(shop_id=3)
    outcome = await record_payment(db, facts_for(order, now), now, zone=SHOP_ZONE)
    event = outcome.event
    assert event is not None
    assert (event.id, event.type, event.shop_id, event.order_id) == (
        1,
        EventType.NEW_ORDER,
        3,
        order.id,
    )
    assert (event.order_number, event.status, event.amount_fen) == (
        order.number,
        OrderStatus.TO_BE_CONFIRMED,
        order.amount_fen,
    )
    assert event.created_at == now
    assert event.order.items == (OrderLine("宫保鸡丁", 2), OrderLine("米饭", 1))
    assert (event.order.remark, event.order.phone_tail, event.order.paid_at) == (
        "少辣",
        "8000",
        now,
    )
    assert event.content == f"订单号：{order.number}"


async def test_logged_event_survives_the_wire_round_trip(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """The stored event equals the returned one and decodes from its own encoding."""
    order = await place_order()
    event = (await record_payment(db, facts_for(order, now), now, zone=SHOP_ZONE)).event
    assert event is not None
    assert await events_since(db, 0) == [event]
    assert decode_event(encode_event(event)) == event


async def test_duplicate_notification_changes_nothing(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """WeChat's retry of the same payment is DUPLICATE and appends no event."""
    order = await place_order()
    first = await record_payment(db, facts_for(order, now), now, zone=SHOP_ZONE)
    again = await record_payment(
        db, facts_for(order, now), now + timedelta(minutes=5), zone=SHOP_ZONE
    )
    assert again.result is PaymentResult.DUPLICATE
    assert again.event is None
    assert again.order == first.order
    assert len(await events_since(db, 0)) == 1


async def test_twenty_concurrent_notifications_give_one_event(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """Of 20 simultaneous deliveries exactly one pays the order and logs it; 19 are duplicates."""
    order = await place_order()
    outcomes = await asyncio.gather(
        *(record_payment(db, facts_for(order, now), now, zone=SHOP_ZONE) for _ in range(20))
    )
    results = [outcome.result for outcome in outcomes]
    assert results.count(PaymentResult.PAID) == 1
    assert results.count(PaymentResult.DUPLICATE) == 19
    assert len(await events_since(db, 0)) == 1


async def test_amount_mismatch_changes_nothing(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """A notification for a different amount leaves the order unpaid and logs nothing."""
    order = await place_order()
    facts = PaymentFacts(order.number, TRANSACTION_ID, order.amount_fen - 1, now)
    outcome = await record_payment(db, facts, now, zone=SHOP_ZONE)
    assert outcome.result is PaymentResult.AMOUNT_MISMATCH
    assert outcome.event is None
    assert await get_order_by_number(db, order.number) == order
    assert await events_since(db, 0) == []


async def test_unknown_order_is_not_found(db: Database, now: datetime) -> None:
    """A notification for a number we never issued is NOT_FOUND."""
    facts = PaymentFacts("20261126060512000000", TRANSACTION_ID, 100, now)
    outcome = await record_payment(db, facts, now, zone=SHOP_ZONE)
    assert (outcome.result, outcome.order, outcome.event) == (PaymentResult.NOT_FOUND, None, None)


async def test_second_transaction_for_a_paid_order_is_not_payable(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """A different transaction paying an already paid order is NOT_PAYABLE and changes nothing."""
    order = await place_order()
    paid = await record_payment(db, facts_for(order, now), now, zone=SHOP_ZONE)
    other = await record_payment(
        db, facts_for(order, now, "4200000000000000000000000002"), now, zone=SHOP_ZONE
    )
    assert other.result is PaymentResult.NOT_PAYABLE
    assert other.order == paid.order
    assert len(await events_since(db, 0)) == 1


async def test_cancelled_order_is_not_payable(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """A payment arriving for a cancelled order is NOT_PAYABLE and logs nothing."""
    order = await place_order()
    cancel = text("UPDATE orders SET status = 6 WHERE id = :id")
    await db.write(lambda transaction: transaction.execute(cancel, {"id": order.id}))
    outcome = await record_payment(db, facts_for(order, now), now, zone=SHOP_ZONE)
    assert outcome.result is PaymentResult.NOT_PAYABLE
    assert outcome.order is not None
    assert outcome.order.pay_status is PayStatus.UNPAID
    assert await events_since(db, 0) == []


async def test_transaction_id_of_another_order_is_not_payable(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """Reusing another order's transaction id hits the unique constraint and is NOT_PAYABLE."""
    first, second = await place_order(), await place_order()
    await record_payment(db, facts_for(first, now), now, zone=SHOP_ZONE)
    outcome = await record_payment(db, facts_for(second, now), now, zone=SHOP_ZONE)
    assert outcome.result is PaymentResult.NOT_PAYABLE
    assert outcome.order == second
    assert len(await events_since(db, 0)) == 1


async def test_rejected_paid_order_repeats_as_duplicate(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """A retry arriving after staff rejected the order is still just a DUPLICATE."""
    order = await place_order()
    await record_payment(db, facts_for(order, now), now, zone=SHOP_ZONE)
    await reject_order(db, shop_id=1, order_id=order.id, reason="sold out", now=now)
    outcome = await record_payment(db, facts_for(order, now), now, zone=SHOP_ZONE)
    assert outcome.result is PaymentResult.DUPLICATE


async def test_paid_at_in_another_zone_is_stored_as_utc(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """WeChat's +08:00 success_time is kept as the same instant in UTC."""
    order = await place_order()
    paid_at = datetime.fromisoformat("2026-11-26T14:05:42+08:00")
    await record_payment(db, facts_for(order, paid_at), now, zone=SHOP_ZONE)
    stored = await get_order_by_number(db, order.number)
    assert stored is not None
    assert stored.paid_at == datetime(2026, 11, 26, 6, 5, 42, tzinfo=UTC)
    assert stored.paid_at.tzinfo is UTC


async def test_duplicate_for_another_amount_is_an_amount_mismatch(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """A repeat that names another amount is refused as a mismatch, as before it was paid."""
    order = await place_order()
    await record_payment(db, facts_for(order, now), now, zone=SHOP_ZONE)
    facts = PaymentFacts(order.number, TRANSACTION_ID, order.amount_fen + 1, now)
    outcome = await record_payment(db, facts, now, zone=SHOP_ZONE)
    assert outcome.result is PaymentResult.AMOUNT_MISMATCH
    assert len(await events_since(db, 0)) == 1


async def test_a_payment_whose_event_is_refused_leaves_nothing_written(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """The log refuses the event after the order was paid and numbered: none of it stays."""
    order = await place_order()
    async with refused_events(db):
        with pytest.raises(IntegrityError, match=r"event.log.refused"):
            await record_payment(db, facts_for(order, now), now, zone=SHOP_ZONE)
    assert await get_order_by_number(db, order.number) == order
    assert await events_since(db, 0) == []
    # Nor was a number used up: the next try is the day's first.
    outcome = await record_payment(db, facts_for(order, now), now, zone=SHOP_ZONE)
    assert outcome.order is not None
    assert (outcome.result, outcome.order.day_seq) == (PaymentResult.PAID, 1)
    assert [event.order_id for event in await events_since(db, 0)] == [order.id]


@contextlib.asynccontextmanager
async def refused_events(db: Database) -> AsyncIterator[None]:
    """While the block runs, the events table refuses every new row with an integrity error."""
    if db.is_postgres:
        # A constraint checked on new rows only: the payment's statement fails at its INSERT.
        refuse = ["ALTER TABLE events ADD CONSTRAINT event_log_refused CHECK (false) NOT VALID"]
        allow = ["ALTER TABLE events DROP CONSTRAINT event_log_refused"]
    else:
        refuse = [
            "CREATE TRIGGER event_log_refused BEFORE INSERT ON events "
            "BEGIN SELECT RAISE(ABORT, 'event log refused'); END"
        ]
        allow = ["DROP TRIGGER event_log_refused"]
    async with db.engine.begin() as connection:
        for statement in refuse:
            await connection.execute(text(statement))
    try:
        yield
    finally:
        async with db.engine.begin() as connection:
            for statement in allow:
                await connection.execute(text(statement))


async def test_first_payment_writes_without_reading(
    db: Database, place_order: OrderStep, now: datetime
) -> None:
    """The usual notice pays the order, draws the day's number, numbers the order and logs the
    event: four writes and no SELECT (on PostgreSQL one statement, a WITH of writes)."""
    order = await place_order()
    with recorded_statements() as statements:
        await record_payment(db, facts_for(order, now), now, zone=SHOP_ZONE)
    tables = (" orders ", " events ", " daily_order_numbers ")
    on_tables = [s.split()[0] for s in statements if any(table in f"{s} " for table in tables)]
    expected = ["WITH"] if db.is_postgres else ["UPDATE", "INSERT", "UPDATE", "INSERT"]
    assert on_tables == expected


@contextlib.contextmanager
def recorded_statements() -> Iterator[list[str]]:
    """Every SQL statement any engine sends while the block runs, whitespace collapsed."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(" ".join(str(args[2]).split()))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", record)
