"""The counter's conductor against a real backend: events in, cards and speech out."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from desktop.core import phrasing
from desktop.core.alerts import AlertBoard
from desktop.core.cards import Alert
from desktop.core.cursor import CursorStore
from desktop.core.linkwatch import LinkWatch
from desktop.core.marks import Message
from desktop.core.phrasing import Language
from desktop.counter import Counter, CounterStatus
from desktop.net import CounterApi, EventStream, LinkState, RemoteOrder, stream_url
from desktop.net.stats import TodayFigures
from tests.conftest import LiveServer
from tests.e2e.helpers import counter, paid_order, simulator, wait_for_live_counters

WAIT_S = 5.0


@dataclass
class FakeView:
    """Records what the conductor asks of the screen."""

    shown: list[int] = field(default_factory=list)
    alerts: dict[int, Alert] = field(default_factory=dict)
    hidden: list[int] = field(default_factory=list)
    notices: dict[str, str] = field(default_factory=dict)
    statuses: list[CounterStatus] = field(default_factory=list)
    notified: list[int] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)
    waiting: list[int] = field(default_factory=list)
    today: list[TodayFigures | None] = field(default_factory=list)
    counters: list[int | None] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def _poke(self) -> None:
        self.changed.set()

    def show_alerts(self, alerts: Sequence[Alert], now: datetime) -> None:
        self.shown.extend(alert.order_id for alert in alerts)
        self.alerts.update((alert.order_id, alert) for alert in alerts)
        self.calls.extend(f"show {alert.order_id}" for alert in alerts)
        self._poke()

    def hide_alerts(self, order_ids: Sequence[int]) -> None:
        self.hidden.extend(order_ids)
        self._poke()

    def set_card_busy(self, order_id: int, busy: bool) -> None:
        pass

    def show_card_error(self, order_id: int, text: Message) -> None:
        self.errors[order_id] = str(text)
        self._poke()

    def clear_errors(self) -> None:
        self.errors.clear()
        self._poke()

    def update_status(self, status: CounterStatus) -> None:
        self.statuses.append(status)

    def notify(self, order_id: int, title: str, text: str) -> None:
        self.notified.append(order_id)
        self.calls.append(f"notify {order_id}")

    def show_notice(self, kind: str, title: Message, text: Message | None) -> None:
        self.notices[kind] = str(text or title)
        self._poke()

    def update_notice(self, kind: str, title: Message, text: Message) -> None:
        if kind in self.notices:
            self.notices[kind] = str(text)
        self._poke()

    def clear_notice(self, kind: str) -> None:
        self.notices.pop(kind, None)
        self._poke()

    def token_rejected(self) -> None:
        self.notices["settings-opened"] = "yes"

    def orders_changed(
        self, waiting: Sequence[RemoteOrder], handled: Sequence[RemoteOrder]
    ) -> None:
        self.waiting = [order.id for order in waiting]
        self._poke()

    def today_changed(self, figures: TodayFigures | None) -> None:
        self.today.append(figures)
        self._poke()

    def counters_changed(self, count: int | None) -> None:
        self.counters.append(count)
        self._poke()


@dataclass
class FakeSpeaker:
    """Records what would be said and rung; its output check says what the test sets."""

    said: list[str] = field(default_factory=list)
    rung: list[int] = field(default_factory=list)
    available: bool = True
    output: str | None = None
    checks: int = 0

    def say(self, text: str, language: Language, priority: int = 0) -> None:
        self.said.append(text)

    def ring(self, priority: int = 0) -> None:
        self.rung.append(priority)

    def check_output(self) -> str | None:
        self.checks += 1
        return self.output

    def stop(self) -> None:
        pass


async def until(view: FakeView, check: Callable[[], bool]) -> None:
    """Wait (bounded) until ``check`` holds, re-checking whenever the view changes."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while not check():
        remaining = deadline - loop.time()
        assert remaining > 0, "condition not reached in time"
        view.changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(view.changed.wait(), min(remaining, 0.1))


@dataclass
class RunningCounter:
    counter: Counter
    view: FakeView
    speaker: FakeSpeaker


def fast_backoff() -> Iterator[float]:
    while True:
        yield 0.05


@contextlib.asynccontextmanager
async def running_counter(
    live: LiveServer, token: str, cursor_dir: Path, *, muted: bool = False
) -> AsyncIterator[RunningCounter]:
    """A conductor wired to a real stream and REST client, with a fake view and speaker."""
    view, speaker = FakeView(), FakeSpeaker()
    api = CounterApi(live.base_url, token)
    counter = Counter(
        board=AlertBoard(repeat_interval_s=30, coalesce_window_s=0.05),
        linkwatch=LinkWatch(threshold_s=60),
        speaker=speaker,
        view=view,
        api=api,
        clock=time.monotonic,
        wall=lambda: datetime.now(UTC),
        figures_every_s=0.0,  # each change's figures at once: the pace has tests of its own
    )
    if muted:
        counter.mute(15)
    stream = EventStream(
        stream_url(live.base_url),
        token,
        CursorStore(cursor_dir / "cursor"),
        counter.on_event,
        counter.on_state,
        backoff=fast_backoff,
    )
    tasks = [asyncio.create_task(counter.run()), asyncio.create_task(stream.run())]
    try:
        await until(view, lambda: any(s.link.value == "connected" for s in view.statuses))
        yield RunningCounter(counter, view, speaker)
    finally:
        stream.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await api.aclose()


