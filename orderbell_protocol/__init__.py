"""Wire protocol v1: the order events the server pushes to counter PCs (stdlib only).

One JSON object per WebSocket text frame. The Sky Take-out fields ``type``, ``orderId`` and
``content`` keep their meaning so an unmodified Sky Take-out admin page still understands the
stream; everything else is added. The desktop imports this module, so it must stay free of any
web or database framework.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Any

PROTOCOL_VERSION = 1

# A daily order number fits a 32-bit column; anything else on the wire is malformed.
MAX_DAY_SEQ = 2**31 - 1

# The counter's replies to a customer's reminder (催单) that need no typing, by the name the
# counter API takes, and the words the customer is shown.
REPLY_PRESETS = {
    "cooking": "已在制作",
    "ready_soon": "马上出餐",
    "rider_picked_up": "骑手已取餐",
}
MAX_REPLY_CHARS = 60  # a free-text reply: one line the customer reads at a glance

# WebSocket close codes of /ws/{sid}.
CLOSE_GOING_AWAY = 1001  # the server is shutting down: reconnect (elsewhere) with since=
CLOSE_BAD_TOKEN = 4401  # missing, unknown or revoked device token: do not retry as is
CLOSE_TOO_SLOW = 4408  # the client fell too far behind: reconnect with since=


class EventType(IntEnum):
    """What happened to an order."""

    NEW_ORDER = 1
    REMINDER = 2
    ORDER_UPDATED = 3


class OrderStatus(IntEnum):
    """Order status codes, as Sky Take-out numbers them."""

    PENDING_PAYMENT = 1
    TO_BE_CONFIRMED = 2
    CONFIRMED = 3
    DELIVERY_IN_PROGRESS = 4
    COMPLETED = 5
    CANCELLED = 6


class PayStatus(IntEnum):
    """Payment status codes, as Sky Take-out numbers them."""

    UNPAID = 0
    PAID = 1
    REFUNDED = 2


# Orders a customer may hurry and that still need attention at the counter.
WAITING_STATUSES = frozenset(
    {OrderStatus.TO_BE_CONFIRMED, OrderStatus.CONFIRMED, OrderStatus.DELIVERY_IN_PROGRESS}
)


class ProtocolError(ValueError):
    """A frame that is not a valid v1 event; log it and skip it."""


class UnknownEventType(ProtocolError):
    """A well-formed frame of a type this version does not know; ignore it."""


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One line of an order as the counter sees it."""

    name: str
    quantity: int


@dataclass(frozen=True, slots=True)
class OrderSummary:
    """What the alert card needs to show about an order."""

    items: tuple[OrderLine, ...] = ()
    remark: str = ""
    phone_tail: str = ""
    paid_at: datetime | None = None
    address: str = ""


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of a shop's event log, as sent on the wire."""

    id: int
    type: EventType
    shop_id: int
    order_id: int
    order_number: str
    status: OrderStatus
    amount_fen: int
    created_at: datetime
    order: OrderSummary = field(default_factory=OrderSummary)
    reminder_count: int | None = None
    waited_seconds: int | None = None
    reason: str | None = None
    day_seq: int | None = None  # the shop's number of the order on its day (今日第12单)
    reminder_reply: str | None = None  # type 3 only: the counter answered the customer's 催单
    # Type 3 after a refund: how much of the order is refunded so far, in fen. A partial refund
    # keeps the order's status; only a whole one cancels it.
    refund_fen: int | None = None

    @property
    def content(self) -> str:
        """The Sky Take-out human text."""
        return f"订单号：{self.order_number}"

    @property
    def tail(self) -> str:
        """The last four digits staff call the order by."""
        return self.order_number[-4:]


def event_to_dict(event: Event) -> dict[str, Any]:
    """The JSON object of one event."""
    summary = event.order
    data: dict[str, Any] = {
        "type": int(event.type),
        "orderId": event.order_id,
        "content": event.content,
        "id": event.id,
        "shopId": event.shop_id,
        "orderNumber": event.order_number,
        "status": int(event.status),
        "amountFen": event.amount_fen,
        "createdAt": event.created_at.isoformat(),
        "order": {
            "items": [{"name": line.name, "quantity": line.quantity} for line in summary.items],
            "remark": summary.remark,
            "phoneTail": summary.phone_tail,
            "paidAt": summary.paid_at.isoformat() if summary.paid_at else None,
            "address": summary.address,
        },
    }
    if event.day_seq is not None:
        data["daySeq"] = event.day_seq
    if event.reminder_count is not None:
        data["reminderCount"] = event.reminder_count
    if event.waited_seconds is not None:
        data["waitedSeconds"] = event.waited_seconds
    if event.reason is not None:
        data["reason"] = event.reason
    if event.reminder_reply is not None:
        data["reminderReply"] = event.reminder_reply
    if event.refund_fen is not None:
        data["refundFen"] = event.refund_fen
    return data


