"""Orders as the counter REST API sends them, parsed strictly into frozen values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

from orderbell_protocol import MAX_DAY_SEQ, OrderStatus, PayStatus

_Code = TypeVar("_Code", OrderStatus, PayStatus)


class MalformedAnswer(ValueError):
    """A reply that is not the documented JSON; the REST client reports the server unusable."""


class OrderItem(NamedTuple):
    """One line of an order: what, how many, and the price of one in fen."""

    name: str
    quantity: int
    unit_price_fen: int


@dataclass(frozen=True, slots=True)
class RemoteOrder:
    """One order of this PC's shop, as the server knows it right now."""

    id: int
    number: str
    shop_id: int
    status: OrderStatus
    pay_status: PayStatus
    amount_fen: int
    items: tuple[OrderItem, ...]
    remark: str
    phone: str
    address: str
    created_at: datetime
    paid_at: datetime | None
    accepted_at: datetime | None
    rejected_reason: str | None
    reminder_count: int
    day_seq: int | None = None  # the shop's number of the order on its day; older servers: none
    reminder_reply: str | None = None  # the counter's latest answer to the customer's 催单
    refunded_fen: int = 0  # refunded so far: part of the amount, or all of it when cancelled

    @property
    def tail(self) -> str:
        """The last four digits staff call the order by."""
        return self.number[-4:]


def order_from_json(data: object) -> RemoteOrder:
    """Parse one order object of the REST API; anything off raises :class:`MalformedAnswer`."""
    if not isinstance(data, Mapping):
        raise MalformedAnswer("an order is not a JSON object")
    items = data.get("items")
    if not isinstance(items, list):
        raise MalformedAnswer("field 'items' must be a list")
    return RemoteOrder(
        id=_int(data, "id"),
        number=_str(data, "number"),
        shop_id=_int(data, "shopId"),
        status=_enum(OrderStatus, data, "status"),
        pay_status=_enum(PayStatus, data, "payStatus"),
        amount_fen=_int(data, "amountFen"),
        items=tuple(_item(item) for item in items),
        remark=_str(data, "remark"),
        phone=_str(data, "phone"),
        address=_str(data, "address"),
        created_at=_time(data, "createdAt"),
        paid_at=_optional_time(data, "paidAt"),
        accepted_at=_optional_time(data, "acceptedAt"),
        rejected_reason=_optional_str(data, "rejectedReason"),
        reminder_count=_int(data, "reminderCount"),
        day_seq=_day_seq(data),
        reminder_reply=_optional_str(data, "reminderReply"),
        # Servers before partial refunds do not send it.
        refunded_fen=_int(data, "refundedFen") if data.get("refundedFen") is not None else 0,
    )


def _item(raw: object) -> OrderItem:
    if not isinstance(raw, Mapping):
        raise MalformedAnswer("an order item is not a JSON object")
    return OrderItem(_str(raw, "name"), _int(raw, "quantity"), _int(raw, "unitPriceFen"))


def _int(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key)
    # bool is an int subclass; true/false where a number belongs is a malformed answer.
    if not isinstance(value, int) or isinstance(value, bool):
        raise MalformedAnswer(f"field {key!r} must be an integer")
    return value


def _day_seq(data: Mapping[str, Any]) -> int | None:
    if data.get("daySeq") is None:
        return None
    value = _int(data, "daySeq")
    if not 1 <= value <= MAX_DAY_SEQ:
        raise MalformedAnswer(f"field 'daySeq' must be 1 to {MAX_DAY_SEQ}")
    return value


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise MalformedAnswer(f"field {key!r} must be a string")
    return value


def _optional_str(data: Mapping[str, Any], key: str) -> str | None:
    return None if data.get(key) is None else _str(data, key)


def _enum(kind: type[_Code], data: Mapping[str, Any], key: str) -> _Code:
    raw = _int(data, key)
    try:
        return kind(raw)
    except ValueError:
        raise MalformedAnswer(f"field {key!r} has unknown value {raw}") from None


def _time(data: Mapping[str, Any], key: str) -> datetime:
    text = _str(data, key)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise MalformedAnswer(f"field {key!r} is not an ISO 8601 time") from None
    if value.tzinfo is None:
        raise MalformedAnswer(f"field {key!r} has no time zone")
    return value


def _optional_time(data: Mapping[str, Any], key: str) -> datetime | None:
    return None if data.get(key) is None else _time(data, key)
