"""The hub hands events to the right mailboxes without waiting; the dispatcher keeps log order."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import OperationalError

from backend.hub import Dispatcher, Frame, Hub, Subscriber, frames_of
from backend.recent import RecentEvents
from orderbell_protocol import (
    CLOSE_GOING_AWAY,
    CLOSE_TOO_SLOW,
    Event,
    EventType,
    OrderLine,
    OrderStatus,
    OrderSummary,
)


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


def ids(frames: list[Frame]) -> list[int]:
    return [json.loads(frame.text)["id"] for frame in frames]


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


class FakeSink:
    """A socket stand-in: records written frames; ``room`` says whether it takes one now.

    Like the real socket it tells its subscriber when it stops taking frames (``on_full``,
    as a transport's ``pause_writing`` does), and hands out a pipe to write into while ready.
    """

    def __init__(self) -> None:
        self.written: list[Frame] = []
        self._room = True
        self.closing = False  # the transport is closing under the app (e.g. server shutdown)
        self.aborted = False
        self.closed_with: int | None = None
        self.on_full: Callable[[], None] | None = None

    @property
    def room(self) -> bool:
        return self._room

    @room.setter
    def room(self, value: bool) -> None:
        self._room = value
        if not value and self.on_full is not None:
            self.on_full()

    def ready(self) -> bool:
        return self._room and not self.closing and not self.aborted and self.closed_with is None

    def write(self, frame: Frame) -> None:
        assert self.ready(), "written while not ready"
        self.written.append(frame)

    def pipe(self) -> FakePipe | None:
        return FakePipe(self) if self.ready() else None

    def close(self, code: int) -> None:
        assert self.ready(), "close frame sent while not ready"
        self.closed_with = code

    def abort(self) -> None:
        self.aborted = True


class FakePipe:
    """The transport under a fake socket: raw frames land in the socket's record."""

    def __init__(self, sink: FakeSink) -> None:
        self.sink = sink

    def is_closing(self) -> bool:
        return self.sink.closing or self.sink.aborted

    def write(self, data: bytes) -> None:
        assert self.sink.ready(), "written while not ready"
        header = 2 if data[1] < 126 else 4
        text = data[header:].decode()
        self.sink.written.append(Frame(json.loads(text)["id"], text, data))


STALL_S = 0.2


@contextmanager
def handed_over(hub: Hub, floor: int = 0) -> Iterator[tuple[Subscriber, FakeSink]]:
    """A shop-1 subscriber whose socket (a fake) has taken over from its writer."""
    sink = FakeSink()
    with hub.subscribe(1, floor=floor) as sub:
        sink.on_full = sub.blocked
        sub.hand_over(sink, STALL_S)
        yield sub, sink


async def test_a_handed_over_subscriber_with_room_gets_frames_written_at_once() -> None:
    """No buffer, no writer: the frame goes straight to the socket, and the floor follows."""
    hub = Hub(queue_limit=10)
    with handed_over(hub) as (sub, sink):
        hub.publish(event(1))
        hub.publish(event(2))
        assert ids(sink.written) == [1, 2]
        assert sub.pending == 0
        assert sub.floor == 2


async def test_one_frame_is_encoded_once_for_the_whole_shop() -> None:
    """Every counter of the shop is handed the very same bytes."""
    hub = Hub(queue_limit=10)
    sinks = [FakeSink() for _ in range(3)]
    with hub.subscribe(1) as a, hub.subscribe(1) as b, hub.subscribe(1) as c:
        for sub, sink in zip((a, b, c), sinks, strict=True):
            sub.hand_over(sink, STALL_S)
        hub.publish(event(1))
    wires = {id(sink.written[0].wire) for sink in sinks}
    assert len(wires) == 1


async def test_a_backed_up_socket_queues_and_gets_the_frames_in_order_when_it_drains() -> None:
    """Once anything waits, newer frames queue behind it even if room returns; flush writes all."""
    hub = Hub(queue_limit=10)
    with handed_over(hub) as (sub, sink):
        hub.publish(event(1))
        sink.room = False
        hub.publish(event(2))
        sink.room = True
        hub.publish(event(3))
        assert ids(sink.written) == [1]
        assert sub.pending == 2
        sub.flush()
        assert ids(sink.written) == [1, 2, 3]
        assert sub.pending == 0
        hub.publish(event(4))
        assert ids(sink.written) == [1, 2, 3, 4]


async def test_frames_queued_before_the_hand_over_go_first() -> None:
    """Live events that arrived during the backlog are written at the hand-over, in order."""
    hub = Hub(queue_limit=10)
    sink = FakeSink()
    with hub.subscribe(1) as sub:
        hub.publish(event(1))
        hub.publish(event(2))
        assert sink.written == []
        sub.hand_over(sink, STALL_S)
        assert ids(sink.written) == [1, 2]
        hub.publish(event(3))
        assert ids(sink.written) == [1, 2, 3]


async def test_a_replayed_id_is_not_written_again_directly() -> None:
    """An event at or below the floor (sent in the backlog) is skipped on the direct path too."""
    hub = Hub(queue_limit=10)
    with handed_over(hub, floor=5) as (_, sink):
        hub.publish(event(5))
        hub.publish(event(6))
        assert ids(sink.written) == [6]


async def test_a_socket_closing_under_the_hub_is_never_written_to() -> None:
    """A transport the server closes by itself (shutdown, protocol error) gets no more frames."""
    hub = Hub(queue_limit=10)
    with handed_over(hub) as (sub, sink):
        hub.publish(event(1))
        sink.closing = True
        hub.publish(event(2))
        assert ids(sink.written) == [1]
        assert sub.pending == 1


async def test_a_closed_subscriber_writes_nothing_more() -> None:
    """After its close frame a connection gets no data frames, though its socket is open."""
    hub = Hub(queue_limit=10)
    with handed_over(hub) as (sub, sink):
        sub.close(CLOSE_GOING_AWAY)
        sink.closed_with = None  # the peer has not answered the close frame yet
        hub.publish(event(1))
        assert sink.written == []


async def test_dropping_a_backed_up_subscriber_aborts_its_socket() -> None:
    """Overflow while the socket has no room: the connection is let go of at once."""
    hub = Hub(queue_limit=2)
    with handed_over(hub) as (sub, sink):
        sink.room = False
        for event_id in range(1, 4):
            hub.publish(event(event_id))
        assert sub.close_code == CLOSE_TOO_SLOW
        assert sink.aborted


async def test_a_socket_that_takes_nothing_for_the_stall_limit_is_aborted() -> None:
    """Frames wait, the socket never drains: dropped (4408) once the limit passes."""
    hub = Hub(queue_limit=10)
    with handed_over(hub) as (sub, sink):
        sink.room = False
        loop = asyncio.get_running_loop()
        queued_at = loop.time()
        hub.publish(event(1))
        assert sub.close_code is None
        while sub.close_code is None:
            assert loop.time() - queued_at < 5, "the stalled socket was never dropped"
            await asyncio.sleep(STALL_S / 10)
        assert loop.time() - queued_at >= STALL_S
        assert sub.close_code == CLOSE_TOO_SLOW
        assert sink.aborted


async def test_a_socket_that_drains_in_time_is_kept() -> None:
    """Room returning before the limit writes what waited and disarms the stall limit."""
    hub = Hub(queue_limit=10)
    with handed_over(hub) as (sub, sink):
        sink.room = False
        hub.publish(event(1))
        sink.room = True
        sub.flush()
        await asyncio.sleep(2 * STALL_S)
        assert sub.close_code is None
        assert ids(sink.written) == [1]


async def test_closing_a_handed_over_subscriber_with_room_sends_a_close_frame() -> None:
    """A socket that can still take a close frame gets one with the code, and is not aborted."""
    hub = Hub(queue_limit=2)
    with handed_over(hub) as (_, sink):
        hub.close_all(CLOSE_GOING_AWAY)
        assert sink.closed_with == CLOSE_GOING_AWAY
        assert not sink.aborted
        hub.publish(event(1))
        assert sink.written == []


def test_remove_takes_a_subscriber_out_of_its_shop_and_is_idempotent() -> None:
    hub = Hub(queue_limit=2)
    sub = hub.add(3)
    other = hub.add(3)
    hub.remove(sub)
    hub.remove(sub)
    assert hub.connection_count == 1
    hub.remove(other)
    assert hub.connection_count == 0
    assert hub.publish(event(1, shop_id=3)) == 0


async def test_the_next_committed_event_is_published_without_a_log_read() -> None:
    """Handing over event last_id+1 publishes it at once; the log is not read."""
    reads: list[int] = []

    async def read_after(after_id: int) -> list[Event]:
        reads.append(after_id)
        return []

    hub = Hub(queue_limit=10)
    dispatcher = Dispatcher(hub, read_after, start_after=4)
    with hub.subscribe(1) as sub:
        dispatcher.committed(event(5))
        dispatcher.committed(event(6))
        assert ids(await sub.next_frames()) == [5, 6]
    assert dispatcher.last_id == 6
    assert reads == []


async def test_a_committed_event_after_a_gap_waits_for_the_log() -> None:
    """Event 7 while 5 and 6 are unseen (another instance's): read from the log, in order."""
    log = [event(i) for i in range(5, 8)]

    async def read_after(after_id: int) -> list[Event]:
        return [e for e in log if e.id > after_id]

    hub = Hub(queue_limit=10)
    dispatcher = Dispatcher(hub, read_after, start_after=4)
    with hub.subscribe(1) as sub:
        task = asyncio.create_task(dispatcher.run())
        try:
            dispatcher.committed(event(7))
            assert sub.pending == 0
            assert ids(await asyncio.wait_for(sub.next_frames(), 5)) == [5, 6, 7]
        finally:
            task.cancel()
    assert dispatcher.last_id == 7


async def test_an_event_handed_over_during_a_log_read_is_not_published_twice() -> None:
    """The read returns events already handed over meanwhile; they are skipped."""
    dispatcher: Dispatcher
    log = [event(i) for i in range(1, 4)]

    async def read_after(after_id: int) -> list[Event]:
        dispatcher.committed(event(1))  # commits race the read
        dispatcher.committed(event(2))
        return [e for e in log if e.id > after_id]

    hub = Hub(queue_limit=10)
    dispatcher = Dispatcher(hub, read_after, start_after=0)
    with hub.subscribe(1) as sub:
        await dispatcher.catch_up()
        assert ids(await sub.next_frames()) == [1, 2, 3]
        assert sub.pending == 0
    assert dispatcher.last_id == 3


async def test_an_old_or_missing_event_changes_nothing() -> None:
    """No event (nothing committed) or one already published: no publish, no ring."""

    async def read_after(after_id: int) -> list[Event]:
        raise AssertionError("the log must not be read")

    hub = Hub(queue_limit=10)
    dispatcher = Dispatcher(hub, read_after, start_after=3)
    with hub.subscribe(1) as sub:
        dispatcher.committed(None)
        dispatcher.committed(event(3))
        assert sub.pending == 0
    assert dispatcher.last_id == 3


async def test_what_the_dispatcher_publishes_is_remembered_for_replays() -> None:
    """Handed over or read from the log, every published event lands in ``recent``."""
    log = [event(i) for i in range(1, 4)]

    async def read_after(after_id: int) -> list[Event]:
        return [e for e in log if e.id > after_id]

    recent = RecentEvents(10)
    dispatcher = Dispatcher(Hub(queue_limit=10), read_after, start_after=0, recent=recent)
    await dispatcher.catch_up()
    dispatcher.committed(event(4))
    assert [e.id for e in recent.after(1, 0)] == [1, 2, 3, 4]


def poisoned(event_id: int, shop_id: int = 1) -> Event:
    """An event whose item name holds a lone surrogate, as rows written before checks could."""
    line = OrderLine(name="\ud800", quantity=1)
    return replace(event(event_id, shop_id), order=OrderSummary(items=(line,)))


async def test_an_undeliverable_event_is_skipped_and_the_next_goes_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An event that cannot be encoded is reported once and passed over; the next is sent."""

    async def read_after(after_id: int) -> list[Event]:
        raise AssertionError("the log must not be read")

    hub = Hub(queue_limit=10)
    dispatcher = Dispatcher(hub, read_after, start_after=4)
    with hub.subscribe(1) as same_shop, hub.subscribe(2) as other_shop:
        dispatcher.committed(poisoned(5))
        dispatcher.committed(event(6))
        dispatcher.committed(event(7, shop_id=2))
        assert ids(await same_shop.next_frames()) == [6]
        assert ids(await other_shop.next_frames()) == [7]
    assert (dispatcher.last_id, dispatcher.skipped) == (7, 1)
    anomalies = [r.getMessage() for r in caplog.records if "ANOMALY" in r.getMessage()]
    assert len(anomalies) == 1
    assert "event 5" in anomalies[0]


async def test_an_undeliverable_event_read_from_the_log_does_not_stop_the_reading() -> None:
    """A poisoned event among those read from the log is passed over, the rest published."""
    log = [event(1), poisoned(2), event(3, shop_id=2), event(4)]

    async def read_after(after_id: int) -> list[Event]:
        return [e for e in log if e.id > after_id]

    recent = RecentEvents(10)
    hub = Hub(queue_limit=10)
    dispatcher = Dispatcher(hub, read_after, start_after=0, recent=recent)
    with hub.subscribe(1) as sub:
        await dispatcher.catch_up()
        assert ids(await sub.next_frames()) == [1, 4]
    assert dispatcher.last_id == 4
    assert [e.id for e in recent.after(1, 0)] == [1, 4]


async def test_an_undeliverable_event_without_listeners_is_not_kept_for_replays() -> None:
    """Even with no counter of its shop online, a poisoned event stays out of ``recent``."""

    async def read_after(after_id: int) -> list[Event]:
        return []

    recent = RecentEvents(10)
    dispatcher = Dispatcher(Hub(queue_limit=10), read_after, start_after=0, recent=recent)
    dispatcher.committed(poisoned(1))
    dispatcher.committed(event(2))
    assert [e.id for e in recent.after(1, 0)] == [2]


def test_frames_of_leaves_out_what_cannot_be_sent() -> None:
    """A replay's frames skip a poisoned event and keep the order of the rest."""
    frames = frames_of([event(1), poisoned(2), event(3)])
    assert [frame.event_id for frame in frames] == [1, 3]


async def test_an_outage_is_one_warning_not_a_traceback_per_retry(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Reads failing again and again log one line; the recovery is logged once too."""
    caplog.set_level(logging.INFO, logger="backend.hub")
    failures = 5
    calls = 0

    async def read_after(after_id: int) -> list[Event]:
        nonlocal calls
        calls += 1
        if calls <= failures:
            raise OperationalError("SELECT", {}, sqlite3.OperationalError("disk I/O error"))
        return [event(1)] if after_id == 0 else []

    hub = Hub(queue_limit=10)
    dispatcher = Dispatcher(hub, read_after, start_after=0, retry_s=0.001)
    with hub.subscribe(1) as sub:
        task = asyncio.create_task(dispatcher.run())
        dispatcher.ring()
        try:
            assert ids(await asyncio.wait_for(sub.next_frames(), 5)) == [1]
        finally:
            task.cancel()
    logged = [r for r in caplog.records if r.name == "backend.hub" and r.levelno >= logging.INFO]
    assert [r.levelno for r in logged] == [logging.WARNING, logging.INFO]
    assert "disk I/O error" in logged[0].getMessage()
    assert not any(r.exc_info for r in logged)


async def never_read(after_id: int) -> list[Event]:
    raise AssertionError("the log must not be read")


async def test_a_notification_for_an_event_being_committed_here_rings_nothing() -> None:
    """The doorbell hears of this instance's own event before its hand-over: no ring, no read."""
    hub = Hub(queue_limit=10)
    dispatcher = Dispatcher(hub, never_read, start_after=4)
    with hub.subscribe(1) as sub:
        dispatcher.committing([5])
        dispatcher.heard(5)
        assert not dispatcher.ringing
        dispatcher.committed(event(5))
        assert ids(await sub.next_frames()) == [5]
    assert not dispatcher.ringing


def test_a_notification_for_another_instances_event_rings() -> None:
    """An event nobody here is committing is read from the log."""
    dispatcher = Dispatcher(Hub(queue_limit=10), never_read, start_after=4)
    dispatcher.committing([6])
    dispatcher.heard(5)
    assert dispatcher.ringing


def test_an_abandoned_commit_rings_and_is_no_longer_awaited() -> None:
    """A commit that failed or whose outcome is unknown: read the log, and hear it again."""
    dispatcher = Dispatcher(Hub(queue_limit=10), never_read, start_after=4)
    dispatcher.committing([5])
    dispatcher.abandoned([5])
    assert dispatcher.ringing


async def test_an_awaited_writes_own_notification_rings_nothing() -> None:
    """A write whose ids are drawn as it commits: its event's notification, heard before the
    hand-over, neither rings nor reads; the hand-over publishes it."""
    hub = Hub(queue_limit=10)
    dispatcher = Dispatcher(hub, never_read, start_after=4)
    with hub.subscribe(1) as sub:
        ticket = dispatcher.awaiting()
        dispatcher.heard(5)
        dispatcher.committed(event(5))
        dispatcher.settled(ticket)
        assert ids(await sub.next_frames()) == [5]
    assert not dispatcher.ringing


def test_an_event_an_awaited_write_did_not_hand_over_rings_once_it_is_settled() -> None:
    """Another instance's event heard while a write is under way here is read once it is over."""
    dispatcher = Dispatcher(Hub(queue_limit=10), never_read, start_after=4)
    ticket = dispatcher.awaiting()
    dispatcher.heard(5)
    assert not dispatcher.ringing
    dispatcher.settled(ticket)
    assert dispatcher.ringing


def test_a_write_begun_after_a_notification_does_not_hold_it() -> None:
    """Writes that keep overlapping never hold an event longer than those under way when it
    was heard: once they are over it is read, whatever began since."""
    dispatcher = Dispatcher(Hub(queue_limit=10), never_read, start_after=4)
    first = dispatcher.awaiting()
    dispatcher.heard(5)
    second = dispatcher.awaiting()
    dispatcher.settled(first)
    assert dispatcher.ringing
    dispatcher.settled(second)


async def test_a_burst_heard_while_its_read_is_under_way_costs_one_read() -> None:
    """Events 2..10 announced while the read rung for event 1 is on its way, and that read
    returns them all: the burst costs that one read, not a second one for its doorbell rings."""
    dispatcher: Dispatcher
    log = [event(i) for i in range(1, 11)]
    reads: list[int] = []

    async def read_after(after_id: int) -> list[Event]:
        reads.append(after_id)
        if len(reads) == 1:  # the burst's notifications arrive during the first read
            for announced in log[1:]:
                dispatcher.heard(announced.id)
        return [e for e in log if e.id > after_id]

    hub = Hub(queue_limit=20)
    dispatcher = Dispatcher(hub, read_after, start_after=0, page_size=100)
    with hub.subscribe(1) as sub:
        task = asyncio.create_task(dispatcher.run())
        try:
            dispatcher.heard(1)
            assert ids(await asyncio.wait_for(sub.next_frames(), 5)) == list(range(1, 11))
            assert not dispatcher.ringing
        finally:
            task.cancel()
    assert reads == [0]


async def test_a_notification_after_the_read_still_reads_the_log() -> None:
    """An event announced after the last read returned is read: coalescing loses nothing."""
    log = [event(1)]

    async def read_after(after_id: int) -> list[Event]:
        return [e for e in log if e.id > after_id]

    hub = Hub(queue_limit=20)
    dispatcher = Dispatcher(hub, read_after, start_after=0, page_size=100)
    with hub.subscribe(1) as sub:
        task = asyncio.create_task(dispatcher.run())
        try:
            dispatcher.heard(1)
            assert ids(await asyncio.wait_for(sub.next_frames(), 5)) == [1]
            log.append(event(2))
            dispatcher.heard(2)
            assert ids(await asyncio.wait_for(sub.next_frames(), 5)) == [2]
        finally:
            task.cancel()
