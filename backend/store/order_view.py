"""An order as plain values, and its JSON form for the REST API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row

from backend.store.schema import OrderRow
from orderbell_protocol import OrderStatus, PayStatus


@dataclass(frozen=True, slots=True)
class Item:
    """One line of an order: what, how many, and the price of one in fen."""

    name: str
    quantity: int
    unit_price_fen: int


@dataclass(frozen=True, slots=True)
class OrderView:
    """A snapshot of one order, detached from any session."""

    id: int
    number: str
    shop_id: int
    user_id: int
    status: OrderStatus
    pay_status: PayStatus
    amount_fen: int
    items: tuple[Item, ...]
    remark: str
    phone: str
    address: str
    created_at: datetime
    paid_at: datetime | None
    transaction_id: str | None
    accepted_at: datetime | None
    rejected_reason: str | None
    reminder_count: int
    last_reminded_at: datetime | None
    updated_at: datetime
    cancel_reason: str | None = None
    business_day: date | None = None  # the shop-local day of the payment, which numbered it
    day_seq: int | None = None  # the order's number on that day (今日第12单); None until paid
    reminder_reply: str | None = None  # the counter's latest answer to the customer's reminders
    reminder_replied_at: datetime | None = None
    refunded_fen: int = 0


def view_of(row: OrderRow | Row[Any]) -> OrderView:
    """The snapshot of a loaded order row, or of a Core row holding every orders column."""
    return OrderView(
        id=row.id,
        number=row.number,
        shop_id=row.shop_id,
        user_id=row.user_id,
        status=OrderStatus(row.status),
        pay_status=PayStatus(row.pay_status),
        amount_fen=row.amount_fen,
        items=tuple(
            Item(
                name=str(item["name"]),
                quantity=int(item["quantity"]),
                unit_price_fen=int(item["unitPriceFen"]),
            )
            for item in row.items
        ),
        remark=row.remark,
        phone=row.phone,
        address=row.address,
        created_at=row.created_at,
        paid_at=row.paid_at,
        transaction_id=row.transaction_id,
        accepted_at=row.accepted_at,
        rejected_reason=row.rejected_reason,
        reminder_count=row.reminder_count,
        last_reminded_at=row.last_reminded_at,
        updated_at=row.updated_at,
        cancel_reason=row.cancel_reason,
        business_day=row.business_day,
        day_seq=row.day_seq,
        reminder_reply=row.reminder_reply,
        reminder_replied_at=row.reminder_replied_at,
        refunded_fen=row.refunded_fen,
    )


def phone_tail(phone: str) -> str:
    """The last four digits of the customer's phone: what staff and owners call the order by."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return digits[-4:]


def items_to_json(items: Sequence[Item]) -> list[dict[str, Any]]:
    """Order lines as stored in the orders.items column and sent by the API."""
    return [
        {"name": item.name, "quantity": item.quantity, "unitPriceFen": item.unit_price_fen}
        for item in items
    ]


def order_to_json(view: OrderView) -> dict[str, Any]:
    """The camelCase JSON object of an order; times are ISO 8601 in UTC or null."""
    return {
        "id": view.id,
        "number": view.number,
        "shopId": view.shop_id,
        "userId": view.user_id,
        "status": int(view.status),
        "payStatus": int(view.pay_status),
        "amountFen": view.amount_fen,
        "items": items_to_json(view.items),
        "remark": view.remark,
        "phone": view.phone,
        "address": view.address,
        "createdAt": _iso(view.created_at),
        "paidAt": _iso(view.paid_at),
        "transactionId": view.transaction_id,
        "acceptedAt": _iso(view.accepted_at),
        "rejectedReason": view.rejected_reason,
        "cancelReason": view.cancel_reason,
        "refundedFen": view.refunded_fen,
        "reminderCount": view.reminder_count,
        "lastRemindedAt": _iso(view.last_reminded_at),
        "businessDay": None if view.business_day is None else view.business_day.isoformat(),
        "daySeq": view.day_seq,
        "reminderReply": view.reminder_reply,
        "reminderRepliedAt": _iso(view.reminder_replied_at),
    }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
