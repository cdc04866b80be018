"""The counter REST client against a real backend: list, accept, reject, and its errors."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from desktop.net import (
    ApiError,
    CounterApi,
    OrderConflict,
    OrderNotFound,
    ServerUnavailable,
    TokenRejected,
)
from orderbell_protocol import OrderStatus, PayStatus
from tests.conftest import LiveServer
from tests.e2e.helpers import counter, paid_order, simulator, wait_for_live_counters

REASON = "菜品已销售完，暂时无法接单"


@pytest.fixture
async def api(live: LiveServer) -> AsyncIterator[CounterApi]:
    async with CounterApi(live.base_url, await live.device_token()) as client:
        yield client


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_waiting_orders_lists_every_paid_order(
    live: LiveServer, http: httpx.AsyncClient, api: CounterApi
) -> None:
    """Two paid orders are both waiting, oldest first, parsed in full."""
    sim = simulator(live, http)
    paid = [await paid_order(sim), await paid_order(sim)]
    unpaid = await sim.submit()
    waiting = await api.waiting_orders()
    assert [order.number for order in waiting] == [order.number for order in paid]
    assert unpaid.number not in {order.number for order in waiting}
    first = waiting[0]
    assert first.status is OrderStatus.TO_BE_CONFIRMED
    assert first.pay_status is PayStatus.PAID
    assert first.amount_fen == paid[0].amount_fen
    assert first.amount_fen == sum(item.quantity * item.unit_price_fen for item in first.items)
    assert first.paid_at is not None
    assert first.accepted_at is None


async def test_waiting_orders_reads_every_page(live: LiveServer, http: httpx.AsyncClient) -> None:
    """With two orders per page, three waiting orders take two pages and all come back."""
    sim = simulator(live, http)
    paid = [await paid_order(sim) for _ in range(3)]
    async with CounterApi(live.base_url, await live.device_token(), page_size=2) as api:
        waiting = await api.waiting_orders()
    assert [order.number for order in waiting] == [order.number for order in paid]


async def test_accept_confirms_the_order(
    live: LiveServer, http: httpx.AsyncClient, api: CounterApi
) -> None:
    """Accepting a waiting order answers it with status 3 and an acceptance time."""
    order = await paid_order(simulator(live, http))
    assert order.id is not None
    accepted = await api.accept(order.id)
    assert accepted.status is OrderStatus.CONFIRMED
    assert accepted.accepted_at is not None
    assert await api.waiting_orders() == []


async def test_accepting_twice_is_a_conflict_carrying_the_order(
    live: LiveServer, http: httpx.AsyncClient, api: CounterApi
) -> None:
    """A second accept raises OrderConflict with the order as it is now."""
    order = await paid_order(simulator(live, http))
    assert order.id is not None
    await api.accept(order.id)
    with pytest.raises(OrderConflict) as conflict:
        await api.accept(order.id)
    assert conflict.value.order.id == order.id
    assert conflict.value.order.status is OrderStatus.CONFIRMED
    assert conflict.value.order.tail in str(conflict.value)


async def test_reject_cancels_with_the_reason(
    live: LiveServer, http: httpx.AsyncClient, api: CounterApi
) -> None:
    """Rejecting with a reason answers the order cancelled, reason kept."""
    order = await paid_order(simulator(live, http))
    assert order.id is not None
    rejected = await api.reject(order.id, REASON)
    assert rejected.status is OrderStatus.CANCELLED
    assert rejected.rejected_reason == REASON
    assert (await api.order(order.id)).status is OrderStatus.CANCELLED


async def test_reject_without_reason_is_refused_with_the_server_message(
    live: LiveServer, http: httpx.AsyncClient, api: CounterApi
) -> None:
    """A blank reason is a plain ApiError carrying the server's explanation."""
    order = await paid_order(simulator(live, http))
    assert order.id is not None
    with pytest.raises(ApiError) as refused:
        await api.reject(order.id, "   ")
    assert type(refused.value) is ApiError
    assert "reason" in str(refused.value)


async def test_unknown_order_is_not_found(api: CounterApi) -> None:
    """Asking for an order that does not exist raises OrderNotFound."""
    with pytest.raises(OrderNotFound):
        await api.order(987_654)


async def test_handled_today_lists_accepted_and_rejected(
    live: LiveServer, http: httpx.AsyncClient, api: CounterApi
) -> None:
    """Today's accepted and rejected orders are listed; waiting ones and other days are not."""
    sim = simulator(live, http)
    accepted, rejected, waiting = [await paid_order(sim) for _ in range(3)]
    assert accepted.id is not None
    assert rejected.id is not None
    await api.accept(accepted.id)
    await api.reject(rejected.id, REASON)
    now = live.clock.datetime()
    today = await api.handled_today(now)
    assert {order.number for order in today} == {accepted.number, rejected.number}
    assert waiting.number not in {order.number for order in today}
    assert await api.handled_today(now + timedelta(days=2)) == []


async def test_check_token_passes_with_a_live_token(api: CounterApi) -> None:
    """check_token returns quietly when the server accepts the token."""
    await api.check_token()


async def test_bogus_token_is_rejected(live: LiveServer) -> None:
    """A token the server does not know raises TokenRejected, for checks and lists alike."""
    async with CounterApi(live.base_url, "not-a-real-token") as api:
        with pytest.raises(TokenRejected):
            await api.check_token()
        with pytest.raises(TokenRejected):
            await api.waiting_orders()


async def test_server_down_is_unavailable() -> None:
    """A closed port raises ServerUnavailable, never an httpx error."""
    async with CounterApi(f"http://127.0.0.1:{closed_port()}", "token") as api:
        with pytest.raises(ServerUnavailable) as down:
            await api.waiting_orders()
    assert "Cannot reach" in str(down.value)


async def test_counters_online_counts_this_shops_connected_counters(
    live: LiveServer, api: CounterApi
) -> None:
    """Two PCs of the shop connected (one of another shop too): the count is 2."""
    others = [await live.device_token(), await live.device_token(shop_id=2)]
    async with counter(live.ws_url, others[0]), counter(live.ws_url, others[1]):
        await wait_for_live_counters(live.hub, 2)
        assert await api.counters_online() == 1
        async with counter(live.ws_url, await live.device_token()):
            await wait_for_live_counters(live.hub, 3)
            assert await api.counters_online() == 2
