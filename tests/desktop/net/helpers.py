"""Tools for the network tests: a recorder of stream callbacks, fast backoff, a fake server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve

from desktop.core.cursor import CursorStore
from desktop.net import EventStream, LinkState
from orderbell_protocol import Event, EventType, OrderLine, OrderStatus, OrderSummary

WAIT_S = 5.0


class Recorder:
    """Collects what an EventStream reports; tests await conditions on it with a deadline."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.states: list[LinkState] = []
        self._changed = asyncio.Event()

    async def on_event(self, event: Event) -> None:
        self.events.append(event)
        self._bump()

    def on_state(self, state: LinkState) -> None:
        self.states.append(state)
        self._bump()

    def _bump(self) -> None:
        # Wake every waiter once, then arm a fresh event for the next change.
        self._changed.set()
        self._changed = asyncio.Event()

    async def until(self, condition: Callable[[], bool], timeout_s: float = WAIT_S) -> None:
        """Return once ``condition()`` holds; fail the test after ``timeout_s``."""
        try:
            async with asyncio.timeout(timeout_s):
                while not condition():
                    await self._changed.wait()
        except TimeoutError:
            raise AssertionError(
                f"condition not met in {timeout_s} s; states={self.states}, "
                f"event ids={[event.id for event in self.events]}"
            ) from None

    async def until_events(self, count: int) -> None:
        await self.until(lambda: len(self.events) >= count)

    async def until_state(self, state: LinkState, occurrences: int = 1) -> None:
        await self.until(lambda: self.states.count(state) >= occurrences)


class CountingBackoff:
    """A fast backoff that counts how often the stream asked for a retry delay."""

    def __init__(self, delay_s: float = 0.02) -> None:
        self.delay_s = delay_s
        self.requests = 0
        self.asked = asyncio.Event()

    def __call__(self) -> Iterator[float]:
        while True:
            self.requests += 1
            self.asked.set()
            yield self.delay_s


@contextlib.asynccontextmanager
async def running(stream: EventStream) -> AsyncIterator[asyncio.Task[None]]:
    """Run the stream in a task; stop it at the end and insist that run() returns cleanly."""
    task = asyncio.create_task(stream.run())
    try:
        yield task
    finally:
        stream.stop()
        await asyncio.wait_for(task, WAIT_S)


def make_stream(
    url: str,
    token: str,
    cursor: CursorStore,
    recorder: Recorder,
    backoff: Callable[[], Iterator[float]] | None = None,
    connect_timeout_s: float = 5.0,
) -> EventStream:
    return EventStream(
        url,
        token,
        cursor,
        recorder.on_event,
        recorder.on_state,
        backoff=backoff or CountingBackoff(),
        connect_timeout_s=connect_timeout_s,
    )


def wire_event(event_id: int, order_id: int | None = None) -> Event:
    """A valid type-1 event for fake servers."""
    order_id = event_id if order_id is None else order_id
    return Event(
        id=event_id,
        type=EventType.NEW_ORDER,
        shop_id=1,
        order_id=order_id,
        order_number=f"20261126{order_id:09d}",
        status=OrderStatus.TO_BE_CONFIRMED,
        amount_fen=6600,
        created_at=datetime(2026, 11, 26, 12, 0, tzinfo=UTC),
        order=OrderSummary(items=(OrderLine("宫保鸡丁", 2),), remark="少辣", phone_tail="8000"),
    )


FakeHandler = Callable[[ServerConnection], Awaitable[None]]


@contextlib.asynccontextmanager
async def fake_server(handler: FakeHandler, **options: Any) -> AsyncIterator[tuple[Server, str]]:
    """A real websockets server on a free port running ``handler``; yields it and its URL."""
    async with serve(handler, "127.0.0.1", 0, compression=None, **options) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield server, f"ws://127.0.0.1:{port}/ws/counter"
