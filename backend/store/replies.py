"""The counter answering a customer's reminder (催单): 已在制作, 马上出餐, or its own words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy import bindparam, select, update

from backend.store.database import Database, WriteTransaction
from backend.store.events import append_event
from backend.store.order_view import OrderView, view_of
from backend.store.schema import ORDERS
from backend.store.timestamps import as_utc
from orderbell_protocol import WAITING_STATUSES, Event, EventType

# Built once: a statement object caches its compiled form, so each use only binds values.
# One conditional UPDATE decides: only an order of this shop that a customer has reminded
# and that is still on its way can be answered.
_REPLY = (
    update(ORDERS)
    .where(
        ORDERS.c.id == bindparam("order_id", type_=ORDERS.c.id.type),
        ORDERS.c.shop_id == bindparam("counter_shop", type_=ORDERS.c.shop_id.type),
        ORDERS.c.reminder_count > 0,
        ORDERS.c.status.in_([int(status) for status in sorted(WAITING_STATUSES)]),
    )
    .values(
        reminder_reply=bindparam("reply", type_=ORDERS.c.reminder_reply.type),
        reminder_replied_at=bindparam("replied_at", type_=ORDERS.c.reminder_replied_at.type),
        updated_at=bindparam("replied_at", type_=ORDERS.c.updated_at.type),
    )
    .returning(*ORDERS.c)
)
_BY_ID = select(ORDERS).where(ORDERS.c.id == bindparam("order_id", type_=ORDERS.c.id.type))


class ReplyResult(Enum):
    """What a reply to a reminder did."""

    REPLIED = "replied"
    NOT_FOUND = "not_found"
    NOT_REMINDED = "not_reminded"
    NOT_WAITING = "not_waiting"


@dataclass(frozen=True, slots=True)
class ReplyOutcome:
    """The result, the order as it is now, and the event appended (only when REPLIED)."""

    result: ReplyResult
    order: OrderView | None
    event: Event | None


async def reply_to_reminder(
    db: Database, *, shop_id: int, order_id: int, reply: str, now: datetime
) -> ReplyOutcome:
    """Record the counter's answer to a reminded order of its shop and tell every counter.

    ``reply`` is checked text (the route checks it at the edge). The answer replaces any earlier
    one; the customer reads it with the order. The type-3 event leaves the order's status as it
    is, so a waiting order keeps ringing on every counter, now showing the answer.
    """
    values = {
        "order_id": order_id,
        "counter_shop": shop_id,
        "reply": reply,
        "replied_at": as_utc(now),
    }
    return await db.write(_reply, values)


def _reply(transaction: WriteTransaction, values: dict[str, object]) -> ReplyOutcome:
    replied = transaction.execute(_REPLY, values).one_or_none()
    if replied is not None:
        order = view_of(replied)
        event = append_event(
            transaction,
            order,
            EventType.ORDER_UPDATED,
            order.updated_at,
            reminder_reply=order.reminder_reply,
        )
        return ReplyOutcome(ReplyResult.REPLIED, order, event)
    row = transaction.execute(_BY_ID, {"order_id": values["order_id"]}).one_or_none()
    if row is None or row.shop_id != values["counter_shop"]:
        return ReplyOutcome(ReplyResult.NOT_FOUND, None, None)
    order = view_of(row)
    if order.reminder_count == 0:
        return ReplyOutcome(ReplyResult.NOT_REMINDED, order, None)
    return ReplyOutcome(ReplyResult.NOT_WAITING, order, None)
