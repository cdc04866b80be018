"""One order's life over real sockets: pay, remind, accept, with counters listening."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import func, select

from backend import app as app_module
from backend.store import EventRow
from tests.conftest import LiveServer
from tests.e2e.helpers import counter, next_event, paid_order, simulator


async def test_paid_order_reaches_connected_counter(live: LiveServer) -> None:
    """A signed payment callback makes a type-1 event arrive at the shop's counter."""
    token = await live.device_token(shop_id=1)
    async with counter(live.ws_url, token) as ws, httpx.AsyncClient(base_url=live.base_url) as http:
        order = await paid_order(simulator(live, http))
        event = await next_event(ws)
    assert event["type"] == 1
    assert event["orderNumber"] == order.number
    assert event["content"] == f"订单号：{order.number}"
    assert event["orderId"] == order.id
    assert event["shopId"] == 1
    assert event["status"] == 2
    assert event["amountFen"] == order.amount_fen
    assert event["order"]["items"]


async def test_twenty_concurrent_copies_give_one_event(live: LiveServer) -> None:
    """20 copies of one notification sent at once: all 204, one transition, one event."""
    from backend.devkit import payment_callback

    token = await live.device_token()
    async with counter(live.ws_url, token) as ws, httpx.AsyncClient(base_url=live.base_url) as http:
        sim = simulator(live, http)
        order = await sim.submit()
        headers, body = payment_callback(
            live.kit, out_trade_no=order.number, total_fen=order.amount_fen, now=live.clock()
        )
        answers = await asyncio.gather(
            *(http.post("/notify/paySuccess", content=body, headers=headers) for _ in range(20))
        )
        assert [a.status_code for a in answers] == [204] * 20
        first = await next_event(ws)
        marker = await paid_order(sim)
        second = await next_event(ws)
    assert first["orderNumber"] == order.number
    assert second["orderNumber"] == marker.number
    count = select(func.count()).select_from(EventRow)
    assert await live.db.read(lambda connection: connection.execute(count).scalar()) == 2


async def test_reminder_reaches_counter_with_count_and_wait(live: LiveServer) -> None:
    """A customer's reminder becomes a type-2 event with reminderCount and waitedSeconds."""
    token = await live.device_token()
    async with counter(live.ws_url, token) as ws, httpx.AsyncClient(base_url=live.base_url) as http:
        sim = simulator(live, http)
        order = await paid_order(sim, user_id=7)
        await next_event(ws)
        live.clock.advance(18 * 60)
        answer = await sim.remind(order.id or 0, user_id=7)
        event = await next_event(ws)
    assert event["type"] == 2
    assert event["orderId"] == order.id
    assert event["reminderCount"] == 1
    assert event["waitedSeconds"] >= 18 * 60
    assert answer["reminderCount"] == 1


async def test_accept_on_one_counter_tells_the_other(live: LiveServer) -> None:
    """Accepting at counter A sends a type-3 event to counter B of the same shop."""
    token_a = await live.device_token(name="A")
    token_b = await live.device_token(name="B")
    async with (
        counter(live.ws_url, token_b) as ws_b,
        httpx.AsyncClient(base_url=live.base_url) as http,
    ):
        order = await paid_order(simulator(live, http))
        await next_event(ws_b)
        answer = await http.put(
            f"/admin/orders/{order.id}/accept", headers={"Authorization": f"Bearer {token_a}"}
        )
        event = await next_event(ws_b)
    assert answer.status_code == 200
    assert answer.json()["status"] == 3
    assert event["type"] == 3
    assert event["orderId"] == order.id
    assert event["status"] == 3


async def test_other_shops_counter_never_hears_it(live: LiveServer) -> None:
    """A shop-2 token receives shop 2's events only, never shop 1's."""
    token_2 = await live.device_token(shop_id=2)
    async with (
        counter(live.ws_url, token_2) as ws,
        httpx.AsyncClient(base_url=live.base_url) as http,
    ):
        sim = simulator(live, http)
        await paid_order(sim, shop_id=1)
        own = await paid_order(sim, shop_id=2)
        event = await next_event(ws)
    assert event["shopId"] == 2
    assert event["orderNumber"] == own.number


@pytest.fixture(params=["memory", "log"])
def replay_source(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Replays come from recent events in memory, or (memory of one event) from the log."""
    source: str = request.param
    if source == "log":
        monkeypatch.setattr(app_module, "RECENT_EVENTS", 1)
    return source


async def test_reconnect_with_since_gets_exactly_the_missed_events(
    replay_source: str, live: LiveServer
) -> None:
    """Disconnect, three events happen, reconnect with since: those three in order, then live."""
    token = await live.device_token()
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        sim = simulator(live, http)
        async with counter(live.ws_url, token) as ws:
            await paid_order(sim)
            cursor = (await next_event(ws))["id"]
        missed = [await paid_order(sim) for _ in range(3)]
        async with counter(live.ws_url, token, since=cursor) as ws:
            replayed = [await next_event(ws) for _ in range(3)]
            live_order = await paid_order(sim)
            after = await next_event(ws)
    assert [e["orderNumber"] for e in replayed] == [o.number for o in missed]
    assert [e["id"] for e in replayed] == sorted(e["id"] for e in replayed)
    assert replayed[0]["id"] > cursor
    assert after["orderNumber"] == live_order.number
    assert after["id"] > replayed[-1]["id"]


async def test_without_since_only_live_events_arrive(live: LiveServer) -> None:
    """A counter connecting without since gets no backlog, only what happens afterwards."""
    token = await live.device_token()
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        sim = simulator(live, http)
        await paid_order(sim)
        async with counter(live.ws_url, token) as ws:
            fresh = await paid_order(sim)
            event = await next_event(ws)
    assert event["orderNumber"] == fresh.number
