"""Taking a customer's order: validating it, pricing it and giving it a number."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from backend.store.database import Database, WriteTransaction
from backend.store.errors import InvalidOrder, StoreError
from backend.store.order_view import Item, OrderView, items_to_json, view_of
from backend.store.schema import ORDERS
from backend.store.timestamps import as_utc
from orderbell_protocol import OrderStatus, PayStatus

MAX_ITEMS = 100
MAX_NAME_CHARS = 64
MAX_QUANTITY = 999
MAX_UNIT_PRICE_FEN = 10_000_000
MAX_TOTAL_FEN = 100_000_000
MAX_TEXT_CHARS = 200
MAX_PHONE_CHARS = 20
_PHONE = re.compile(rf"[0-9+\- ]{{5,{MAX_PHONE_CHARS}}}")
_NUMBER_ATTEMPTS = 5
# Returns the row as stored, server defaults included, so no second query is needed.
_INSERT = insert(ORDERS).returning(*ORDERS.c)


async def submit_order(
    db: Database,
    *,
    user_id: int,
    shop_id: int,
    items: Sequence[Item],
    remark: str,
    phone: str,
    address: str,
    now: datetime,
) -> OrderView:
    """Store a new order awaiting payment; raises InvalidOrder and writes nothing if it is bad."""
    lines = _checked_items(items)
    amount_fen = sum(line.quantity * line.unit_price_fen for line in lines)
    if amount_fen > MAX_TOTAL_FEN:
        raise InvalidOrder(f"the order total may be at most {MAX_TOTAL_FEN // 100} yuan")
    if shop_id < 1:
        raise InvalidOrder("unknown shop")
    remark = remark.strip()
    if len(remark) > MAX_TEXT_CHARS:
        raise InvalidOrder(f"the remark may be at most {MAX_TEXT_CHARS} characters")
    phone = phone.strip()
    if not _PHONE.fullmatch(phone) or not any(ch.isdigit() for ch in phone):
        raise InvalidOrder("the phone number must be 5 to 20 digits (+, - and spaces allowed)")
    address = address.strip()
    if len(address) > MAX_TEXT_CHARS:
        raise InvalidOrder(f"the address may be at most {MAX_TEXT_CHARS} characters")
    now = as_utc(now)
    values: dict[str, Any] = {
        "shop_id": shop_id,
        "user_id": user_id,
        "status": OrderStatus.PENDING_PAYMENT,
        "pay_status": PayStatus.UNPAID,
        "amount_fen": amount_fen,
        "items": items_to_json(lines),
        "remark": remark,
        "phone": phone,
        "address": address,
        "created_at": now,
        "reminder_count": 0,
        "updated_at": now,
    }
    for _ in range(_NUMBER_ATTEMPTS):
        number = f"{now:%Y%m%d%H%M%S}{_order_number_suffix()}"
        try:
            return await db.write(_insert_order, values | {"number": number})
        except IntegrityError:
            # The only unique column an insert can collide on is the random order number.
            continue
    raise StoreError("could not allocate an order number; please try again")


def _insert_order(transaction: WriteTransaction, values: dict[str, Any]) -> OrderView:
    return view_of(transaction.execute(_INSERT, values).one())


def _order_number_suffix() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def _checked_items(items: Sequence[Item]) -> list[Item]:
    if not items:
        raise InvalidOrder("an order needs at least one item")
    if len(items) > MAX_ITEMS:
        raise InvalidOrder(f"an order may have at most {MAX_ITEMS} items")
    lines = []
    for item in items:
        name = item.name.strip()
        if not 1 <= len(name) <= MAX_NAME_CHARS:
            raise InvalidOrder(f"an item name must be 1 to {MAX_NAME_CHARS} characters")
        if not _is_int(item.quantity) or not 1 <= item.quantity <= MAX_QUANTITY:
            raise InvalidOrder(f"the quantity of {name!r} must be 1 to {MAX_QUANTITY}")
        if not _is_int(item.unit_price_fen) or not 1 <= item.unit_price_fen <= MAX_UNIT_PRICE_FEN:
            raise InvalidOrder(
                f"the price of {name!r} must be 0.01 to {MAX_UNIT_PRICE_FEN // 100} yuan"
            )
        lines.append(Item(name=name, quantity=item.quantity, unit_price_fen=item.unit_price_fen))
    return lines


def _is_int(value: object) -> bool:
    # bool is an int subclass; True is not a quantity.
    return isinstance(value, int) and not isinstance(value, bool)
