"""Live counter connections by shop: the hub rings them, and never waits for any of them.

Each connection owns a bounded buffer and a writer that drains it. Publishing only appends to
buffers, so one counter that stops reading cannot delay another; when its buffer overflows it
is dropped (close 4408) and reconnects later with ``since=`` to catch up from the event log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import NamedTuple, Protocol

from backend.lean import LeanEvent
from backend.protocol import CLOSE_BAD_TOKEN, CLOSE_GOING_AWAY, CLOSE_TOO_SLOW, Event, encode_event
from backend.recent import RecentEvents
from backend.wsframes import text_frame

log = logging.getLogger(__name__)


class Frame(NamedTuple):
    """One event as it goes out: its id, its JSON text, and that text as a WebSocket frame."""

    event_id: int
    text: str
    wire: bytes


def frame_of(event: Event) -> Frame:
    """Encode an event once, for every connection of its shop."""
    text = encode_event(event)
    return Frame(event.id, text, text_frame(text.encode()))


class Sink(Protocol):
    """Where a connection's frames can be written without waiting (its socket)."""

    def ready(self) -> bool:
        """True when a frame written now goes out at once (open, and not backed up)."""
        ...

    def write(self, frame: Frame) -> None:
        """Write one frame; only called when ``ready()``."""
        ...

    def abort(self) -> None:
        """Drop the connection at once, unsent data and all."""
        ...


class Subscriber:
    """One live connection's mailbox: frames waiting to be written, oldest first.

    With a :class:`Sink` attached and nothing waiting, an offered frame is written straight
    away: a fan-out then costs one socket write per counter, with no task switch. Otherwise the
    frame waits in the bounded buffer for the connection's writer (``next_frames``).
    """

    __slots__ = (
        "_buffer",
        "_limit",
        "_sink",
        "_wake",
        "_writing",
        "close_code",
        "device_id",
        "floor",
        "shop_id",
    )

    def __init__(
        self, shop_id: int, limit: int, floor: int = 0, device_id: int | None = None
    ) -> None:
        self.shop_id = shop_id
        self.device_id = device_id  # the device token it authenticated with (None: anonymous)
        self.floor = floor  # highest event id already sent; anything at or below is a duplicate
        self.close_code: int | None = None
        self._limit = limit
        # Made when the first frame has to wait: most connections never need one.
        self._buffer: deque[Frame] | None = None
        self._wake = LeanEvent()
        self._sink: Sink | None = None
        self._writing = False  # the writer holds frames taken from the buffer

    @property
    def pending(self) -> int:
        """Frames waiting to be written."""
        return len(self._buffer) if self._buffer else 0

    def go_live(self, sink: Sink) -> None:
        """From now on write offered frames straight to ``sink`` whenever nothing is waiting.

        Called once the backlog is sent: frames queued meanwhile still go first, through the
        writer, because the direct path is only taken with an empty buffer.
        """
        self._sink = sink

    def offer(self, frame: Frame) -> bool:
        """Write or queue one frame; False when the buffer is full and the connection is dropped."""
        if self.close_code is not None:
            return True
        sink = self._sink
        if sink is not None and not self._buffer and not self._writing and sink.ready():
            if frame.event_id > self.floor:
                self.floor = frame.event_id
                sink.write(frame)
            return True
        if self._buffer is None:
            self._buffer = deque()
        if len(self._buffer) >= self._limit:
            self.close(CLOSE_TOO_SLOW)
            return False
        self._buffer.append(frame)
        self._wake.set()
        return True

    def close(self, code: int) -> None:
        """Ask the writer to close the connection with this code; pending frames are discarded."""
        if self.close_code is None:
            self.close_code = code
        self._buffer = None
        self._wake.set()
        if self._sink is not None and not self._sink.ready():
            # Backed up: a close frame would queue behind data the peer is not reading, and the
            # writer may be waiting on that very socket. Let go of it now.
            self._sink.abort()

    async def next_frames(self) -> list[Frame]:
        """Wait for frames to write; an empty list means: close with ``close_code``.

        Calling it again says the previous batch is written: until then nothing is written
        past the writer, so frames never overtake each other.
        """
        self._writing = False
        while True:
            if self.close_code is not None:
                return []
            frames = []
            while self._buffer:
                frame = self._buffer.popleft()
                if not self._buffer:
                    self._buffer = None
                if frame.event_id > self.floor:
                    self.floor = frame.event_id
                    frames.append(frame)
            if frames:
                self._writing = True
                return frames
            self._wake.clear()
            await self._wake.wait()


