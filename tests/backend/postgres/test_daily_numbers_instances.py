"""Daily order numbers with two server instances paying at once on one PostgreSQL database."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from backend.store import get_order
from tests.backend.postgres.conftest import Serve
from tests.e2e.helpers import counter, next_event, simulator

pytestmark = pytest.mark.postgres

ORDERS = 24


async def test_two_instances_paying_at_once_number_each_order_once(serve: Serve) -> None:
    """Callbacks spread over two instances at once: the shop's orders are numbered 1..N, once
    each, and every counter hears each order's number."""
    async with serve("a") as a, serve("b") as b:
        token = await a.device_token()
        async with (
            counter(a.ws_url, token) as ws,
            httpx.AsyncClient(base_url=a.base_url) as http_a,
            httpx.AsyncClient(base_url=b.base_url) as http_b,
        ):
            sims = (simulator(a, http_a), simulator(b, http_b))
            orders = [await sims[0].submit() for _ in range(ORDERS)]
            await asyncio.gather(*(sims[n % 2].pay(order) for n, order in enumerate(orders)))
            heard = [await next_event(ws) for _ in range(ORDERS)]
        stored = [await get_order(a.db, shop_id=1, order_id=order.id or 0) for order in orders]
    assert sorted(event["daySeq"] for event in heard) == list(range(1, ORDERS + 1))
    assert sorted(order.day_seq or 0 for order in stored if order) == list(range(1, ORDERS + 1))
    by_order = {event["orderId"]: event["daySeq"] for event in heard}
    assert all(by_order[order.id] == order.day_seq for order in stored if order)
