"""Fixtures for the HTTP and WebSocket route tests: a client of the live server and its shop."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from websockets.asyncio.client import ClientConnection, connect

from backend.devkit import payment_callback
from backend.store import OrderRow, OrderView, events_since, get_order_by_number
from orderbell_protocol import Event
from tests.conftest import CUSTOMER_ADDRESS, CUSTOMER_PHONE, FakeClock, LiveServer

RECEIVE_TIMEOUT_S = 5.0
# 2 x 32.00 + 1 x 2.00 yuan.
ITEMS = (
    {"name": "宫保鸡丁", "quantity": 2, "unitPriceFen": 3200},
    {"name": "米饭", "quantity": 1, "unitPriceFen": 200},
)
ITEMS_TOTAL_FEN = 6600


def submission(shop_id: int = 1, **changes: Any) -> dict[str, Any]:
    """A valid ``POST /user/order/submit`` body, with some fields replaced."""
    body: dict[str, Any] = {
        "shopId": shop_id,
        "items": [dict(item) for item in ITEMS],
        "remark": "少辣",
        "phone": CUSTOMER_PHONE,
        "address": CUSTOMER_ADDRESS,
    }
    body.update(changes)
    return body


def assert_error(answer: httpx.Response, status: int, code: str, case: str = "") -> dict[str, Any]:
    """An OrderBell error answer: the status, ``code`` and a non-empty message."""
    assert answer.status_code == status, (case, answer.text)
    body: dict[str, Any] = answer.json()
    assert body["code"] == code, case
    assert isinstance(body["message"], str), case
    assert body["message"], case
    return body


def bearer(token: str) -> dict[str, str]:
    """A device token as the counter API expects it."""
    return {"Authorization": f"Bearer {token}"}


def counter(url: str, token: str) -> connect:
    """A counter PC's connection with its device token (use with ``async with``)."""
    return connect(url, additional_headers=bearer(token))


async def next_frame(ws: ClientConnection) -> dict[str, Any]:
    """The next event frame, decoded; fails the test if none arrives within a few seconds."""
    data = json.loads(await asyncio.wait_for(ws.recv(), RECEIVE_TIMEOUT_S))
    assert isinstance(data, dict)
    return data


@dataclass
class Api:
    """A customer, WeChat Pay and a database inspector, all pointed at the live server."""

    live: LiveServer
    http: httpx.AsyncClient

    async def submit(self, *, shop_id: int = 1, user_id: int = 1) -> dict[str, Any]:
        """Submit the standard order as customer ``user_id``; returns the server's answer."""
        answer = await self.http.post(
            "/user/order/submit", json=submission(shop_id), headers=self.live.customer(user_id)
        )
        assert answer.status_code == 200, answer.text
        data: dict[str, Any] = answer.json()
        return data

    async def notify_paid(self, order: dict[str, Any], **overrides: Any) -> httpx.Response:
        """Send WeChat Pay's signed TRANSACTION.SUCCESS for ``order`` (fields can be overridden)."""
        fields: dict[str, Any] = {
            "out_trade_no": order["orderNumber"],
            "total_fen": order["amountFen"],
        }
        fields.update(overrides)
        headers, body = payment_callback(self.live.kit, now=self.live.clock(), **fields)
        return await self.http.post("/notify/paySuccess", content=body, headers=headers)

    async def paid(self, *, shop_id: int = 1, user_id: int = 1) -> dict[str, Any]:
        """A submitted and paid order; ``transactionId`` is added to the submit answer."""
        order = await self.submit(shop_id=shop_id, user_id=user_id)
        transaction_id = f"4200{order['id']:024d}"
        answer = await self.notify_paid(order, transaction_id=transaction_id)
        assert answer.status_code == 204, answer.text
        return order | {"transactionId": transaction_id}

    async def stored(self, number: str) -> OrderView:
        """The order as the database holds it now."""
        order = await get_order_by_number(self.live.db, number)
        assert order is not None
        return order

    async def events(self) -> list[Event]:
        """Every event in the log, oldest first."""
        return await events_since(self.live.db, 0)

    async def order_count(self) -> int:
        """How many orders the database holds."""
        count = select(func.count()).select_from(OrderRow)
        return await self.live.db.read(lambda connection: connection.execute(count).scalar_one())


@pytest.fixture
def clock() -> FakeClock:
    """The live server's clock, on a whole second so that advancing it stays exact."""
    return FakeClock(float(int(time.time())))


@pytest.fixture
async def api(live: LiveServer) -> AsyncIterator[Api]:
    """An HTTP client of the live server and helpers to act and inspect."""
    async with httpx.AsyncClient(base_url=live.base_url, timeout=10) as http:
        yield Api(live, http)
