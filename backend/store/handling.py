"""Staff at the counter accepting or rejecting a paid order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import Executable, bindparam, select, update

from backend.store.database import Database, WriteTransaction
from backend.store.errors import InvalidOrder
from backend.store.events import append_event
from backend.store.order_view import OrderView, view_of
from backend.store.schema import ORDERS
from backend.store.timestamps import as_utc
from orderbell_protocol import Event, EventType, OrderStatus

MAX_REASON_CHARS = 200

# Built once: a statement object caches its compiled form, so each use only binds values.
_WAITING_ORDER = (
    ORDERS.c.id == bindparam("order_id", type_=ORDERS.c.id.type),
    ORDERS.c.shop_id == bindparam("counter_shop", type_=ORDERS.c.shop_id.type),
    ORDERS.c.status == OrderStatus.TO_BE_CONFIRMED,
)
_ACCEPT = (
    update(ORDERS)
    .where(*_WAITING_ORDER)
    .values(
        status=OrderStatus.CONFIRMED,
        accepted_at=bindparam("changed_at", type_=ORDERS.c.accepted_at.type),
        updated_at=bindparam("changed_at", type_=ORDERS.c.updated_at.type),
    )
    .returning(*ORDERS.c)
)
_REJECT = (
    update(ORDERS)
    .where(*_WAITING_ORDER)
    .values(
        status=OrderStatus.CANCELLED,
        rejected_reason=bindparam("reason", type_=ORDERS.c.rejected_reason.type),
        rejected_at=bindparam("changed_at", type_=ORDERS.c.rejected_at.type),
        updated_at=bindparam("changed_at", type_=ORDERS.c.updated_at.type),
    )
    .returning(*ORDERS.c)
)
_BY_ID = select(ORDERS).where(ORDERS.c.id == bindparam("order_id", type_=ORDERS.c.id.type))


class HandleResult(Enum):
    """What an accept or reject request did."""

    DONE = "done"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"


@dataclass(frozen=True, slots=True)
class HandleOutcome:
    """The result, the order as it is now, and the event appended (only when DONE)."""

    result: HandleResult
    order: OrderView | None
    event: Event | None


async def accept_order(
    db: Database, *, shop_id: int, order_id: int, now: datetime
) -> HandleOutcome:
    """Confirm a paid order of this shop, so every counter stops ringing for it."""
    values = {"order_id": order_id, "counter_shop": shop_id, "changed_at": as_utc(now)}
    return await db.write(_handle, _ACCEPT, values, None)


async def reject_order(
    db: Database, *, shop_id: int, order_id: int, reason: str, now: datetime
) -> HandleOutcome:
    """Cancel a paid order of this shop with a reason; refunding is WeChat Pay's business."""
    reason = reason.strip()
    if not 1 <= len(reason) <= MAX_REASON_CHARS:
        raise InvalidOrder(f"a rejection needs a reason of 1 to {MAX_REASON_CHARS} characters")
    values = {"order_id": order_id, "counter_shop": shop_id, "changed_at": as_utc(now)}
    return await db.write(_handle, _REJECT, values | {"reason": reason}, reason)


def _handle(
    transaction: WriteTransaction, change: Executable, values: dict[str, Any], reason: str | None
) -> HandleOutcome:
    # One conditional UPDATE decides, so two counters pressing at once change the order once.
    handled = transaction.execute(change, values).one_or_none()
    if handled is not None:
        order = view_of(handled)
        event = append_event(
            transaction, order, EventType.ORDER_UPDATED, values["changed_at"], reason=reason
        )
        return HandleOutcome(HandleResult.DONE, order, event)
    row = transaction.execute(_BY_ID, {"order_id": values["order_id"]}).one_or_none()
    if row is None or row.shop_id != values["counter_shop"]:
        return HandleOutcome(HandleResult.NOT_FOUND, None, None)
    return HandleOutcome(HandleResult.CONFLICT, view_of(row), None)
