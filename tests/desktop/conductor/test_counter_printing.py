"""Kitchen tickets from the conductor: on accept or arrival, auto-accept, warnings, reprints.

A real backend, the real REST client and event stream, the real print queue and worker, and a
fake network printer on loopback that records what it would print.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import httpx

from desktop.core import phrasing
from desktop.core.alerts import AlertBoard
from desktop.core.cursor import CursorStore
from desktop.core.linkwatch import LinkWatch
from desktop.core.phrasing import Language
from desktop.counter import NOTICE_PRINTER, Counter, OrdersApi
from desktop.net import CounterApi, EventStream, RemoteOrder, stream_url
from desktop.net.stats import TodayFigures
from desktop.printing.device import EscposPrinter
from desktop.printing.kitchen import KitchenTickets, PrintSettings
from desktop.printing.queue import PrintQueue
from desktop.printing.uri import parse_printer_uri
from desktop.printing.worker import PrintWorker
from orderbell_protocol import OrderStatus
from tests.conftest import LiveServer
from tests.desktop.conductor.test_counter_loop import FakeSpeaker, FakeView, fast_backoff, until
from tests.desktop.printing.fake_printer import PAPER_OUT, FakePrinter
from tests.e2e.helpers import SimulatedOrder, paid_order, simulator


def local_now() -> datetime:
    return datetime.now().astimezone()


@dataclass
class PrintingCounter:
    counter: Counter
    view: FakeView
    speaker: FakeSpeaker
    printer: FakePrinter
    worker: PrintWorker


class AcceptedElsewhereFirst:
    """The REST client of a counter that is always a moment too late: another PC accepts first."""

    def __init__(self, api: CounterApi, other: CounterApi) -> None:
        self._api = api
        self._other = other

    async def waiting_orders(self) -> list[RemoteOrder]:
        return await self._api.waiting_orders()

    async def handled_today(self, now: datetime) -> list[RemoteOrder]:
        return await self._api.handled_today(now)

    async def today_figures(self) -> TodayFigures:
        return await self._api.today_figures()

    async def order(self, order_id: int) -> RemoteOrder:
        return await self._api.order(order_id)

    async def accept(self, order_id: int) -> RemoteOrder:
        await self._other.accept(order_id)
        return await self._api.accept(order_id)

    async def reject(self, order_id: int, reason: str) -> RemoteOrder:
        return await self._api.reject(order_id, reason)

    async def reply_to_reminder(self, order_id: int, *, preset: str, text: str) -> RemoteOrder:
        raise NotImplementedError


@contextlib.asynccontextmanager
async def printing_counter(
    live: LiveServer,
    tmp_path: Path,
    printer: FakePrinter,
    *,
    print_on: str = "accept",
    auto_accept: bool = False,
    late_by: CounterApi | None = None,
) -> AsyncIterator[PrintingCounter]:
    """A conductor on the live server that prints on ``printer``."""
    token = await live.device_token(name=f"printing-{id(tmp_path)}")
    view, speaker = FakeView(), FakeSpeaker()
    api = CounterApi(live.base_url, token)
    rest: OrdersApi = api if late_by is None else AcceptedElsewhereFirst(api, late_by)
    loop = asyncio.get_running_loop()
    settings = PrintSettings(printer=printer.uri, print_on=print_on, paper_mm=80)
    address = parse_printer_uri(printer.uri)
    worker = PrintWorker(
        PrintQueue(tmp_path / "queue"),
        EscposPrinter(address, tmp_path / "cache", status_timeout_s=0.2),
        lambda status: loop.call_soon_threadsafe(counter.on_printer_status, status),
        retry_delays=(0.05,),
    )
    counter = Counter(
        board=AlertBoard(repeat_interval_s=30, coalesce_window_s=0.05),
        linkwatch=LinkWatch(threshold_s=60),
        speaker=speaker,
        view=view,
        api=rest,
        clock=time.monotonic,
        wall=local_now,
        tickets=KitchenTickets(worker, settings, local_now),
        auto_accept=auto_accept,
    )
    stream = EventStream(
        stream_url(live.base_url),
        token,
        CursorStore(tmp_path / "cursor"),
        counter.on_event,
        counter.on_state,
        backoff=fast_backoff,
    )
    worker.start()
    tasks = [asyncio.create_task(counter.run()), asyncio.create_task(stream.run())]
    try:
        await until(view, lambda: any(s.link.value == "connected" for s in view.statuses))
        yield PrintingCounter(counter, view, speaker, printer, worker)
    finally:
        stream.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await counter.tasks.close()
        assert await asyncio.to_thread(worker.stop)
        await api.aclose()


async def new_paid_order(live: LiveServer) -> SimulatedOrder:
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        order = await paid_order(simulator(live, http))
    assert order.id is not None
    return order


async def test_print_on_accept_prints_when_staff_accept_not_before(
    live: LiveServer, tmp_path: Path, fake_printer: FakePrinter
) -> None:
    """The card rings without a ticket; Accept prints it, with prices on 80 mm."""
    async with printing_counter(live, tmp_path, fake_printer) as run:
        order = await new_paid_order(live)
        await until(run.view, lambda: order.id in run.view.shown)
        assert fake_printer.tickets() == []
        assert await run.counter.accept(order.id)
        await until(run.view, lambda: len(fake_printer.tickets()) == 1)
    printed = fake_printer.tickets()[0]
    assert order.number in printed.text
    assert "¥" in printed.text


async def test_print_on_arrival_prints_without_waiting_for_accept(
    live: LiveServer, tmp_path: Path, fake_printer: FakePrinter
) -> None:
    """With ``print_on=arrival`` the ticket prints as the card appears, once, even on accept."""
    async with printing_counter(live, tmp_path, fake_printer, print_on="arrival") as run:
        order = await new_paid_order(live)
        await until(run.view, lambda: len(fake_printer.tickets()) == 1)
        assert order.id in run.view.shown
        assert await run.counter.accept(order.id)
        await run.counter.tasks.close()
        await until(run.view, lambda: len(run.worker.queue) == 0)
    assert len(fake_printer.tickets()) == 1
    assert order.number in fake_printer.tickets()[0].text


async def test_auto_accept_accepts_prints_and_announces_once(
    live: LiveServer, tmp_path: Path, fake_printer: FakePrinter
) -> None:
    """Auto-accept: the server has the order confirmed, one ticket, one announcement, no card."""
    async with printing_counter(live, tmp_path, fake_printer, auto_accept=True) as run:
        order = await new_paid_order(live)
        await until(run.view, lambda: len(fake_printer.tickets()) == 1)
        assert run.counter.api is not None
        remote = await run.counter.api.order(order.id)
        assert remote.status is OrderStatus.CONFIRMED
        await until(run.view, lambda: bool(run.speaker.said))
        run.counter.step()
    said_tail = phrasing.spoken_tail(order.number[-4:], Language.ZH)
    assert run.speaker.said == [f"自动接单，1号订单，尾号{said_tail}"]
    assert order.id not in run.view.shown
    assert order.number in fake_printer.tickets()[0].text


async def test_auto_accept_beaten_by_another_counter_is_silent(
    live: LiveServer, tmp_path: Path, fake_printer: FakePrinter
) -> None:
    """A 409 because another PC accepted first: no speech, no card, no ticket, no error."""
    other = CounterApi(live.base_url, await live.device_token(name="other"))
    try:
        async with printing_counter(
            live, tmp_path, fake_printer, auto_accept=True, late_by=other
        ) as run:
            order = await new_paid_order(live)
            remote = await other.order(order.id)
            for _ in range(50):
                remote = await other.order(order.id)
                if remote.status is OrderStatus.CONFIRMED:
                    break
                await asyncio.sleep(0.02)
            assert remote.status is OrderStatus.CONFIRMED
            await run.counter.tasks.close()
            run.counter.step()
    finally:
        await other.aclose()
    assert run.speaker.said == []
    assert run.view.shown == []
    assert run.view.errors == {}
    assert fake_printer.tickets() == []


async def test_a_printer_that_is_down_raises_a_warning_and_speaks_it(
    live: LiveServer, tmp_path: Path, fake_printer: FakePrinter
) -> None:
    """Connection refused: a printer notice and "打印机连接失败"; back: the notice goes."""
    fake_printer.stop()
    async with printing_counter(live, tmp_path, fake_printer, print_on="arrival") as run:
        order = await new_paid_order(live)
        await until(run.view, lambda: NOTICE_PRINTER in run.view.notices)
        await until(run.view, lambda: "打印机连接失败" in run.speaker.said)
        fake_printer.start()
        await until(run.view, lambda: NOTICE_PRINTER not in run.view.notices)
    assert [t for t in fake_printer.tickets() if order.number in t.text]


async def test_a_printer_out_of_paper_raises_a_warning_and_speaks_it(
    live: LiveServer, tmp_path: Path, fake_printer: FakePrinter
) -> None:
    """``DLE EOT 4`` says the roll is out: a printer notice and "打印机缺纸"."""
    fake_printer.paper = PAPER_OUT
    async with printing_counter(live, tmp_path, fake_printer, print_on="arrival") as run:
        await new_paid_order(live)
        await until(run.view, lambda: "打印机缺纸" in run.speaker.said)
        assert NOTICE_PRINTER in run.view.notices
    assert fake_printer.tickets() == []


async def test_a_reprint_prints_an_order_again(
    live: LiveServer, tmp_path: Path, fake_printer: FakePrinter
) -> None:
    """The Orders window's reprint prints a ticket already printed automatically."""
    async with printing_counter(live, tmp_path, fake_printer) as run:
        order = await new_paid_order(live)
        await until(run.view, lambda: order.id in run.view.shown)
        assert await run.counter.accept(order.id)
        await until(run.view, lambda: len(fake_printer.tickets()) == 1)
        assert await run.counter.reprint(order.id)
        await until(run.view, lambda: len(fake_printer.tickets()) == 2)
    assert all(order.number in ticket.text for ticket in fake_printer.tickets())


async def test_a_reprint_without_a_printer_says_so(
    live: LiveServer, tmp_path: Path, fake_printer: FakePrinter
) -> None:
    """No printer set: the reprint is refused with a sentence pointing to Settings."""
    async with printing_counter(live, tmp_path, fake_printer) as run:
        assert run.counter.tickets is not None
        run.counter.tickets.settings = replace(run.counter.tickets.settings, printer="")
        assert not await run.counter.reprint(1)
    assert run.view.errors == {1: "No kitchen printer is set up (Settings)."}