async def test_paid_order_shows_a_card_and_is_spoken(live: LiveServer, tmp_path: Path) -> None:
    """A paid order makes a card appear, showing its number of the day, and the order be
    spoken by that number and its tail: the shop's first order today is 1号订单."""
    token = await live.device_token()
    async with (
        running_counter(live, token, tmp_path) as run,
        httpx.AsyncClient(base_url=live.base_url) as http,
    ):
        order = await paid_order(simulator(live, http))
        await until(run.view, lambda: order.id in run.view.shown and bool(run.speaker.said))
    said_tail = phrasing.spoken_tail(order.number[-4:], Language.ZH)
    assert run.speaker.said[0] == f"您有新的外卖订单，1号订单，尾号{said_tail}"
    assert run.view.alerts[order.id].day_seq == 1


async def test_notification_follows_the_card(live: LiveServer, tmp_path: Path) -> None:
    """The view is asked for the notification only once the order's card is shown, so it can
    leave out a balloon that would cover the card."""
    token = await live.device_token()
    async with (
        running_counter(live, token, tmp_path) as run,
        httpx.AsyncClient(base_url=live.base_url) as http,
    ):
        order = await paid_order(simulator(live, http))
        await until(run.view, lambda: order.id in run.view.notified)
    calls = run.view.calls
    assert calls.index(f"show {order.id}") < calls.index(f"notify {order.id}")


async def test_accepting_on_one_counter_stops_the_other(live: LiveServer, tmp_path: Path) -> None:
    """Accept on counter A: counter B hides the card and stops ringing for that order."""
    token_a = await live.device_token(name="A")
    token_b = await live.device_token(name="B")
    async with (
        running_counter(live, token_a, tmp_path / "a") as a,
        running_counter(live, token_b, tmp_path / "b") as b,
        httpx.AsyncClient(base_url=live.base_url) as http,
    ):
        order = await paid_order(simulator(live, http))
        assert order.id is not None
        await until(b.view, lambda: order.id in b.view.shown)
        await until(a.view, lambda: order.id in a.view.shown)
        assert await a.counter.accept(order.id)
        await until(b.view, lambda: order.id in b.view.hidden)
        assert [alert.order_id for alert in b.counter.board.ringing] == []


async def test_muted_counter_shows_cards_but_stays_silent(live: LiveServer, tmp_path: Path) -> None:
    """While muted, a new order still shows its card and nothing is spoken."""
    token = await live.device_token()
    async with (
        running_counter(live, token, tmp_path, muted=True) as run,
        httpx.AsyncClient(base_url=live.base_url) as http,
    ):
        order = await paid_order(simulator(live, http))
        await until(run.view, lambda: order.id in run.view.shown)
        marker = await paid_order(simulator(live, http))
        await until(run.view, lambda: marker.id in run.view.shown)
    assert run.speaker.said == []
    assert run.view.statuses[-1].muted_until is not None


async def test_waiting_orders_are_loaded_on_connect(live: LiveServer, tmp_path: Path) -> None:
    """Orders paid before the PC ever connected ring after connecting (the waiting list)."""
    token = await live.device_token()
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        earlier = await paid_order(simulator(live, http))
        async with running_counter(live, token, tmp_path) as run:
            await until(run.view, lambda: earlier.id in run.view.shown)
            assert run.view.waiting == [earlier.id]


async def test_waiting_orders_keep_their_number_and_address(
    live: LiveServer, tmp_path: Path
) -> None:
    """An order loaded from the waiting list shows its number of the day and its address."""
    token = await live.device_token()
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        sim = simulator(live, http)
        first = await paid_order(sim)
        second = await paid_order(sim)
        async with running_counter(live, token, tmp_path) as run:
            await until(run.view, lambda: second.id in run.view.shown)
    alert = run.view.alerts[second.id]
    assert (alert.day_seq, alert.address) == (2, "演示路 1 号")
    assert run.view.alerts[first.id].day_seq == 1


@pytest.mark.parametrize("language", [Language.ZH, Language.EN])
async def test_link_down_raises_the_alarm_and_back_says_so(language: Language) -> None:
    """Down past the threshold: a notice and the link-down phrase; back: the link-back phrase."""
    view, speaker = FakeView(), FakeSpeaker()
    now = [1000.0]
    counter = Counter(
        board=AlertBoard(language=language),
        linkwatch=LinkWatch(threshold_s=60, repeat_s=180, language=language),
        speaker=speaker,
        view=view,
        api=None,
        clock=lambda: now[0],
        wall=lambda: datetime.now(UTC),
    )
    counter.on_state(LinkState.DISCONNECTED)
    counter.step()
    assert "link" not in view.notices
    now[0] += 61
    counter.step()
    assert "link" in view.notices
    assert len(speaker.said) == 1
    counter.on_state(LinkState.CONNECTED)
    counter.step()
    assert "link" not in view.notices
    assert len(speaker.said) == 2
    assert speaker.said[0] != speaker.said[1]


