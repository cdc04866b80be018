"""Server instances sharing one PostgreSQL database, in this process: delivery and retention."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from backend.store import PaymentFacts, events_since, record_payment, submit_order
from backend.store.order_view import Item
from tests.backend.postgres.conftest import Serve
from tests.backend.postgres.helpers import Instance, eventually
from tests.conftest import SHOP_ZONE
from tests.e2e.helpers import counter, next_event, paid_order, simulator

pytestmark = pytest.mark.postgres


async def old_events(instance: Instance, days_ago: float, count: int) -> list[int]:
    """Pay ``count`` orders as if it happened ``days_ago`` days ago; returns their event ids."""
    when = instance.clock.datetime() - timedelta(days=days_ago)
    ids = []
    for _ in range(count):
        order = await submit_order(
            instance.db,
            user_id=1,
            shop_id=1,
            items=[Item("米饭", 1, 200)],
            remark="",
            phone="13800138000",
            address="",
            now=when,
        )
        facts = PaymentFacts(order.number, f"4200{order.id:024d}", order.amount_fen, when)
        event = (await record_payment(instance.db, facts, when, zone=SHOP_ZONE)).event
        assert event is not None
        ids.append(event.id)
    return ids


async def test_payment_on_one_instance_reaches_a_counter_on_the_other(serve: Serve) -> None:
    """Paid through A, heard by a counter connected to B."""
    async with serve("a") as a, serve("b") as b:
        token = await b.device_token()
        async with counter(b.ws_url, token) as ws, httpx.AsyncClient(base_url=a.base_url) as http:
            order = await paid_order(simulator(a, http))
            event = await next_event(ws)
    assert (event["type"], event["orderNumber"]) == (1, order.number)


async def test_accept_on_one_instance_stops_the_bell_on_the_other(serve: Serve) -> None:
    """A counter on A accepts; the counter on B gets the type-3 event."""
    async with serve("a") as a, serve("b") as b:
        token = await a.device_token()
        async with counter(b.ws_url, token) as ws, httpx.AsyncClient(base_url=a.base_url) as http:
            order = await paid_order(simulator(a, http))
            await next_event(ws)
            answer = await http.put(
                f"/admin/orders/{order.id}/accept", headers={"Authorization": f"Bearer {token}"}
            )
            event = await next_event(ws)
    assert answer.status_code == 200
    assert (event["type"], event["orderId"], event["status"]) == (3, order.id, 3)


async def test_server_prunes_events_past_retention_at_start(serve: Serve) -> None:
    """An instance starting with 2 days' retention deletes older events and keeps the rest."""
    async with serve("seed") as seed:
        pruned = await old_events(seed, 5, 3)
        kept = await old_events(seed, 1, 2)
    async with serve("a", ORDERBELL_EVENT_RETENTION_DAYS="2") as a:
        await eventually(lambda: _ids_are(a, kept), "events older than 2 days to be pruned")
        remaining = [event.id for event in await events_since(a.db, 0)]
    assert remaining == kept
    assert pruned[-1] < kept[0]


async def _ids_are(instance: Instance, expected: list[int]) -> bool:
    return [event.id for event in await events_since(instance.db, 0)] == expected


async def test_cursor_older_than_the_log_is_told_the_backlog_is_partial(serve: Serve) -> None:
    """A counter whose since= precedes pruned events hears 'partial' and gets what is left."""
    async with serve("seed") as seed:
        pruned = await old_events(seed, 9, 2)
        kept = await old_events(seed, 0, 1)
    async with serve("a") as a:
        await eventually(lambda: _ids_are(a, kept), "the prune")
        token = await a.device_token()
        async with counter(a.ws_url, token, since=pruned[0] - 1) as ws:
            event = await next_event(ws)
            header = ws.response.headers.get("OrderBell-Backlog")
    assert header == "partial"
    assert event["id"] == kept[0]


async def test_cursor_inside_the_log_gets_a_complete_backlog(serve: Serve) -> None:
    """A counter that saw every pruned event gets its backlog without the 'partial' header."""
    async with serve("seed") as seed:
        pruned = await old_events(seed, 9, 2)
        kept = await old_events(seed, 0, 1)
    async with serve("a") as a:
        await eventually(lambda: _ids_are(a, kept), "the prune")
        token = await a.device_token()
        async with counter(a.ws_url, token, since=pruned[-1]) as ws:
            event = await next_event(ws)
            header = ws.response.headers.get("OrderBell-Backlog")
    assert header is None
    assert event["id"] == kept[0]
