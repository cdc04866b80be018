"""Tests of submitting orders."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest

from backend.store import Database, InvalidOrder, Item, get_order_by_number, list_orders
from backend.store import submission as submission_module
from backend.store.submission import submit_order
from orderbell_protocol import OrderStatus, PayStatus


def order_input(**changes: Any) -> dict[str, Any]:
    """Keyword arguments of a valid submission, with some replaced."""
    return {
        "user_id": 7,
        "shop_id": 1,
        "items": [Item("宫保鸡丁", 2, 3200)],
        "remark": "",
        "phone": "13800138000",
        "address": "1 Example Road",
    } | changes


async def test_submitted_order_awaits_payment_with_the_computed_total(
    db: Database, now: datetime
) -> None:
    """The total is the sum of quantity x unit price, and the order starts unpaid."""
    items = [Item("宫保鸡丁", 2, 3200), Item(" 米饭 ", 3, 200)]
    order = await submit_order(db, **order_input(items=items), now=now)
    assert order.amount_fen == 2 * 3200 + 3 * 200
    assert (order.status, order.pay_status) == (OrderStatus.PENDING_PAYMENT, PayStatus.UNPAID)
    assert order.items == (Item("宫保鸡丁", 2, 3200), Item("米饭", 3, 200))
    assert await get_order_by_number(db, order.number) == order


async def test_order_number_is_the_time_and_six_random_digits(db: Database, now: datetime) -> None:
    """The number is yyyyMMddHHmmss of now followed by six digits."""
    order = await submit_order(db, **order_input(), now=now)
    assert re.fullmatch(r"20261126060512\d{6}", order.number)


async def test_number_collision_is_retried(
    db: Database, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When a random number is taken, another one is drawn and the order is stored."""
    suffixes = iter(["000001", "000001", "000002"])
    monkeypatch.setattr(submission_module, "_order_number_suffix", lambda: next(suffixes))
    first = await submit_order(db, **order_input(), now=now)
    second = await submit_order(db, **order_input(), now=now)
    assert (first.number[-6:], second.number[-6:]) == ("000001", "000002")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"items": []}, "at least one item"),
        ({"items": [Item("饺子", 1, 100)] * 101}, "at most 100 items"),
        ({"items": [Item("  ", 1, 100)]}, "item name"),
        ({"items": [Item("x" * 65, 1, 100)]}, "item name"),
        ({"items": [Item("饺子", 0, 100)]}, "quantity"),
        ({"items": [Item("饺子", 1000, 100)]}, "quantity"),
        ({"items": [Item("饺子", True, 100)]}, "quantity"),
        ({"items": [Item("饺子", 1, 0)]}, "price"),
        ({"items": [Item("饺子", 1, 10_000_001)]}, "price"),
        ({"items": [Item("饺子", 11, 10_000_000)]}, "total"),
        ({"shop_id": 0}, "shop"),
        ({"remark": "x" * 201}, "remark"),
        ({"phone": "1234"}, "phone"),
        ({"phone": "1" * 21}, "phone"),
        ({"phone": "138-abc-8000"}, "phone"),
        ({"phone": "+-+-+"}, "phone"),
        ({"address": "x" * 201}, "address"),
    ],
)
async def test_invalid_submission_is_refused_and_nothing_stored(
    db: Database, now: datetime, changes: dict[str, Any], message: str
) -> None:
    """Bad input raises InvalidOrder naming the problem, and no order is written."""
    with pytest.raises(InvalidOrder, match=message):
        await submit_order(db, **order_input(**changes), now=now)
    assert await list_orders(db, shop_id=1, status=None, page=1, page_size=10) == ([], 0)


async def test_limits_themselves_are_accepted(db: Database, now: datetime) -> None:
    """Exactly 100 items, 999 of one, 200-character texts and a 20-character phone are fine."""
    items = [Item("x" * 64, 999, 1000)] + [Item("饺子", 1, 1)] * 99
    order = await submit_order(
        db,
        **order_input(
            items=items, remark="r" * 200, phone="+86 138-0013-8000 12", address="a" * 200
        ),
        now=now,
    )
    assert order.amount_fen == 999 * 1000 + 99
