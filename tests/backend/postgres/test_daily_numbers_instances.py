"""Daily order numbers with two server instances paying at once on one PostgreSQL database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest

from backend.store import (
    Database,
    Item,
    PaymentFacts,
    PaymentResult,
    events_since,
    get_order,
    migrate_async,
    record_payment,
    submit_order,
)
from tests.backend.postgres.conftest import Serve
from tests.conftest import SHOP_ZONE
from tests.e2e.helpers import counter, next_event, simulator

pytestmark = pytest.mark.postgres

ORDERS = 24
RACED = 10
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


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


async def test_copies_racing_on_two_engines_pay_and_number_each_order_once(
    postgres_url: str,
) -> None:
    """Two copies of each notification recorded at once on two engines: every order is paid
    and logged once, and the shop's numbers are 1..N without a gap (a copy that lost draws
    none)."""
    await migrate_async(postgres_url)
    engines = (Database(postgres_url), Database(postgres_url))
    try:
        orders = [
            await submit_order(
                engines[0],
                user_id=7,
                shop_id=1,
                items=[Item("米饭", 1, 200)],
                remark="",
                phone="13800138000",
                address="",
                now=NOW,
            )
            for _ in range(RACED)
        ]
        copies = [
            record_payment(
                db,
                PaymentFacts(order.number, f"4200{order.id:024d}", order.amount_fen, NOW),
                NOW,
                zone=SHOP_ZONE,
            )
            for order in orders
            for db in engines
        ]
        outcomes = await asyncio.gather(*copies)
        stored = [await get_order(engines[0], shop_id=1, order_id=order.id) for order in orders]
        logged = await events_since(engines[1], 0)
    finally:
        for db in engines:
            await db.dispose()
    results = [outcome.result for outcome in outcomes]
    assert results.count(PaymentResult.PAID) == RACED
    assert results.count(PaymentResult.DUPLICATE) == RACED
    assert sorted(order.day_seq or 0 for order in stored if order) == list(range(1, RACED + 1))
    assert sorted(event.order_id for event in logged) == [order.id for order in orders]
