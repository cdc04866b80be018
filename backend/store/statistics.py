"""What the metrics and the daily figures read of the orders: their timestamps, and a count."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, func, select

from backend.stats import OrderTimes
from backend.store.database import Database
from backend.store.schema import ORDERS
from backend.store.timestamps import as_utc
from orderbell_protocol import OrderStatus

# Served by the partial index ix_orders_waiting, however many orders the table holds.
_WAITING = (
    select(func.count()).select_from(ORDERS).where(ORDERS.c.status == OrderStatus.TO_BE_CONFIRMED)
)
_PAID_BETWEEN = (
    select(
        ORDERS.c.shop_id,
        ORDERS.c.status,
        ORDERS.c.paid_at,
        ORDERS.c.accepted_at,
        ORDERS.c.rejected_at,
        ORDERS.c.refunded_at,
        ORDERS.c.reminder_count,
    )
    .where(
        ORDERS.c.paid_at >= bindparam("start", type_=ORDERS.c.paid_at.type),
        ORDERS.c.paid_at < bindparam("end", type_=ORDERS.c.paid_at.type),
    )
    .order_by(ORDERS.c.shop_id, ORDERS.c.paid_at)
)


async def count_waiting_orders(db: Database) -> int:
    """Paid orders of every shop that no counter has accepted or rejected yet."""
    return await db.read(_count_waiting)


def _count_waiting(connection: Connection) -> int:
    return int(connection.execute(_WAITING).scalar_one())


async def paid_order_times(
    db: Database, *, start: datetime, end: datetime, shop_id: int | None = None
) -> list[OrderTimes]:
    """The timestamps of the orders paid in [start, end), of one shop or of all."""
    return await db.read(_paid_order_times, as_utc(start), as_utc(end), shop_id)


def _paid_order_times(
    connection: Connection, start: datetime, end: datetime, shop_id: int | None
) -> list[OrderTimes]:
    query = _PAID_BETWEEN
    if shop_id is not None:
        query = query.where(ORDERS.c.shop_id == shop_id)
    return [
        OrderTimes(
            shop_id=row.shop_id,
            paid_at=row.paid_at,
            accepted_at=row.accepted_at,
            rejected_at=row.rejected_at,
            refunded_at=row.refunded_at,
            reminders=row.reminder_count,
            waiting=row.status == OrderStatus.TO_BE_CONFIRMED,
        )
        for row in connection.execute(query, {"start": start, "end": end})
    ]
