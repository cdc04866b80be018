"""What the statistics and metrics read: handling times recorded, waiting orders counted."""

from __future__ import annotations

from datetime import datetime, timedelta

from alembic import command
from sqlalchemy import Connection, text

from backend.store import (
    Database,
    RefundFacts,
    accept_order,
    count_waiting_orders,
    migrate_async,
    paid_order_times,
    record_refund,
    reject_order,
)
from backend.store.database import alembic_config
from tests.backend.store.conftest import OrderStep

LATER = timedelta(minutes=3)


async def test_a_rejection_records_when_it_happened(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """Rejecting stores rejected_at; the order's times show it, accepted_at stays empty."""
    order = await pay_order(await place_order())
    await reject_order(db, shop_id=1, order_id=order.id, reason="售罄", now=now + LATER)
    (times,) = await paid_order_times(db, start=now, end=now + timedelta(days=1))
    assert times.rejected_at == now + LATER
    assert times.accepted_at is None
    assert not times.waiting


async def test_a_refund_records_when_it_happened(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """A successful refund stores refunded_at."""
    order = await pay_order(await place_order())
    facts = RefundFacts(
        order.number,
        order.transaction_id,
        "503000000120261126",
        "SUCCESS",
        amount_total=order.amount_fen,
        amount_refund=order.amount_fen,
    )
    await record_refund(db, facts, now + LATER)
    (times,) = await paid_order_times(db, start=now, end=now + timedelta(days=1))
    assert times.refunded_at == now + LATER


async def test_waiting_orders_are_counted_across_shops(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """Paid and unhandled orders of two shops count; accepted and unpaid ones do not."""
    await pay_order(await place_order(shop_id=1))
    await pay_order(await place_order(shop_id=2))
    accepted = await pay_order(await place_order(shop_id=1))
    await place_order(shop_id=1)  # never paid
    await accept_order(db, shop_id=1, order_id=accepted.id, now=now + LATER)
    assert await count_waiting_orders(db) == 2


async def test_order_times_cover_one_shop_and_a_half_open_range(
    db: Database, place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """Only the asked shop's orders paid in [start, end) come back."""
    mine = await pay_order(await place_order(shop_id=1))
    await pay_order(await place_order(shop_id=2))
    assert mine.paid_at is not None
    found = await paid_order_times(
        db, start=mine.paid_at, end=mine.paid_at + timedelta(seconds=1), shop_id=1
    )
    assert [(t.shop_id, t.paid_at, t.waiting) for t in found] == [(1, mine.paid_at, True)]
    assert await paid_order_times(db, start=mine.paid_at - LATER, end=mine.paid_at, shop_id=1) == []


async def test_the_migration_backfills_rejections_and_refunds(database_url: str) -> None:
    """Orders rejected or refunded before 0004 get rejected_at/refunded_at from updated_at."""

    def upgrade_to(connection: Connection, revision: str) -> None:
        config = alembic_config(database_url)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    db = Database(database_url)
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(upgrade_to, "0002")
            for number, status, pay_status, reason in (
                ("R1", 6, 1, "售罄"),
                ("F1", 6, 2, None),
                ("A1", 3, 1, None),
            ):
                await connection.execute(
                    text(
                        "INSERT INTO orders (number, shop_id, user_id, status, pay_status,"
                        " amount_fen, items, remark, phone, address, created_at, paid_at,"
                        " rejected_reason, reminder_count, updated_at) VALUES (:number, 1, 7,"
                        " :status, :pay_status, 100, '[]', '', '1', '', :t0, :t0, :reason, 0,"
                        " :t1)"
                    ),
                    {
                        "number": number,
                        "status": status,
                        "pay_status": pay_status,
                        "reason": reason,
                        "t0": datetime(2026, 11, 26, 6, 0),
                        "t1": datetime(2026, 11, 26, 6, 4),
                    },
                )
        await migrate_async(database_url)
        async with db.engine.connect() as connection:
            rows = (
                await connection.execute(
                    text(
                        "SELECT number, rejected_at IS NOT NULL, refunded_at IS NOT NULL"
                        " FROM orders ORDER BY number"
                    )
                )
            ).all()
    finally:
        await db.dispose()
    assert [tuple(row) for row in rows] == [
        ("A1", False, False),
        ("F1", False, True),
        ("R1", True, False),
    ]
