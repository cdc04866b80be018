"""Staff at the counter accepting or rejecting a paid order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import update

from backend.store.database import Database, rows_changed
from backend.store.errors import InvalidOrder
from backend.store.events import append_event
from backend.store.order_view import OrderView, view_of
from backend.store.schema import OrderRow
from backend.store.timestamps import as_utc
from orderbell_protocol import Event, EventType, OrderStatus

MAX_REASON_CHARS = 200


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
    now = as_utc(now)
    return await _handle(
        db,
        shop_id=shop_id,
        order_id=order_id,
        now=now,
        changes={"status": OrderStatus.CONFIRMED, "accepted_at": now},
        reason=None,
    )


async def reject_order(
    db: Database, *, shop_id: int, order_id: int, reason: str, now: datetime
) -> HandleOutcome:
    """Cancel a paid order of this shop with a reason; refunding is WeChat Pay's business."""
    reason = reason.strip()
    if not 1 <= len(reason) <= MAX_REASON_CHARS:
        raise InvalidOrder(f"a rejection needs a reason of 1 to {MAX_REASON_CHARS} characters")
    return await _handle(
        db,
        shop_id=shop_id,
        order_id=order_id,
        now=as_utc(now),
        changes={"status": OrderStatus.CANCELLED, "rejected_reason": reason},
        reason=reason,
    )


async def _handle(
    db: Database,
    *,
    shop_id: int,
    order_id: int,
    now: datetime,
    changes: dict[str, Any],
    reason: str | None,
) -> HandleOutcome:
    async with db.session() as session, session.begin():
        order = await session.get(OrderRow, order_id)
        if order is None or order.shop_id != shop_id:
            return HandleOutcome(HandleResult.NOT_FOUND, None, None)
        handled = await session.execute(
            update(OrderRow)
            .where(OrderRow.id == order_id, OrderRow.status == OrderStatus.TO_BE_CONFIRMED)
            .values(**changes, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        await session.refresh(order)
        if rows_changed(handled) != 1:
            return HandleOutcome(HandleResult.CONFLICT, view_of(order), None)
        event = await append_event(session, order, EventType.ORDER_UPDATED, now, reason=reason)
        return HandleOutcome(HandleResult.DONE, view_of(order), event)
