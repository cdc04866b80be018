"""Tests of looking orders up and their JSON form."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import pytest

from backend.store import (
    Database,
    OrderView,
    get_order,
    get_order_by_number,
    list_orders,
    order_to_json,
)

OrderStep = Callable[..., Awaitable[OrderView]]


async def test_get_order_is_scoped_to_the_shop(db: Database, place_order: OrderStep) -> None:
    """An order is found by its own shop only."""
    order = await place_order(shop_id=1)
    assert await get_order(db, shop_id=1, order_id=order.id) == order
    assert await get_order(db, shop_id=2, order_id=order.id) is None
    assert await get_order(db, shop_id=1, order_id=404) is None


async def test_unknown_number_finds_nothing(db: Database) -> None:
    """get_order_by_number returns None for a number never issued."""
    assert await get_order_by_number(db, "20261126060512000000") is None


async def test_list_is_newest_first_and_paged(db: Database, place_order: OrderStep) -> None:
    """Pages hold page_size orders, newest first, and the total counts them all."""
    placed = [await place_order() for _ in range(5)]
    await place_order(shop_id=2)
    first, total = await list_orders(db, shop_id=1, status=None, page=1, page_size=2)
    last, _ = await list_orders(db, shop_id=1, status=None, page=3, page_size=2)
    assert total == 5
    assert [order.id for order in first] == [placed[4].id, placed[3].id]
    assert [order.id for order in last] == [placed[0].id]


async def test_list_filters_by_status(
    db: Database, place_order: OrderStep, pay_order: OrderStep
) -> None:
    """A status filter keeps only orders in that status, and the total follows it."""
    await place_order()
    paid = await pay_order(await place_order())
    assert await list_orders(db, shop_id=1, status=2, page=1, page_size=10) == ([paid], 1)


@pytest.mark.parametrize(("page", "page_size"), [(0, 10), (1, 0), (1, 101)])
async def test_list_refuses_nonsense_paging(db: Database, page: int, page_size: int) -> None:
    """Pages count from 1 and hold 1 to 100 orders."""
    with pytest.raises(ValueError, match="page"):
        await list_orders(db, shop_id=1, status=None, page=page, page_size=page_size)


async def test_order_json_uses_camel_case_and_iso_times(
    place_order: OrderStep, pay_order: OrderStep, now: datetime
) -> None:
    """order_to_json gives the REST shape: camelCase keys, fen, ISO times or null."""
    order = await pay_order(await place_order())
    data = order_to_json(order)
    assert data == {
        "id": order.id,
        "number": order.number,
        "shopId": 1,
        "userId": 7,
        "status": 2,
        "payStatus": 1,
        "amountFen": 6600,
        "items": [
            {"name": "宫保鸡丁", "quantity": 2, "unitPriceFen": 3200},
            {"name": "米饭", "quantity": 1, "unitPriceFen": 200},
        ],
        "remark": "少辣",
        "phone": "138 0013 8000",
        "address": "1 Example Road",
        "createdAt": "2026-11-26T06:05:12+00:00",
        "paidAt": "2026-11-26T06:06:12+00:00",
        "transactionId": order.transaction_id,
        "acceptedAt": None,
        "rejectedReason": None,
        "cancelReason": None,
        "refundedFen": 0,
        "reminderCount": 0,
        "lastRemindedAt": None,
        "businessDay": "2026-11-26",
        "daySeq": 1,
        "reminderReply": None,
        "reminderRepliedAt": None,
    }
    assert type(data["status"]) is int
