"""A customer hurrying an order (催单), at most once per cooldown, enforced by the database."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import bindparam, or_, select, update

from backend.store.database import Database, WriteTransaction
from backend.store.events import append_event
from backend.store.order_view import OrderView, view_of
from backend.store.schema import ORDERS
from backend.store.timestamps import as_utc
from orderbell_protocol import WAITING_STATUSES, Event, EventType

# Built once: a statement object caches its compiled form, so each use only binds values.
# One conditional UPDATE decides, so two quick taps (or two server processes) can never both
# pass the cooldown.
_REMIND = (
    update(ORDERS)
    .where(
        ORDERS.c.id == bindparam("order_id", type_=ORDERS.c.id.type),
        ORDERS.c.user_id == bindparam("customer_id", type_=ORDERS.c.user_id.type),
        ORDERS.c.status.in_([int(status) for status in sorted(WAITING_STATUSES)]),
        or_(
            ORDERS.c.last_reminded_at.is_(None),
            ORDERS.c.last_reminded_at
            <= bindparam("threshold", type_=ORDERS.c.last_reminded_at.type),
        ),
    )
    .values(
        reminder_count=ORDERS.c.reminder_count + 1,
        last_reminded_at=bindparam("reminded_at", type_=ORDERS.c.last_reminded_at.type),
        updated_at=bindparam("reminded_at", type_=ORDERS.c.updated_at.type),
    )
    .returning(*ORDERS.c)
)
_BY_ID = select(ORDERS).where(ORDERS.c.id == bindparam("order_id", type_=ORDERS.c.id.type))


class ReminderResult(Enum):
    """What a reminder request did."""

    REMINDED = "reminded"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    NOT_WAITING = "not_waiting"
    TOO_SOON = "too_soon"


@dataclass(frozen=True, slots=True)
class ReminderOutcome:
    """The result, the order, the event (only when REMINDED) and, if TOO_SOON, when to retry."""

    result: ReminderResult
    order: OrderView | None
    event: Event | None
    retry_after_s: int | None


async def remind_order(
    db: Database, *, order_id: int, user_id: int, now: datetime, cooldown_s: int
) -> ReminderOutcome:
    """Log a reminder for the customer's own waiting order, unless one was sent too recently."""
    return await db.write(_remind, order_id, user_id, as_utc(now), timedelta(seconds=cooldown_s))


def _remind(
    transaction: WriteTransaction,
    order_id: int,
    user_id: int,
    now: datetime,
    cooldown: timedelta,
) -> ReminderOutcome:
    reminded = transaction.execute(
        _REMIND,
        {
            "order_id": order_id,
            "customer_id": user_id,
            "threshold": now - cooldown,
            "reminded_at": now,
        },
    ).one_or_none()
    if reminded is not None:
        order = view_of(reminded)
        waiting_since = order.paid_at or order.created_at
        event = append_event(
            transaction,
            order,
            EventType.REMINDER,
            now,
            reminder_count=order.reminder_count,
            waited_seconds=max(0, int((now - waiting_since).total_seconds())),
        )
        return ReminderOutcome(ReminderResult.REMINDED, order, event, None)
    row = transaction.execute(_BY_ID, {"order_id": order_id}).one_or_none()
    if row is None:
        return ReminderOutcome(ReminderResult.NOT_FOUND, None, None, None)
    if row.user_id != user_id:
        return ReminderOutcome(ReminderResult.FORBIDDEN, None, None, None)
    order = view_of(row)
    if order.status not in WAITING_STATUSES or order.last_reminded_at is None:
        return ReminderOutcome(ReminderResult.NOT_WAITING, order, None, None)
    remaining = (order.last_reminded_at + cooldown - now).total_seconds()
    retry_after_s = max(1, math.ceil(remaining))
    return ReminderOutcome(ReminderResult.TOO_SOON, order, None, retry_after_s)
