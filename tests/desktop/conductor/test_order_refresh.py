"""Reloading the order list never undoes what happened while the list was on its way."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from desktop.core.alerts import AlertBoard
from desktop.core.linkwatch import LinkWatch
from desktop.counter import Counter, waiting_order
from desktop.net import RemoteOrder
from desktop.net.stats import TodayFigures
from orderbell_protocol import OrderStatus, PayStatus
from tests.conftest import FakeClock
from tests.desktop.conductor.test_counter_loop import FakeSpeaker, FakeView

PAID = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def remote(order_id: int, status: OrderStatus = OrderStatus.TO_BE_CONFIRMED) -> RemoteOrder:
    return RemoteOrder(
        id=order_id,
        number=f"2026112612000{order_id:05d}",
        shop_id=1,
        status=status,
        pay_status=PayStatus.PAID,
        amount_fen=100,
        items=(),
        remark="",
        phone="13800000000",
        address="",
        created_at=PAID,
        paid_at=PAID,
        accepted_at=None,
        rejected_reason=None,
        reminder_count=0,
    )


class SlowApi:
    """An order API whose waiting list can be held back after it was read (a slow network)."""

    def __init__(self) -> None:
        self.waiting = [remote(7)]
        self.hold = False
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.calls = 0

    async def waiting_orders(self) -> list[RemoteOrder]:
        self.calls += 1
        snapshot = list(self.waiting)
        self.entered.set()
        if self.hold:
            await self.release.wait()
        return snapshot

    async def handled_today(self, now: datetime) -> list[RemoteOrder]:
        return []

    async def today_figures(self) -> TodayFigures:
        return TodayFigures(paid=len(self.waiting), accept_median_s=None, reminders=0,
                            waited_over_5_min=0)  # fmt: skip

    async def accept(self, order_id: int) -> RemoteOrder:
        self.waiting = [o for o in self.waiting if o.id != order_id]
        return remote(order_id, OrderStatus.CONFIRMED)

    async def reject(self, order_id: int, reason: str) -> RemoteOrder:
        raise AssertionError("not used")

    async def reply_to_reminder(self, order_id: int, *, preset: str, text: str) -> RemoteOrder:
        raise NotImplementedError


def counter(api: SlowApi) -> Counter:
    return Counter(
        board=AlertBoard(),
        linkwatch=LinkWatch(),
        speaker=FakeSpeaker(),
        view=FakeView(),
        api=api,
        clock=lambda: 100.0,
        wall=lambda: PAID,
    )


async def test_a_stale_list_does_not_re_ring_an_accepted_order() -> None:
    """Accepting while a reload is in flight: the stale list is dropped, the order stays quiet."""
    api = SlowApi()
    conductor = counter(api)
    conductor.board.load_waiting([waiting_order(remote(7))], 100.0)
    api.hold = True
    stale = asyncio.create_task(conductor.refresh_orders())
    await api.entered.wait()  # the list, still showing order 7, is on its way
    assert await conductor.accept(7)
    assert conductor.board.ringing == []
    api.release.set()
    assert await stale is False
    assert conductor.board.ringing == []


async def test_reloads_during_a_burst_share_one_request() -> None:
    """Ten reload requests while one runs cause one more reload, not ten."""
    api = SlowApi()
    conductor = counter(api)
    for _ in range(10):
        conductor.refresh_orders_soon()
    await asyncio.wait_for(_settled(conductor), 5)
    assert api.calls <= 2


async def _settled(conductor: Counter) -> None:
    """Wait for the background reloads, including any they queued."""
    while conductor.tasks.running:
        await asyncio.gather(*conductor.tasks.running)


class CountingApi(SlowApi):
    """Counts the requests for today's figures."""

    def __init__(self) -> None:
        super().__init__()
        self.figures_asked = 0

    async def today_figures(self) -> TodayFigures:
        self.figures_asked += 1
        return await super().today_figures()


async def test_todays_figures_are_asked_at_most_once_per_interval_and_end_right() -> None:
    """Ten reloads in 4 s ask for the figures once, then once at 5 s: the last count shows."""
    api = CountingApi()
    clock = FakeClock(100.0)
    conductor = Counter(
        board=AlertBoard(),
        linkwatch=LinkWatch(),
        speaker=FakeSpeaker(),
        view=(view := FakeView()),
        api=api,
        clock=clock,
        wall=lambda: PAID,
        figures_every_s=5.0,
    )
    for index in range(10):
        api.waiting = [remote(order_id) for order_id in range(1, index + 2)]
        assert await conductor.refresh_orders()
        clock.advance(0.4)
    assert api.figures_asked == 1
    clock.value = 104.9
    conductor.step()
    await _settled(conductor)
    assert api.figures_asked == 1
    clock.value = 105.0
    conductor.step()
    await _settled(conductor)
    assert api.figures_asked == 2
    assert view.today[-1] == TodayFigures(
        paid=10, accept_median_s=None, reminders=0, waited_over_5_min=0
    )
    conductor.step()
    await _settled(conductor)
    assert api.figures_asked == 2
