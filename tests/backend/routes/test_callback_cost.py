"""What a paid callback costs on an SQLite file, counted: thread hops and log reads."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from backend.hub import Dispatcher
from backend.store.sqlite_workers import SQLiteWorkers
from tests.backend.routes.conftest import Api, counter, next_frame

T = TypeVar("T")

PAYMENTS = 20
# The server's own timers (presence, escalation, revocations, the checkpoint) run in tasks
# named so; everything else here is the handling of a request.
BACKGROUND = "orderbell-"


def count_hops(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Count the transactions that requests hand to the SQLite worker threads, by kind."""
    hops: Counter[str] = Counter()

    def counted(kind: str, original: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
        async def hop(workers: SQLiteWorkers, *args: Any) -> T:
            task = asyncio.current_task()
            if task is not None and not task.get_name().startswith(BACKGROUND):
                hops[kind] += 1
            return await original(workers, *args)

        return hop

    monkeypatch.setattr(SQLiteWorkers, "write", counted("write", SQLiteWorkers.write))
    monkeypatch.setattr(SQLiteWorkers, "read", counted("read", SQLiteWorkers.read))
    return hops


def count_events_read_back(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ids of events the dispatcher published only after reading them from the log."""
    read_back: list[int] = []
    original = Dispatcher.catch_up

    async def catch_up(dispatcher: Dispatcher) -> None:
        before = dispatcher.last_id
        await original(dispatcher)
        read_back.extend(range(before + 1, dispatcher.last_id + 1))

    monkeypatch.setattr(Dispatcher, "catch_up", catch_up)
    return read_back


async def pay_all(api: Api, orders: list[dict[str, Any]]) -> None:
    """WeChat Pay's signed callback for each order, answered 204."""
    for order in orders:
        answer = await api.notify_paid(order, transaction_id=f"4200{order['id']:024d}")
        assert answer.status_code == 204, answer.text


async def test_a_paid_callback_is_one_hop_to_the_writer_and_no_read(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each paid callback runs one transaction on the writer thread and reads nothing."""
    orders = [await api.submit() for _ in range(PAYMENTS)]
    hops = count_hops(monkeypatch)
    await pay_all(api, orders)
    assert hops == Counter(write=PAYMENTS)


async def test_paid_orders_reach_the_counter_without_a_log_read(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The counter hears every paid order, in order, and none was read back from the log."""
    orders = [await api.submit() for _ in range(PAYMENTS)]
    token = await api.live.device_token(shop_id=1)
    read_back = count_events_read_back(monkeypatch)
    async with counter(api.live.ws_url, token) as ws:
        await pay_all(api, orders)
        heard = [(await next_frame(ws))["orderId"] for _ in orders]
    assert heard == [order["id"] for order in orders]
    assert read_back == []