def offline_counter(now: list[float]) -> tuple[Counter, FakeView]:
    """A conductor without a server, on a clock the test moves."""
    view = FakeView()
    counter = Counter(
        board=AlertBoard(language=Language.EN),
        linkwatch=LinkWatch(threshold_s=60, repeat_s=180, language=Language.EN),
        speaker=FakeSpeaker(),
        view=view,
        api=None,
        clock=lambda: now[0],
        wall=lambda: datetime.now(UTC),
    )
    return counter, view


def test_link_notice_says_how_long_the_link_has_been_down() -> None:
    """The link notice counts the minutes since the link went down, updated as they pass."""
    now = [1000.0]
    counter, view = offline_counter(now)
    counter.on_state(LinkState.DISCONNECTED)
    counter.step()
    now[0] += 61
    counter.step()
    assert "down for 1 min:" in view.notices["link"]
    now[0] += 60 * 64
    counter.step()
    assert "down for 1 h 5 min:" in view.notices["link"]


def test_link_notice_refresh_is_a_deadline_of_the_loop() -> None:
    """While the alarm is on, the loop wakes when the notice's minute count changes."""
    now = [1000.0]
    counter, _ = offline_counter(now)
    counter.on_state(LinkState.DISCONNECTED)
    counter.step()
    now[0] += 90
    counter.step()
    assert counter.next_deadline() == 1000.0 + 120


async def test_errors_clear_when_the_link_is_back() -> None:
    """An error shown for want of a server goes away once connected again."""
    now = [1000.0]
    counter, view = offline_counter(now)
    await counter.accept(7)
    assert view.errors == {7: "Not connected to a server"}
    counter.on_state(LinkState.CONNECTED)
    assert view.errors == {}


async def test_ready_notice_on_first_connect_and_after_an_outage() -> None:
    """Connected at start: "taking orders"; a reconnect after a link alarm says so again; a
    short flap below the alarm threshold says nothing."""
    now = [1000.0]
    counter, view = offline_counter(now)
    counter.on_state(LinkState.CONNECTED)
    assert "ready" in view.notices
    del view.notices["ready"]
    counter.on_state(LinkState.DISCONNECTED)
    counter.on_state(LinkState.CONNECTED)
    counter.step()
    assert "ready" not in view.notices
    counter.on_state(LinkState.DISCONNECTED)
    counter.step()
    now[0] += 61
    counter.step()
    counter.on_state(LinkState.CONNECTED)
    counter.step()
    assert "ready" in view.notices
    assert "link" not in view.notices


async def test_an_answer_to_a_reminder_reaches_the_other_counter(
    live: LiveServer, tmp_path: Path
) -> None:
    """Counter A answers a customer's 催单: counter B's card shows the answer and the order
    keeps ringing there until it is accepted."""
    token_a = await live.device_token(name="A")
    token_b = await live.device_token(name="B")
    async with (
        running_counter(live, token_a, tmp_path / "a") as a,
        running_counter(live, token_b, tmp_path / "b") as b,
        httpx.AsyncClient(base_url=live.base_url) as http,
    ):
        sim = simulator(live, http)
        order = await paid_order(sim)
        assert order.id is not None
        await sim.remind(order.id)
        await until(b.view, lambda: b.view.alerts.get(order.id, None) is not None)
        await until(b.view, lambda: b.view.alerts[order.id].reminded)
        assert await a.counter.reply(order.id, "ready_soon", "")
        await until(b.view, lambda: b.view.alerts[order.id].reminder_reply == "马上出餐")
        assert [alert.order_id for alert in b.counter.board.ringing] == [order.id]


async def test_a_failed_answer_shows_on_the_card(live: LiveServer, tmp_path: Path) -> None:
    """An answer the server refuses (the order was never hurried) is shown on the card."""
    token = await live.device_token()
    async with (
        running_counter(live, token, tmp_path) as run,
        httpx.AsyncClient(base_url=live.base_url) as http,
    ):
        order = await paid_order(simulator(live, http))
        assert order.id is not None
        await until(run.view, lambda: order.id in run.view.shown)
        assert not await run.counter.reply(order.id, "", "马上好")
    assert order.id in run.view.errors


async def test_the_shops_connected_counters_are_counted(live: LiveServer, tmp_path: Path) -> None:
    """This PC alone counts 1; with a second PC of the shop connected it counts 2."""
    async with running_counter(live, await live.device_token(), tmp_path) as running:
        await wait_for_live_counters(live.hub, 1)
        await running.counter.refresh_counters()
        async with counter(live.ws_url, await live.device_token(name="kitchen")):
            await wait_for_live_counters(live.hub, 2)
            await running.counter.refresh_counters()
    assert running.view.counters == [1, 2]