class Hub:
    """Connections grouped by shop; ``publish`` hands one event to each of its shop's mailboxes."""

    def __init__(self, queue_limit: int) -> None:
        self._queue_limit = queue_limit
        self._shops: dict[int, set[Subscriber]] = {}
        self.dropped = 0

    @property
    def connection_count(self) -> int:
        """Live subscribers across all shops."""
        return sum(len(subs) for subs in self._shops.values())

    @contextmanager
    def subscribe(
        self, shop_id: int, floor: int = 0, device_id: int | None = None
    ) -> Iterator[Subscriber]:
        """Register a connection for its shop's events for the duration of the block."""
        subscriber = Subscriber(shop_id, self._queue_limit, floor, device_id)
        self._shops.setdefault(shop_id, set()).add(subscriber)
        try:
            yield subscriber
        finally:
            shop = self._shops.get(shop_id)
            if shop is not None:
                shop.discard(subscriber)
                if not shop:
                    del self._shops[shop_id]

    def publish(self, event: Event) -> int:
        """Hand one event to every connection of its shop; returns how many received it."""
        subscribers = self._shops.get(event.shop_id)
        if not subscribers:
            return 0
        frame = frame_of(event)
        delivered = 0
        for subscriber in list(subscribers):
            if subscriber.offer(frame):
                delivered += 1
            else:
                # Out of the shop at once: its writer may still be stuck on the socket for a while.
                subscribers.discard(subscriber)
                self.dropped += 1
                log.warning(
                    "counter of shop %s fell %s events behind: dropped (close %s)",
                    event.shop_id,
                    self._queue_limit,
                    CLOSE_TOO_SLOW,
                )
        return delivered

    def drop_devices(self, device_ids: set[int], code: int = CLOSE_BAD_TOKEN) -> int:
        """Close the connections of these device tokens (revoked); returns how many."""
        dropped = 0
        for subscribers in self._shops.values():
            for subscriber in subscribers:
                if subscriber.device_id in device_ids and subscriber.close_code is None:
                    subscriber.close(code)
                    dropped += 1
        return dropped

    def close_all(self, code: int = CLOSE_GOING_AWAY) -> None:
        """Ask every connection to close, e.g. on shutdown."""
        for subscribers in self._shops.values():
            for subscriber in subscribers:
                subscriber.close(code)


EventSource = Callable[[int], Awaitable[list[Event]]]


class Dispatcher:
    """Reads new events from the log in id order and publishes them: the log is the truth.

    ``ring()`` is the doorbell: whoever commits an event rings it, and the dispatcher reads
    everything after the last id it published, so events reach the hub in commit order even
    when several requests commit at once. With several server instances, each instance's
    dispatcher is also rung by the database (see ``backend.doorbell``); ``poll_s`` then makes
    it read the log every so often anyway, so even a lost notification costs a few seconds at
    most, never an event.
    """

    def __init__(
        self,
        hub: Hub,
        read_after: EventSource,
        start_after: int,
        *,
        poll_s: float | None = None,
        retry_s: float = 0.5,
        page_size: int | None = None,
        recent: RecentEvents | None = None,
    ) -> None:
        self._hub = hub
        # What it published lately, for reconnecting counters; holds everything up to start_after.
        self.recent = recent
        # A page shorter than this is the end of the log for now: no extra empty read. Whatever
        # commits later rings the bell again.
        self._page_size = page_size
        self._read_after = read_after
        self.last_id = start_after
        self._poll_s = poll_s
        self._retry_s = retry_s
        self._bell = asyncio.Event()

    def ring(self) -> None:
        """Tell the dispatcher new events may be in the log."""
        self._bell.set()

    def committed(self, event: Event | None) -> None:
        """Whoever committed ``event`` hands it over: published at once when it is the next one.

        Events are committed in id order (SQLite writes one at a time; on PostgreSQL ids are
        drawn under the log's lock), so the event right after ``last_id`` has nothing before
        it left to publish, and the log read it would cost is skipped. Anything else (a gap,
        say another instance's event in between) rings the bell and is read from the log.
        """
        if event is None:
            return
        if event.id == self.last_id + 1:
            self._publish(event)
        elif event.id > self.last_id:
            self._bell.set()

    def heard(self, event_id: int) -> None:
        """Ring for event ``event_id`` unless it was already published."""
        if event_id > self.last_id:
            self._bell.set()

    async def run(self) -> None:
        """Publish new events whenever the bell rings (or the poll comes round), until cancelled."""
        while True:
            await self._wait_for_bell()
            self._bell.clear()
            try:
                await self.catch_up()
            except Exception:
                # A database hiccup must not kill delivery: retry on the next ring or soon.
                log.exception("reading the event log failed; retrying")
                await asyncio.sleep(self._retry_s)
                self._bell.set()

    async def _wait_for_bell(self) -> None:
        if self._poll_s is None:
            await self._bell.wait()
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._poll_s):
                await self._bell.wait()

    async def catch_up(self) -> None:
        """Publish every event after ``last_id``."""
        while True:
            events = await self._read_after(self.last_id)
            for event in events:
                # Handed over by ``committed`` while this read was on its way: already out.
                if event.id <= self.last_id:
                    continue
                self._publish(event)
            if not events or (self._page_size is not None and len(events) < self._page_size):
                return

    def _publish(self, event: Event) -> None:
        self._hub.publish(event)
        self.last_id = event.id
        if self.recent is not None:
            self.recent.add(event)
