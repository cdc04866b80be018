"""Orders: looking them up, plus every order operation under one name."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, func, select

from backend.store.database import Database
from backend.store.handling import HandleOutcome, HandleResult, accept_order, reject_order
from backend.store.order_view import Item, OrderView, order_to_json, view_of
from backend.store.payments import (
    PaymentFacts,
    PaymentOutcome,
    PaymentResult,
    RefundFacts,
    RefundOutcome,
    RefundResult,
    record_payment,
    record_refund,
)
from backend.store.reminders import ReminderOutcome, ReminderResult, remind_order
from backend.store.replies import ReplyOutcome, ReplyResult, reply_to_reminder
from backend.store.schema import ORDERS, OrderRow
from backend.store.submission import submit_order

MAX_PAGE_SIZE = 100

__all__ = [
    "MAX_PAGE_SIZE",
    "HandleOutcome",
    "HandleResult",
    "Item",
    "OrderRow",
    "OrderView",
    "PaymentFacts",
    "PaymentOutcome",
    "PaymentResult",
    "RefundFacts",
    "RefundOutcome",
    "RefundResult",
    "ReminderOutcome",
    "ReminderResult",
    "ReplyOutcome",
    "ReplyResult",
    "accept_order",
    "get_order",
    "get_order_by_id",
    "get_order_by_number",
    "list_orders",
    "order_to_json",
    "record_payment",
    "record_refund",
    "reject_order",
    "remind_order",
    "reply_to_reminder",
    "submit_order",
]


async def get_order(db: Database, *, shop_id: int, order_id: int) -> OrderView | None:
    """One order of this shop; None if there is none or it belongs to another shop."""
    query = select(ORDERS).where(ORDERS.c.id == order_id, ORDERS.c.shop_id == shop_id)
    return await db.read(_one_order, query)


async def get_order_by_id(db: Database, order_id: int) -> OrderView | None:
    """The order with this id, whichever shop and customer it belongs to; the caller checks."""
    return await db.read(_one_order, select(ORDERS).where(ORDERS.c.id == order_id))


async def get_order_by_number(db: Database, number: str) -> OrderView | None:
    """The order with this merchant order number (WeChat out_trade_no), if any."""
    return await db.read(_one_order, select(ORDERS).where(ORDERS.c.number == number))


def _one_order(connection: Connection, query: Select[Any]) -> OrderView | None:
    row = connection.execute(query).one_or_none()
    return None if row is None else view_of(row)


async def list_orders(
    db: Database, *, shop_id: int, status: int | None, page: int, page_size: int
) -> tuple[list[OrderView], int]:
    """One page (from 1) of a shop's orders, newest first, and how many match in total."""
    if page < 1:
        raise ValueError("page counts from 1")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be 1 to {MAX_PAGE_SIZE}")
    matching = [ORDERS.c.shop_id == shop_id]
    if status is not None:
        matching.append(ORDERS.c.status == status)
    rows = (
        select(ORDERS)
        .where(*matching)
        .order_by(ORDERS.c.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    total = select(func.count()).select_from(ORDERS).where(*matching)
    return await db.read(_page_of_orders, rows, total)


def _page_of_orders(
    connection: Connection, rows: Select[Any], total: Select[Any]
) -> tuple[list[OrderView], int]:
    orders = [view_of(row) for row in connection.execute(rows)]
    return orders, connection.execute(total).scalar_one()
