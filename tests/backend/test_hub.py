"""The hub hands events to the right mailboxes without waiting; the dispatcher keeps log order."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from backend.hub import Dispatcher, Hub
from backend.protocol import CLOSE_GOING_AWAY, CLOSE_TOO_SLOW, Event, EventType, OrderStatus


def event(event_id: int, shop_id: int = 1) -> Event:
    return Event(
        id=event_id,
        type=EventType.NEW_ORDER,
        shop_id=shop_id,
        order_id=event_id,
        order_number=f"N{event_id:08d}",
        status=OrderStatus.TO_BE_CONFIRMED,
        amount_fen=100,
        created_at=datetime(2026, 11, 26, tzinfo=UTC),
    )


def ids(frames: list[str]) -> list[int]:
    return [json.loads(frame)["id"] for frame in frames]


async def test_publish_reaches_only_the_events_shop() -> None:
    """A shop-1 event lands in shop 1's mailboxes and nowhere else."""
    hub = Hub(queue_limit=10)
    with hub.subscribe(1) as one, hub.subscribe(2) as two:
        assert hub.publish(event(1, shop_id=1)) == 1
        assert one.pending == 1
        assert two.pending == 0


async def test_frames_come_out_in_order() -> None:
    """The writer receives queued frames oldest first."""
    hub = Hub(queue_limit=10)
    with hub.subscribe(1) as sub:
        for event_id in (1, 2, 3):
            hub.publish(event(event_id))
        assert ids(await sub.next_frames()) == [1, 2, 3]


async def test_frames_at_or_below_the_floor_are_skipped() -> None:
    """Live frames already sent in the backlog (id <= floor) are not sent again."""
    hub = Hub(queue_limit=10)
    with hub.subscribe(1) as sub:
        for event_id in (4, 5, 6):
            hub.publish(event(event_id))
        sub.floor = 5
        assert ids(await sub.next_frames()) == [6]


async def test_overflow_drops_the_connection_with_4408() -> None:
    """A mailbox over its limit is closed with 4408 and leaves the hub at once."""
    hub = Hub(queue_limit=2)
    with hub.subscribe(1) as slow:
        for event_id in (1, 2, 3):
            hub.publish(event(event_id))
        assert slow.close_code == CLOSE_TOO_SLOW
        assert slow.pending == 0
        assert hub.connection_count == 0
        assert hub.dropped == 1
        assert await slow.next_frames() == []


async def test_slow_mailbox_does_not_affect_a_fast_one() -> None:
    """One overflowing connection leaves the other connections of the shop untouched."""
    hub = Hub(queue_limit=2)
    with hub.subscribe(1) as slow, hub.subscribe(1) as fast:
        hub.publish(event(1))
        hub.publish(event(2))
        assert ids(await fast.next_frames()) == [1, 2]
        hub.publish(event(3))
        assert slow.close_code == CLOSE_TOO_SLOW
        assert ids(await fast.next_frames()) == [3]


async def test_close_all_wakes_waiting_writers() -> None:
    """close_all makes a writer waiting for frames return with the close code."""
    hub = Hub(queue_limit=10)
    with hub.subscribe(1) as sub:
        waiting = asyncio.create_task(sub.next_frames())
        await asyncio.sleep(0)
        hub.close_all(CLOSE_GOING_AWAY)
        assert await asyncio.wait_for(waiting, 1) == []
        assert sub.close_code == CLOSE_GOING_AWAY


async def test_unsubscribe_on_leaving_the_block() -> None:
    """A connection leaves the hub when its block ends."""
    hub = Hub(queue_limit=10)
    with hub.subscribe(1):
        assert hub.connection_count == 1
    assert hub.connection_count == 0


async def test_dispatcher_publishes_the_log_in_id_order() -> None:
    """The dispatcher reads after its last id, page by page, and publishes in order."""
    log = [event(i) for i in range(1, 8)]

    async def read_after(after_id: int) -> list[Event]:
        return [e for e in log if e.id > after_id][:3]

    hub = Hub(queue_limit=100)
    dispatcher = Dispatcher(hub, read_after, start_after=2)
    with hub.subscribe(1) as sub:
        await dispatcher.catch_up()
        assert ids(await sub.next_frames()) == [3, 4, 5, 6, 7]
    assert dispatcher.last_id == 7


async def test_dispatcher_survives_a_failing_read() -> None:
    """A database error while reading the log is retried, not fatal."""
    log = [event(1)]
    calls = 0

    async def read_after(after_id: int) -> list[Event]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("database went away")
        return [e for e in log if e.id > after_id]

    hub = Hub(queue_limit=10)
    dispatcher = Dispatcher(hub, read_after, start_after=0)
    with hub.subscribe(1) as sub:
        task = asyncio.create_task(dispatcher.run())
        dispatcher.ring()
        try:
            assert ids(await asyncio.wait_for(sub.next_frames(), 5)) == [1]
        finally:
            task.cancel()


async def test_dispatcher_stops_at_a_short_page() -> None:
    """A page shorter than the page size ends the catch-up without another (empty) read."""
    reads: list[int] = []

    async def read_after(after_id: int) -> list[Event]:
        reads.append(after_id)
        return [event(i) for i in range(after_id + 1, 3)][:10]

    dispatcher = Dispatcher(Hub(queue_limit=10), read_after, start_after=0, page_size=10)
    await dispatcher.catch_up()
    assert reads == [0]
    assert dispatcher.last_id == 2
