"""Metrics through one order's real life on SQLite: pay, accept, counters coming and going."""

from __future__ import annotations

import httpx
import pytest

from backend.devkit import payment_callback
from tests.backend.scrape import METRICS_TOKEN, Samples, scrape, value
from tests.conftest import LiveServer
from tests.e2e.helpers import counter, next_event, simulator, wait_for_connections

WAIT_S = 42.0


@pytest.fixture
def live_overrides() -> dict[str, str]:
    return {"ORDERBELL_METRICS_TOKEN": METRICS_TOKEN}


def paid(samples: Samples, outcome: str = "paid") -> float:
    return value(samples, "orderbell_notifications_total", kind="payment", outcome=outcome)


async def test_a_paid_order_moves_the_payment_and_waiting_metrics(live: LiveServer) -> None:
    """Pay once and repeat the callback: one paid, one duplicate, one order waiting."""
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        before = await scrape(http, live.base_url)
        sim = simulator(live, http)
        order = await sim.submit()
        headers, body = payment_callback(
            live.kit, out_trade_no=order.number, total_fen=order.amount_fen, now=live.clock()
        )
        for _ in range(2):
            assert (
                await http.post("/notify/paySuccess", content=body, headers=headers)
            ).status_code == 204
        after = await scrape(http, live.base_url)
    assert paid(after) - paid(before) == 1
    assert paid(after, "duplicate") - paid(before, "duplicate") == 1
    assert value(before, "orderbell_orders_waiting") == 0
    assert value(after, "orderbell_orders_waiting") == 1


async def test_a_forged_callback_counts_as_refused(live: LiveServer) -> None:
    """A callback whose signature does not verify is counted as refused, not as paid."""
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        order = await simulator(live, http).submit()
        headers, body = payment_callback(
            live.kit, out_trade_no=order.number, total_fen=order.amount_fen, now=live.clock()
        )
        forged = body.replace(b'"ciphertext":"', b'"ciphertext":"A')
        assert (
            await http.post("/notify/paySuccess", content=forged, headers=headers)
        ).status_code == 401
        samples = await scrape(http, live.base_url)
    assert paid(samples, "refused") == 1
    assert paid(samples) == 0


async def test_accepting_observes_the_time_since_payment(live: LiveServer) -> None:
    """Accepted 42 s after payment: one observation of 42 s, and no order waiting."""
    token = await live.device_token()
    async with counter(live.ws_url, token) as ws, httpx.AsyncClient(base_url=live.base_url) as http:
        order = await simulator(live, http).pay(await simulator(live, http).submit())
        await next_event(ws)
        live.clock.advance(WAIT_S)
        answer = await http.put(
            f"/admin/orders/{order.id}/accept", headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.status_code == 200
        again = await http.put(
            f"/admin/orders/{order.id}/accept", headers={"Authorization": f"Bearer {token}"}
        )
        assert again.status_code == 409
        samples = await scrape(http, live.base_url)
    name = "orderbell_time_to_accept_seconds"
    assert value(samples, f"{name}_count", outcome="accepted") == 1
    assert value(samples, f"{name}_sum", outcome="accepted") == pytest.approx(WAIT_S, abs=1)
    assert value(samples, f"{name}_bucket", outcome="accepted", le="30.0") == 0
    assert value(samples, f"{name}_bucket", outcome="accepted", le="45.0") == 1
    assert value(samples, "orderbell_orders_waiting") == 0


async def test_committed_events_and_transactions_are_counted(live: LiveServer) -> None:
    """Pay, remind, accept: one event of each type; the writes and reads were timed."""
    token = await live.device_token()
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        before = await scrape(http, live.base_url)
        sim = simulator(live, http)
        order = await sim.pay(await sim.submit())
        assert order.id is not None
        await sim.remind(order.id)
        answer = await http.put(
            f"/admin/orders/{order.id}/accept", headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.status_code == 200
        after = await scrape(http, live.base_url)
    for event_type in ("1", "2", "3"):
        moved = value(after, "orderbell_events_total", type=event_type) - value(
            before, "orderbell_events_total", type=event_type
        )
        assert moved == 1, event_type
    transactions = "orderbell_db_transaction_seconds_count"
    assert value(after, transactions, kind="write") - value(before, transactions, kind="write") >= 4
    assert value(after, transactions, kind="read") > 0


async def test_counters_connected_and_their_ends_are_counted(live: LiveServer) -> None:
    """Two counters connected show as 2; when one leaves, 1 and one 'peer' close."""
    token = await live.device_token()
    async with httpx.AsyncClient(base_url=live.base_url) as http, counter(live.ws_url, token):
        async with counter(live.ws_url, token):
            await wait_for_connections(live.hub, 2)
            both = await scrape(http, live.base_url)
        await wait_for_connections(live.hub, 1)
        one = await scrape(http, live.base_url)
    assert value(both, "orderbell_counters_connected") == 2
    assert value(one, "orderbell_counters_connected") == 1
    assert value(one, "orderbell_ws_closed_total", code="peer") == 1
