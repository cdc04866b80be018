"""Daily order numbers (今日第12单): each shop numbers its paid orders afresh every local day.

A number is drawn in the transaction that records the payment, from a per-shop, per-day
counter row that one ``INSERT ... ON CONFLICT DO UPDATE`` creates or increments (on PostgreSQL
in the same statement as the payment's UPDATE, see :func:`pay_and_number`). The database
serialises concurrent draws on that row (PostgreSQL makes a second payment wait for the first
one's commit; SQLite lets one writer in at a time), so two payments of one shop never get the
same number, whichever instance records them, and a payment that rolls back uses none up.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Executable,
    Row,
    Table,
    Update,
    bindparam,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from backend.store.database import WriteTransaction
from backend.store.schema import DAILY_ORDER_NUMBERS, ORDERS
from backend.store.timestamps import as_utc

_COUNTER = DAILY_ORDER_NUMBERS.c
_DAY = bindparam("numbering_day", type_=_COUNTER.day.type)
_FIRST = {
    "shop_id": bindparam("numbering_shop", type_=_COUNTER.shop_id.type),
    "day": _DAY,
    "last_seq": 1,
}


def _draw(insert: Callable[[Table], postgresql.Insert | sqlite.Insert]) -> Executable:
    """The statement that draws a shop's next number of a day, built with ``insert``."""
    return (
        insert(DAILY_ORDER_NUMBERS)
        .values(_FIRST)
        .on_conflict_do_update(
            index_elements=[_COUNTER.shop_id, _COUNTER.day],
            set_={"last_seq": _COUNTER.last_seq + 1},
        )
        .returning(_COUNTER.last_seq)
    )


# Built once per dialect: both speak ON CONFLICT, each through its own statement class.
_DRAW = {"postgresql": _draw(postgresql.insert), "sqlite": _draw(sqlite.insert)}
_NUMBER = (
    update(ORDERS)
    .where(ORDERS.c.id == bindparam("numbered_order", type_=ORDERS.c.id.type))
    .values(
        business_day=bindparam("numbering_day", type_=ORDERS.c.business_day.type),
        day_seq=bindparam("drawn_seq", type_=ORDERS.c.day_seq.type),
    )
    .returning(*ORDERS.c)
)


def business_day(moment: datetime, zone: tzinfo) -> date:
    """The shop-local day an aware moment falls on."""
    return as_utc(moment).astimezone(zone).date()


def number_order(transaction: WriteTransaction, order_id: int, shop_id: int, day: date) -> Row[Any]:
    """Give the order the shop's next number of ``day``; returns the order's row as it is now."""
    draw = _DRAW[transaction.connection.dialect.name]
    seq: int = transaction.execute(
        draw, {"numbering_shop": shop_id, "numbering_day": day}
    ).scalar_one()
    values = {"numbered_order": order_id, "numbering_day": day, "drawn_seq": seq}
    return transaction.execute(_NUMBER, values).one()


def pay_and_number(payable: list[ColumnElement[bool]], paid: dict[str, Any]) -> Update:
    """PostgreSQL: one statement that pays the order matching ``payable`` and numbers it.

    It sets the ``paid`` values and the shop's next number of the day (bound as
    ``numbering_day``) and returns the order's whole row, or no row when nothing matched. One
    round trip instead of three (pay, draw, number); a payment's usual statement
    (``backend.store.payment_statement``) logs the order in it too.

    The parts of a WITH query have no order of their own, so each reads the one before. The
    order is selected FOR UPDATE: a concurrent payment of the same order makes this one wait
    for its commit, and PostgreSQL then checks the conditions again on the row as it now is, so
    an order paid meanwhile is not selected. The draw inserts one row per order selected - none
    when nothing matched, so a duplicate or refused notification uses no number - and the
    UPDATE joins the order and the number drawn.
    """
    order = (
        select(ORDERS.c.id, ORDERS.c.shop_id)
        .where(*payable)
        .with_for_update(of=ORDERS)
        .cte("payable")
    )
    drawn = (
        postgresql.insert(DAILY_ORDER_NUMBERS)
        .from_select(
            [_COUNTER.shop_id, _COUNTER.day, _COUNTER.last_seq],
            select(order.c.shop_id, _DAY, literal(1, _COUNTER.last_seq.type)),
        )
        .on_conflict_do_update(
            index_elements=[_COUNTER.shop_id, _COUNTER.day],
            set_={"last_seq": _COUNTER.last_seq + 1},
        )
        .returning(_COUNTER.shop_id, _COUNTER.last_seq)
        .cte("drawn")
    )
    return (
        update(ORDERS)
        # The conditions again: should the row have changed after all, it is left as it is.
        .where(ORDERS.c.id == order.c.id, ORDERS.c.shop_id == drawn.c.shop_id, *payable)
        .values({**paid, "business_day": _DAY, "day_seq": drawn.c.last_seq})
        .returning(*ORDERS.c)
    )
