"""The event log: every order change that staff must hear about, in commit order."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Connection,
    Executable,
    FromClause,
    Integer,
    Row,
    Select,
    bindparam,
    func,
    insert,
    literal,
    select,
    true,
)

from backend.store.database import Database, WriteTransaction
from backend.store.order_view import OrderView, phone_tail
from backend.store.schema import EVENTS, EventRow
from backend.store.timestamps import as_utc
from orderbell_protocol import (
    Event,
    EventType,
    OrderLine,
    OrderSummary,
    ProtocolError,
    event_from_dict,
    event_to_dict,
)

log = logging.getLogger(__name__)

# Key of the PostgreSQL advisory lock that orders event appends (any constant bigint works).
_EVENT_LOG_LOCK = int.from_bytes(b"OBevents", "big")

# The PostgreSQL NOTIFY channel that tells every instance a new event was committed.
EVENTS_CHANNEL = "orderbell_events"

# Built once: a statement object caches its compiled form, so each use only binds values.
_APPEND = insert(EVENTS).returning(EVENTS.c.id)
_NEW_EVENT = {
    "shop_id": bindparam("shop_id", type_=EVENTS.c.shop_id.type),
    "type": bindparam("type", type_=EVENTS.c.type.type),
    "order_id": bindparam("order_id", type_=EVENTS.c.order_id.type),
    "payload": bindparam("payload", type_=EVENTS.c.payload.type),
    "created_at": bindparam("created_at", type_=EVENTS.c.created_at.type),
}


# Why appends under the log's lock make ids visible in order: readers advance a cursor past
# the highest id they saw, so ids must become visible in order. A PostgreSQL sequence hands out
# ids before commit, and a later id can commit first; holding the lock until commit makes
# appends (and their commits) happen one at a time. The lock is taken before the INSERT draws
# its id, and PostgreSQL makes a commit visible before it releases the transaction's locks, so
# whoever draws the next id does so after the previous event is readable - across connections,
# processes and hosts alike. PostgreSQL delivers the NOTIFY only if, and when, the transaction
# commits, so listeners never hear of an event they cannot read yet, nor of one rolled back.
# All of this holds for a statement that runs in its own implicit transaction (autocommit) as
# for one inside BEGIN ... COMMIT: the lock is then held until that statement commits.
def announced_append(values: Mapping[str, Any], after: FromClause | None = None) -> CTE:
    """PostgreSQL: the log's lock, then the INSERT of an event, as parts of one WITH statement.

    ``values`` gives each events column (but the id) an expression. With ``after`` (a part of
    the same statement), one event is appended for each of its rows, and the lock is taken only
    once a row exists: a statement that changed nothing appends nothing and takes no lock, and
    the lock comes after whatever row locks making ``after``'s rows took. Returns the part
    ``appended`` (the id and shop of each event); :func:`announcement` names what to NOTIFY.

    PostgreSQL does not promise in what order the parts of a WITH query run, so the order is
    made by data: the INSERT's rows are selected FROM the lock's result, so the lock is granted
    before a row - and with it the id its default draws from the sequence - exists. (The lock's
    query calls a volatile function, so the planner neither inlines nor skips it; a
    data-modifying WITH runs exactly once.) Ids are therefore drawn one at a time, in lock
    order, and each lock is held until its transaction commits: see the note above on why
    that makes ids visible in order.
    """
    lock = select(func.pg_advisory_xact_lock(literal(_EVENT_LOG_LOCK)).label("locked"))
    locked = (lock if after is None else lock.select_from(after)).cte("log_locked")
    rows = select(*values.values()).select_from(
        locked if after is None else after.join(locked, true())
    )
    return (
        insert(EVENTS)
        .from_select(list(values), rows)
        .returning(EVENTS.c.id, EVENTS.c.shop_id)
        .cte("appended")
    )


def announcement(appended: CTE) -> ColumnElement[Any]:
    """NOTIFY the event ``appended`` inserted, computed from its row: so it runs after the insert.

    The same text as :func:`notification_payload`, built by the server from the row inserted.
    """
    text = func.format('{"shopId":%s,"id":%s}', appended.c.shop_id, appended.c.id)
    return func.pg_notify(literal(EVENTS_CHANNEL), text)


def _append_announced() -> Executable:
    """PostgreSQL: take the log's lock, insert the event and NOTIFY it, in one statement.

    One round trip instead of three, so the lock is held only until the COMMIT that follows,
    never while the event loop gets round to sending the INSERT and then the NOTIFY.
    """
    appended = announced_append(_NEW_EVENT)
    return select(appended.c.id, announcement(appended))


_APPEND_ANNOUNCED = _append_announced()
_AFTER = (
    select(EVENTS.c.id, EVENTS.c.payload)
    .where(EVENTS.c.id > bindparam("after_id", type_=EVENTS.c.id.type))
    .order_by(EVENTS.c.id)
    .limit(bindparam("limit", type_=Integer()))
)
_SHOP_AFTER = (
    select(EVENTS.c.id, EVENTS.c.payload)
    .where(
        EVENTS.c.shop_id == bindparam("shop_id", type_=EVENTS.c.shop_id.type),
        EVENTS.c.id > bindparam("after_id", type_=EVENTS.c.id.type),
    )
    .order_by(EVENTS.c.id)
    .limit(bindparam("limit", type_=Integer()))
)


def new_event(
    order: OrderView,
    event_type: EventType,
    now: datetime,
    *,
    reminder_count: int | None = None,
    waited_seconds: int | None = None,
    reason: str | None = None,
    reminder_reply: str | None = None,
    refund_fen: int | None = None,
) -> Event:
    """The event telling staff what just happened to ``order``, before the log gives it an id."""
    return Event(
        id=0,
        type=event_type,
        shop_id=order.shop_id,
        order_id=order.id,
        order_number=order.number,
        status=order.status,
        amount_fen=order.amount_fen,
        created_at=as_utc(now),
        order=_summary(order),
        reminder_count=reminder_count,
        waited_seconds=waited_seconds,
        reason=reason,
        day_seq=order.day_seq,
        reminder_reply=reminder_reply,
        refund_fen=refund_fen,
    )


def payload_of(event: Event) -> dict[str, Any]:
    """What the log's payload column holds for an event: all of it but the id."""
    payload = event_to_dict(event)
    del payload["id"]
    return payload


