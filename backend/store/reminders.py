"""A customer hurrying an order (催单), at most once per cooldown, enforced by the database."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import or_, update

from backend.store.database import Database, rows_changed
from backend.store.events import append_event
from backend.store.order_view import OrderView, view_of
from backend.store.schema import OrderRow
from backend.store.timestamps import as_utc
from orderbell_protocol import WAITING_STATUSES, Event, EventType


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
    now = as_utc(now)
    cooldown = timedelta(seconds=cooldown_s)
    async with db.session() as session, session.begin():
        order = await session.get(OrderRow, order_id)
        if order is None:
            return ReminderOutcome(ReminderResult.NOT_FOUND, None, None, None)
        if order.user_id != user_id:
            return ReminderOutcome(ReminderResult.FORBIDDEN, None, None, None)
        if order.status not in WAITING_STATUSES:
            return ReminderOutcome(ReminderResult.NOT_WAITING, view_of(order), None, None)
        # One conditional UPDATE decides, so two quick taps (or two server processes) can never
        # both pass the cooldown.
        reminded = await session.execute(
            update(OrderRow)
            .where(
                OrderRow.id == order_id,
                OrderRow.status.in_([int(status) for status in sorted(WAITING_STATUSES)]),
                or_(
                    OrderRow.last_reminded_at.is_(None),
                    OrderRow.last_reminded_at <= now - cooldown,
                ),
            )
            .values(
                reminder_count=OrderRow.reminder_count + 1, last_reminded_at=now, updated_at=now
            )
            .execution_options(synchronize_session=False)
        )
        await session.refresh(order)
        if rows_changed(reminded) == 1:
            waiting_since = order.paid_at or order.created_at
            event = await append_event(
                session,
                order,
                EventType.REMINDER,
                now,
                reminder_count=order.reminder_count,
                waited_seconds=max(0, int((now - waiting_since).total_seconds())),
            )
            return ReminderOutcome(ReminderResult.REMINDED, view_of(order), event, None)
        if order.status not in WAITING_STATUSES or order.last_reminded_at is None:
            return ReminderOutcome(ReminderResult.NOT_WAITING, view_of(order), None, None)
        remaining = (order.last_reminded_at + cooldown - now).total_seconds()
        retry_after_s = max(1, math.ceil(remaining))
        return ReminderOutcome(ReminderResult.TOO_SOON, view_of(order), None, retry_after_s)
