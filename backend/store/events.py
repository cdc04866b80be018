"""The event log: every order change that staff must hear about, in commit order."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backend.protocol import (
    Event,
    EventType,
    OrderLine,
    OrderStatus,
    OrderSummary,
    event_from_dict,
    event_to_dict,
)
from backend.store.database import Database
from backend.store.schema import EventRow, OrderRow
from backend.store.timestamps import as_utc

# Key of the PostgreSQL advisory lock that orders event appends (any constant bigint works).
_EVENT_LOG_LOCK = int.from_bytes(b"OBevents", "big")

# The PostgreSQL NOTIFY channel that tells every instance a new event was committed.
EVENTS_CHANNEL = "orderbell_events"


async def append_event(
    session: AsyncSession,
    order: OrderRow,
    event_type: EventType,
    now: datetime,
    *,
    reminder_count: int | None = None,
    waited_seconds: int | None = None,
    reason: str | None = None,
) -> Event:
    """Log what just happened to order, inside the caller's transaction, and return it."""
    await _serialize_appends(session)
    event = Event(
        id=0,
        type=event_type,
        shop_id=order.shop_id,
        order_id=order.id,
        order_number=order.number,
        status=OrderStatus(order.status),
        amount_fen=order.amount_fen,
        created_at=as_utc(now),
        order=_summary(order),
        reminder_count=reminder_count,
        waited_seconds=waited_seconds,
        reason=reason,
    )
    payload = event_to_dict(event)
    del payload["id"]
    row = EventRow(
        shop_id=event.shop_id,
        type=int(event_type),
        order_id=event.order_id,
        payload=payload,
        created_at=event.created_at,
    )
    session.add(row)
    await session.flush()
    await _announce_at_commit(session, event.shop_id, row.id)
    return replace(event, id=row.id)


async def events_after(db: Database, shop_id: int, after_id: int, limit: int = 1000) -> list[Event]:
    """One shop's events with id > after_id, oldest first."""
    query = (
        select(EventRow)
        .where(EventRow.shop_id == shop_id, EventRow.id > after_id)
        .order_by(EventRow.id)
        .limit(limit)
    )
    async with db.read_session() as session:
        return [row_to_event(row) for row in await session.scalars(query)]


async def events_since(db: Database, after_id: int, limit: int = 1000) -> list[Event]:
    """Every shop's events with id > after_id, oldest first."""
    query = select(EventRow).where(EventRow.id > after_id).order_by(EventRow.id).limit(limit)
    async with db.read_session() as session:
        return [row_to_event(row) for row in await session.scalars(query)]


async def last_event_id(db: Database) -> int:
    """The id of the newest event, 0 while the log is empty."""
    async with db.read_session() as session:
        newest = await session.scalar(select(func.max(EventRow.id)))
    return newest or 0


def row_to_event(row: EventRow) -> Event:
    """The protocol event a log row holds."""
    return event_from_dict(row.payload | {"id": row.id})


def _summary(order: OrderRow) -> OrderSummary:
    digits = "".join(ch for ch in order.phone if ch.isdigit())
    return OrderSummary(
        items=tuple(
            OrderLine(name=item["name"], quantity=item["quantity"]) for item in order.items
        ),
        remark=order.remark,
        phone_tail=digits[-4:],
        paid_at=order.paid_at,
    )


async def _serialize_appends(session: AsyncSession) -> None:
    # Readers advance a cursor past the highest id they saw, so ids must become visible in
    # order. A PostgreSQL sequence hands out ids before commit, and a later id can commit first;
    # holding this lock until commit makes appends (and their commits) happen one at a time.
    # The lock is taken before the INSERT draws its id, and PostgreSQL makes a commit visible
    # before it releases the transaction's locks, so whoever draws the next id does so after
    # the previous event is readable - across connections, processes and hosts alike.
    # SQLite needs nothing: BEGIN IMMEDIATE already lets only one writer in at a time.
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _EVENT_LOG_LOCK})


async def _announce_at_commit(session: AsyncSession, shop_id: int, event_id: int) -> None:
    # PostgreSQL delivers a NOTIFY only if, and when, this transaction commits, so listeners
    # never hear of an event they cannot read yet, nor of one that was rolled back.
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_notify(:channel, :payload)"),
            {"channel": EVENTS_CHANNEL, "payload": notification_payload(shop_id, event_id)},
        )


def notification_payload(shop_id: int, event_id: int) -> str:
    """What the NOTIFY for one committed event says: its shop and id, as JSON."""
    return json.dumps({"shopId": shop_id, "id": event_id}, separators=(",", ":"))
