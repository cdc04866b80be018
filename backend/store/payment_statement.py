"""PostgreSQL: a payment recorded whole in one statement, in its own implicit transaction.

One data-modifying WITH pays the order (only if it is still unpaid and of the amount paid),
draws the shop's daily number and numbers the order, appends the new-order event under the
log's lock and NOTIFYs it; run without BEGIN (autocommit), it commits as it ends. One round trip
to the database instead of four: the log's lock is never held while the event loop gets round
to sending the next statement, and a failure anywhere in it rolls all of it back.

The event's payload is the one ``backend.store.events`` builds in Python: everything the
payment itself decides (type, status, times, the order's number and amount) comes from that
builder through bound values, and only what the order row holds (its id and shop, the lines,
remark, address, the phone's last digits) and the number drawn are filled in by the statement.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Executable,
    FromClause,
    Update,
    bindparam,
    func,
    literal,
    literal_column,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from backend.store.events import announced_append, announcement, payload_of
from backend.store.schema import ORDERS
from orderbell_protocol import Event, EventType, OrderStatus, OrderSummary

# What the payment itself decides, by key of the payload (and of its "order" object): bound
# from the Python builder's payload. Every other key is filled in from the paid order's row.
_DECIDED = ("type", "content", "orderNumber", "status", "amountFen", "createdAt")
_DECIDED_IN_ORDER = ("paidAt",)
# What the counter sees of each of the order's lines, by key of the stored line.
_LINE = ("name", "quantity")
_EVENT_ID = "event_id"


def paid_and_logged(pay: Update) -> Executable:
    """The statement: ``pay`` (an UPDATE of orders returning the whole row) and its event.

    Returns the paid order's row and ``event_id``, or no row when ``pay`` matched nothing -
    then nothing was written, no number drawn, no lock taken. The event is appended for the
    row ``pay`` returns, so after its row lock and the daily counter's (the order every
    transaction that appends takes its locks in), and is announced from the row appended.
    """
    paid = pay.cte("paid")
    values: dict[str, Any] = {
        "shop_id": paid.c.shop_id,
        "type": literal(int(EventType.NEW_ORDER)),
        "order_id": paid.c.id,
        "payload": _payload(paid),
        "created_at": bindparam("event_created_at", type_=ORDERS.c.updated_at.type),
    }
    appended = announced_append(values, after=paid)
    # Both parts hold one row, or none.
    return select(*paid.c, appended.c.id.label(_EVENT_ID), announcement(appended)).select_from(
        paid.join(appended, true())
    )


def payment_values(
    order_number: str, amount_fen: int, paid_at: datetime, now: datetime
) -> dict[str, Any]:
    """The statement's bound values for the event, from the Python builder's payload.

    ``paid_at`` and ``now`` as the order row will hold them (aware, UTC).
    """
    decided = Event(
        id=0,
        type=EventType.NEW_ORDER,
        shop_id=0,
        order_id=0,
        order_number=order_number,
        status=OrderStatus.TO_BE_CONFIRMED,
        amount_fen=amount_fen,
        created_at=now,
        order=OrderSummary(paid_at=paid_at),
    )
    payload = payload_of(decided)
    values = {_bound(key): payload[key] for key in _DECIDED}
    values |= {_bound(key): payload["order"][key] for key in _DECIDED_IN_ORDER}
    return values | {"event_created_at": now}


def event_id_of(row: Any) -> int:
    """The id of the event a row of the statement appended."""
    event_id: int = getattr(row, _EVENT_ID)
    return event_id


def _bound(key: str) -> str:
    return f"payload_{key}"


def _decided(key: str) -> ColumnElement[Any]:
    return bindparam(_bound(key), type_=JSON)


def _payload(paid: FromClause) -> ColumnElement[Any]:
    """The event's payload, in the order of ``event_to_dict``'s keys (the tests compare them)."""
    order = _object(
        {
            "items": _lines(paid),
            "remark": paid.c.remark,
            "phoneTail": func.right(func.regexp_replace(paid.c.phone, "[^0-9]", "", "g"), 4),
            "paidAt": _decided("paidAt"),
            "address": paid.c.address,
        }
    )
    return _object(
        {
            "type": _decided("type"),
            "orderId": paid.c.id,
            "content": _decided("content"),
            "shopId": paid.c.shop_id,
            "orderNumber": _decided("orderNumber"),
            "status": _decided("status"),
            "amountFen": _decided("amountFen"),
            "createdAt": _decided("createdAt"),
            "order": order,
            "daySeq": paid.c.day_seq,
        }
    )


def _object(fields: Mapping[str, ColumnElement[Any]]) -> ColumnElement[Any]:
    """A JSON object with these keys in this order."""
    pairs: list[Any] = []
    for key, value in fields.items():
        pairs += [literal_column(f"'{key}'"), value]
    return func.json_build_object(*pairs, type_=JSON)


def _lines(paid: FromClause) -> ColumnElement[Any]:
    """The order's lines as the counter sees them: name and quantity, as stored, in order."""
    # ``c.items`` would be the collection's method: the column is looked up by name.
    line = (
        func.json_array_elements(paid.c["items"])
        .table_valued("value", with_ordinality="position", name="line")
        .render_derived()
    )
    entry = _object({key: line.c.value.op("->")(literal_column(f"'{key}'")) for key in _LINE})
    lines = func.json_agg(aggregate_order_by(entry, line.c.position))
    return (
        select(func.coalesce(lines, literal_column("'[]'::json")))
        .select_from(line)
        .scalar_subquery()
    )
