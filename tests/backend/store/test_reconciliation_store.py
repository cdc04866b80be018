"""The reconciler's side of the store: due orders, leases, looks, set-asides and cancellations."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import func, select

from backend.store import (
    PAYMENT_TIMEOUT_REASON,
    Database,
    OrderView,
    PaymentFacts,
    PaymentResult,
    cancel_unpaid,
    claim_due_orders,
    found_by_query_since,
    get_order_by_number,
    look_again_at,
    record_payment,
    set_aside,
)
from backend.store.schema import EVENTS, ORDERS
from orderbell_protocol import OrderStatus
from tests.backend.store.conftest import NOW, OrderStep
from tests.conftest import SHOP_ZONE

AFTER_S = 30.0


async def claim(
    db: Database, at: datetime, owner: str = "a", *, lease_s: float = 60, limit: int = 50
) -> list[int]:
    """The ids ``owner`` claims at ``at``."""
    due = await claim_due_orders(
        db, now=at, first_look_after_s=AFTER_S, owner=owner, lease_s=lease_s, limit=limit
    )
    return [order.id for order in due]


def later(seconds: float) -> datetime:
    """``seconds`` after NOW (when the test orders are placed)."""
    return NOW + timedelta(seconds=seconds)


async def events_logged(db: Database) -> int:
    """How many events the log holds."""
    async with db.engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(EVENTS))).scalar())


async def test_new_order_is_due_after_the_first_delay(db: Database, place_order: OrderStep) -> None:
    """An unpaid order is not due before ORDERBELL_RECONCILE_AFTER_S, and due from then on."""
    order = await place_order()
    assert await claim(db, later(29)) == []
    assert await claim(db, later(30)) == [order.id]


async def test_claimed_order_carries_what_a_query_needs(
    db: Database, place_order: OrderStep
) -> None:
    """A claimed order names its number, shop, amount and submission time."""
    order = await place_order(shop_id=3)
    [due] = await claim_due_orders(
        db, now=later(60), first_look_after_s=AFTER_S, owner="a", lease_s=60, limit=10
    )
    assert (due.number, due.shop_id, due.amount_fen, due.created_at) == (
        order.number,
        3,
        order.amount_fen,
        NOW,
    )


async def test_held_order_is_not_claimed_twice(db: Database, place_order: OrderStep) -> None:
    """While one instance holds an order, another does not get it."""
    order = await place_order()
    assert await claim(db, later(60), "a") == [order.id]
    assert await claim(db, later(61), "b") == []


async def test_lease_of_a_dead_instance_runs_out(db: Database, place_order: OrderStep) -> None:
    """An instance that died holding an order lets go when its lease runs out."""
    order = await place_order()
    assert await claim(db, later(60), "a", lease_s=60) == [order.id]
    assert await claim(db, later(119), "b") == []
    assert await claim(db, later(120), "b") == [order.id]


async def test_looking_again_later_lets_go_until_then(db: Database, place_order: OrderStep) -> None:
    """After a look the order is free and due again only at the time set."""
    order = await place_order()
    await claim(db, later(30), "a")
    assert await look_again_at(db, order.id, owner="a", when=later(60))
    assert await claim(db, later(59), "b") == []
    assert await claim(db, later(60), "b") == [order.id]


async def test_only_the_holder_sets_the_next_look(db: Database, place_order: OrderStep) -> None:
    """An instance whose lease was taken over cannot move the order's next look."""
    order = await place_order()
    await claim(db, later(30), "a", lease_s=10)
    await claim(db, later(40), "b")
    assert not await look_again_at(db, order.id, owner="a", when=later(9999))
    assert await look_again_at(db, order.id, owner="b", when=later(60))
    assert await claim(db, later(60), "c") == [order.id]


async def test_paid_order_is_never_due(
    db: Database, place_order: OrderStep, pay_order: OrderStep
) -> None:
    """Once paid (by its notification), an order is not asked about."""
    await pay_order(await place_order())
    assert await claim(db, later(600)) == []


async def test_set_aside_order_is_never_due_again(db: Database, place_order: OrderStep) -> None:
    """An order set aside as an anomaly keeps the reason and is not claimed again."""
    order = await place_order()
    await claim(db, later(30), "a")
    assert await set_aside(db, order.id, owner="a", anomaly="paid 1 fen, order is 6600 fen")
    assert await claim(db, later(99999), "b") == []
    async with db.engine.connect() as connection:
        anomaly = (
            await connection.execute(
                select(ORDERS.c.reconcile_anomaly).where(ORDERS.c.id == order.id)
            )
        ).scalar()
    assert anomaly == "paid 1 fen, order is 6600 fen"


async def test_cancelling_an_unpaid_order_logs_no_event(
    db: Database, place_order: OrderStep
) -> None:
    """A payment timeout cancels the order (status 6, 支付超时) and appends no event: no ring."""
    order = await place_order()
    before = await events_logged(db)
    cancelled = await cancel_unpaid(db, order.id, reason=PAYMENT_TIMEOUT_REASON, now=later(900))
    assert cancelled is not None
    assert (cancelled.status, cancelled.cancel_reason) == (OrderStatus.CANCELLED, "支付超时")
    assert await events_logged(db) == before
    assert await claim(db, later(99999)) == []


async def test_paid_order_is_not_cancelled(
    db: Database, place_order: OrderStep, pay_order: OrderStep
) -> None:
    """Cancelling for a payment timeout leaves a paid order alone."""
    paid = await pay_order(await place_order())
    assert await cancel_unpaid(db, paid.id, reason=PAYMENT_TIMEOUT_REASON, now=later(900)) is None
    current = await get_order_by_number(db, paid.number)
    assert current is not None
    assert current.status is OrderStatus.TO_BE_CONFIRMED


async def pay(db: Database, order: OrderView, *, by_query: bool, at: datetime) -> PaymentResult:
    """Record the payment of ``order``, notified or found by query."""
    facts = PaymentFacts(
        order.number, f"4200{order.id:024d}", order.amount_fen, at, found_by_query=by_query
    )
    return (await record_payment(db, facts, at, zone=SHOP_ZONE)).result


async def test_payments_found_by_query_are_counted(db: Database, place_order: OrderStep) -> None:
    """Payments found by query count from when they were found; notified ones never do."""
    found = await place_order()
    notified = await place_order()
    assert await pay(db, found, by_query=True, at=later(40)) is PaymentResult.PAID
    assert await pay(db, notified, by_query=False, at=later(40)) is PaymentResult.PAID
    assert await found_by_query_since(db, later(0)) == 1
    assert await found_by_query_since(db, later(41)) == 0


async def test_query_after_the_notification_is_a_duplicate(
    db: Database, place_order: OrderStep
) -> None:
    """The same payment found by query after its notification changes nothing."""
    order = await place_order()
    assert await pay(db, order, by_query=False, at=later(20)) is PaymentResult.PAID
    assert await pay(db, order, by_query=True, at=later(30)) is PaymentResult.DUPLICATE
    assert await found_by_query_since(db, later(0)) == 0


async def test_two_instances_claiming_at_once_split_the_orders(
    db: Database, place_order: OrderStep
) -> None:
    """Two instances claiming together each get some orders, and no order goes to both."""
    orders = {(await place_order()).id for _ in range(20)}
    other = Database(db.url)
    try:
        first, second = await asyncio.gather(
            claim(db, later(60), "a", limit=12), claim(other, later(60), "b", limit=12)
        )
    finally:
        await other.dispose()
    assert not set(first) & set(second)
    assert set(first) | set(second) == orders