def append_event(
    transaction: WriteTransaction,
    order: OrderView,
    event_type: EventType,
    now: datetime,
    *,
    reminder_count: int | None = None,
    waited_seconds: int | None = None,
    reason: str | None = None,
    reminder_reply: str | None = None,
    refund_fen: int | None = None,
) -> Event:
    """Log what just happened to ``order`` in this write transaction, and return the event.

    The one way an event enters the log but for a payment on PostgreSQL, which is recorded
    whole in one statement (``backend.store.payment_statement``). The database hands the event
    to the dispatcher once the transaction commits; if it rolls back, nobody ever hears of it.
    """
    event = new_event(
        order,
        event_type,
        now,
        reminder_count=reminder_count,
        waited_seconds=waited_seconds,
        reason=reason,
        reminder_reply=reminder_reply,
        refund_fen=refund_fen,
    )
    values = {
        "shop_id": event.shop_id,
        "type": int(event_type),
        "order_id": event.order_id,
        "payload": payload_of(event),
        "created_at": event.created_at,
    }
    connection = transaction.connection
    # SQLite needs no lock: BEGIN IMMEDIATE already lets only one writer in at a time, and
    # nobody listens for notifications.
    statement = _APPEND_ANNOUNCED if connection.dialect.name == "postgresql" else _APPEND
    event_id: int = connection.execute(statement, values).scalar_one()
    appended = replace(event, id=event_id)
    transaction.events.append(appended)
    return appended


async def events_after(db: Database, shop_id: int, after_id: int, limit: int = 1000) -> list[Event]:
    """One shop's events with id > after_id, oldest first."""
    values = {"shop_id": shop_id, "after_id": after_id, "limit": limit}
    return await db.read_one(_read_events, _SHOP_AFTER, values)


async def events_since(db: Database, after_id: int, limit: int = 1000) -> list[Event]:
    """Every shop's events with id > after_id, oldest first."""
    return await db.read_one(_read_events, _AFTER, {"after_id": after_id, "limit": limit})


def _read_events(connection: Connection, query: Select[Any], values: dict[str, int]) -> list[Event]:
    events = []
    for row in connection.execute(query, values):
        try:
            events.append(row_to_event(row))
        except (ProtocolError, TypeError) as exc:
            # A row no version of this server would write (edited by hand, say): it must not
            # stop the dispatcher or a replay, so it is reported and passed over.
            log.error("ANOMALY event %s in the log is unreadable (%s); skipped", row.id, exc)
    return events


_NEWEST = select(func.max(EVENTS.c.id))


async def last_event_id(db: Database) -> int:
    """The id of the newest event, 0 while the log is empty."""
    return await db.read(newest_event_id)


def newest_event_id(connection: Connection) -> int:
    """The id of the newest event as ``connection``'s transaction sees it, 0 if there is none."""
    newest: int | None = connection.execute(_NEWEST).scalar()
    return newest or 0


def row_to_event(row: EventRow | Row[Any]) -> Event:
    """The protocol event a log row (or a row with its id and payload columns) holds."""
    payload: dict[str, Any] = row.payload
    return event_from_dict(payload | {"id": row.id})


def _summary(order: OrderView) -> OrderSummary:
    return OrderSummary(
        items=tuple(OrderLine(name=item.name, quantity=item.quantity) for item in order.items),
        remark=order.remark,
        phone_tail=phone_tail(order.phone),
        address=order.address,
        paid_at=order.paid_at,
    )


def notification_payload(shop_id: int, event_id: int) -> str:
    """What the NOTIFY for one committed event says: its shop and id, as JSON."""
    return json.dumps({"shopId": shop_id, "id": event_id}, separators=(",", ":"))