def encode_event(event: Event) -> str:
    """The text frame of one event."""
    return json.dumps(event_to_dict(event), ensure_ascii=False, separators=(",", ":"))


def decode_event(frame: str | bytes) -> Event:
    """Parse one text frame strictly: UTF-8, JSON object, known type, required fields."""
    if isinstance(frame, bytes):
        try:
            frame = frame.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProtocolError("frame is not UTF-8") from exc
    try:
        data = json.loads(frame)
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"frame is not JSON: {exc.msg}") from exc
    except RecursionError:
        raise ProtocolError("frame is nested too deeply") from None
    except ValueError as exc:  # e.g. an integer of thousands of digits
        raise ProtocolError(f"frame is not usable JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ProtocolError("frame is not a JSON object")
    return event_from_dict(data)


def event_from_dict(data: Mapping[str, Any]) -> Event:
    """Build an event from its JSON object, checking every field it relies on."""
    raw_type = _int(data, "type")
    try:
        event_type = EventType(raw_type)
    except ValueError:
        raise UnknownEventType(f"unknown event type {raw_type}") from None
    raw_status = _int(data, "status")
    try:
        status = OrderStatus(raw_status)
    except ValueError:
        raise ProtocolError(f"unknown order status {raw_status}") from None
    return Event(
        id=_int(data, "id"),
        type=event_type,
        shop_id=_int(data, "shopId"),
        order_id=_int(data, "orderId"),
        order_number=_str(data, "orderNumber"),
        status=status,
        amount_fen=_int(data, "amountFen"),
        created_at=_time(data, "createdAt"),
        order=_summary(data.get("order")),
        reminder_count=_optional_int(data, "reminderCount"),
        waited_seconds=_optional_int(data, "waitedSeconds"),
        reason=_optional_str(data, "reason"),
        day_seq=_day_seq(data),
        reminder_reply=_optional_str(data, "reminderReply"),
        refund_fen=_optional_int(data, "refundFen"),
    )


def _summary(raw: object) -> OrderSummary:
    if raw is None:
        return OrderSummary()
    if not isinstance(raw, dict):
        raise ProtocolError("field 'order' is not an object")
    items_raw = raw.get("items", [])
    if not isinstance(items_raw, list):
        raise ProtocolError("field 'order.items' is not a list")
    items = []
    for item in items_raw:
        if not isinstance(item, dict):
            raise ProtocolError("an order item is not an object")
        items.append(OrderLine(name=_str(item, "name"), quantity=_int(item, "quantity")))
    paid_at = raw.get("paidAt")
    return OrderSummary(
        items=tuple(items),
        remark=_optional_str(raw, "remark") or "",
        phone_tail=_optional_str(raw, "phoneTail") or "",
        paid_at=None if paid_at is None else _time(raw, "paidAt"),
        address=_optional_str(raw, "address") or "",
    )


def _day_seq(data: Mapping[str, Any]) -> int | None:
    # Optional: servers before daily numbers, and orders paid before them, have none.
    value = _optional_int(data, "daySeq")
    if value is not None and not 1 <= value <= MAX_DAY_SEQ:
        raise ProtocolError(f"field 'daySeq' must be 1 to {MAX_DAY_SEQ}")
    return value


def _int(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key)
    # bool is an int subclass; a true/false where a number belongs is a malformed frame.
    if not isinstance(value, int) or isinstance(value, bool):
        raise ProtocolError(f"field {key!r} must be an integer")
    return value


def _optional_int(data: Mapping[str, Any], key: str) -> int | None:
    return None if data.get(key) is None else _int(data, key)


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise ProtocolError(f"field {key!r} must be a string")
    return value


def _optional_str(data: Mapping[str, Any], key: str) -> str | None:
    return None if data.get(key) is None else _str(data, key)


def _time(data: Mapping[str, Any], key: str) -> datetime:
    text = _str(data, key)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ProtocolError(f"field {key!r} is not an RFC 3339 time") from None
    if value.tzinfo is None:
        raise ProtocolError(f"field {key!r} has no time zone")
    return value
