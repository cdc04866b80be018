"""Live counter connections by shop: the hub rings them, and never waits for any of them.

Each connection owns a bounded buffer, drained by its writer while the backlog goes out and
by its socket afterwards. Publishing only writes to sockets with room or appends to buffers, so
one counter that stops reading cannot delay another; when its buffer overflows, or its socket
takes nothing for a while, it is dropped (close 4408) and reconnects later with ``since=`` to
catch up from the event log.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import NamedTuple, Protocol

from backend.lean import LeanEvent
from backend.recent import RecentEvents
from backend.store.errors import describe_failure
from backend.wsframes import text_frame
from orderbell_protocol import (
    CLOSE_BAD_TOKEN,
    CLOSE_GOING_AWAY,
    CLOSE_TOO_SLOW,
    Event,
    encode_event,
)

log = logging.getLogger(__name__)


class Frame(NamedTuple):
    """One event as it goes out: its id, its JSON text, and that text as a WebSocket frame."""

    event_id: int
    text: str
    wire: bytes


class UndeliverableEvent(ValueError):
    """An event that cannot go on the wire: its text is not valid Unicode.

    Input is checked at the edge, so only rows written before that check existed hold such
    text (a lone surrogate in an item name, say). Such an event is skipped for delivery, never
    retried: it must not hold up the events after it.
    """


def frame_of(event: Event) -> Frame:
    """Encode an event once, for every connection of its shop (UndeliverableEvent if it cannot)."""
    text = encode_event(event)
    try:
        wire = text_frame(text.encode())
    except UnicodeEncodeError:
        raise UndeliverableEvent("it holds text that is not valid Unicode") from None
    return Frame(event.id, text, wire)


def frames_of(events: Iterable[Event]) -> list[Frame]:
    """The frames of these events, in order; an undeliverable one is reported and left out."""
    frames = []
    for event in events:
        try:
            frames.append(frame_of(event))
        except UndeliverableEvent as exc:
            report_undeliverable(event, exc)
    return frames


def sendable(event: Event) -> bool:
    """True when the event can go on the wire; an undeliverable one is reported."""
    return bool(frames_of((event,)))


def report_undeliverable(event: Event, exc: UndeliverableEvent) -> None:
    """Log an event that cannot be sent as the anomaly it is; the order itself is listed anyway."""
    log.error(
        "ANOMALY event %s (shop %s, order %s) cannot be sent: %s; skipped for delivery",
        event.id,
        event.shop_id,
        event.order_number,
        exc,
    )


class Pipe(Protocol):
    """What a ready socket's frames are written into: its transport."""

    def is_closing(self) -> bool:
        """True once the transport is closing or closed: write nothing more."""
        ...

    def write(self, data: bytes) -> None:
        """Write these bytes (never blocks)."""
        ...


class Sink(Protocol):
    """A connection's socket, once it has taken over from the connection's writer.

    It calls its subscriber's :meth:`Subscriber.blocked` when it stops taking frames (its send
    buffer is full) and :meth:`Subscriber.flush` when it has room again.
    """

    def ready(self) -> bool:
        """True when a frame written now goes out at once (open, and not backed up)."""
        ...

    def write(self, frame: Frame) -> None:
        """Write one frame; only called when ``ready()``."""
        ...

    def pipe(self) -> Pipe | None:
        """Its transport while ``ready()``, to write frames into directly; else None."""
        ...

    def close(self, code: int) -> None:
        """Close the connection with this code (a close frame; only called when ``ready()``)."""
        ...

    def abort(self) -> None:
        """Drop the connection at once, unsent data and all."""
        ...

    def pong_age(self) -> float | None:
        """Seconds since the peer last answered a keepalive ping; None before its first answer."""
        ...


class Subscriber:
    """One live connection's mailbox: frames waiting to be written, oldest first.

    Until :meth:`hand_over`, the connection's writer drains the bounded buffer
    (``next_frames``). Afterwards there is no writer: a frame offered while nothing waits and
    the socket has room is written straight away, so a fan-out costs one socket write per
    counter; otherwise it waits here until the socket reports room again (:meth:`flush`). A
    socket that makes no progress for the stall limit is dropped, like one whose buffer fills.
    """

    __slots__ = (
        "_buffer",
        "_limit",
        "_pipe",
        "_sink",
        "_stall",
        "_stall_s",
        "_wake",
        "close_code",
        "device_id",
        "floor",
        "live_since",
        "shop_id",
    )

    def __init__(
        self, shop_id: int, limit: int, floor: int = 0, device_id: int | None = None
    ) -> None:
        self.shop_id = shop_id
        self.device_id = device_id  # the device token it authenticated with (None: anonymous)
        self.floor = floor  # highest event id already sent; anything at or below is a duplicate
        self.close_code: int | None = None
        # Wall-clock seconds when it caught up (backlog sent) and went live; None until then.
        self.live_since: float | None = None
        self._limit = limit
        # Made when the first frame has to wait: most connections never need one.
        self._buffer: deque[Frame] | None = None
        self._wake = LeanEvent()
        self._sink: Sink | None = None
        # The socket's transport while the socket is ready and nothing waits: a fan-out then
        # touches just this object and the transport for each counter.
        self._pipe: Pipe | None = None
        self._stall_s = 0.0
        self._stall: asyncio.TimerHandle | None = None  # armed while frames wait for the socket

    @property
    def pending(self) -> int:
        """Frames waiting to be written."""
        return len(self._buffer) if self._buffer else 0

    def pong_age(self) -> float | None:
        """Seconds since its peer last answered a keepalive ping, if its socket tells."""
        sink = self._sink
        return None if sink is None else sink.pong_age()

    def hand_over(self, sink: Sink, stall_s: float) -> None:
        """The socket takes over from the writer, which has finished (the backlog is sent).

        Frames queued meanwhile are written first. From now on the socket calls :meth:`flush`
        when its send buffer drains, and a socket that takes nothing for ``stall_s`` seconds
        while frames wait is dropped (close 4408).
        """
        if self.close_code is not None:
            return
        self._sink = sink
        self._stall_s = stall_s
        self.flush()

    def offer(self, frame: Frame) -> bool:
        """Write or queue one frame; False when the buffer is full and the connection is dropped."""
        pipe = self._pipe
        if pipe is not None and not pipe.is_closing():
            if frame.event_id > self.floor:
                self.floor = frame.event_id
                pipe.write(frame.wire)
            return True
        self._pipe = None
        if self.close_code is not None:
            return True
        sink = self._sink
        if sink is not None and not self._buffer and sink.ready():
            self._write(sink, frame)
            self._pipe = sink.pipe()
            return True
        if self._buffer is None:
            self._buffer = deque()
        if len(self._buffer) >= self._limit:
            self.close(CLOSE_TOO_SLOW)
            return False
        self._buffer.append(frame)
        if sink is None:
            self._wake.set()
        elif self._stall is None:
            self._arm()
        return True

    def flush(self) -> None:
        """Write what waits, oldest first, while the socket has room (it has just drained)."""
        sink = self._sink
        if sink is None:
            return
        wrote = False
        while self._buffer and sink.ready():
            self._write(sink, self._buffer.popleft())
            wrote = True
        if self._buffer:
            if wrote or self._stall is None:
                self._arm()  # progress: the stall limit counts from here
        else:
            self._buffer = None
            self._disarm()
            self._pipe = sink.pipe()

    def blocked(self) -> None:
        """The socket stopped taking frames (its buffer is full): queue until :meth:`flush`."""
        self._pipe = None

    def close(self, code: int) -> None:
        """Close the connection with this code; pending frames are discarded.

        Before the hand-over the writer closes it; afterwards the socket does, with a close
        frame when it has room, or at once (abort) when a close frame would queue behind data
        the peer is not reading.
        """
        if self.close_code is None:
            self.close_code = code
        self._pipe = None
        self._buffer = None
        self._disarm()
        self._wake.set()
        sink, self._sink = self._sink, None
        if sink is not None:
            if sink.ready():
                sink.close(self.close_code)
            else:
                sink.abort()

    async def next_frames(self) -> list[Frame]:
        """Before the hand-over: wait for frames to write; an empty list means close.

        Only the writer calls it, and it writes each batch before asking for the next, so
        frames never overtake each other.
        """
        while True:
            if self.close_code is not None:
                return []
            frames = []
            while self._buffer:
                frame = self._buffer.popleft()
                if frame.event_id > self.floor:
                    self.floor = frame.event_id
                    frames.append(frame)
            self._buffer = None
            if frames:
                return frames
            self._wake.clear()
            await self._wake.wait()

    def _write(self, sink: Sink, frame: Frame) -> None:
        if frame.event_id > self.floor:
            self.floor = frame.event_id
            sink.write(frame)

    def _arm(self) -> None:
        self._disarm()
        self._stall = asyncio.get_running_loop().call_later(self._stall_s, self._stalled)

    def _disarm(self) -> None:
        if self._stall is not None:
            self._stall.cancel()
            self._stall = None

    def _stalled(self) -> None:
        self._stall = None
        log.warning(
            "counter of shop %s took nothing for %g s: dropped (close %s)",
            self.shop_id,
            self._stall_s,
            CLOSE_TOO_SLOW,
        )
        self.close(CLOSE_TOO_SLOW)


class Hub:
    """Connections grouped by shop; ``publish`` hands one event to each of its shop's mailboxes."""

    def __init__(self, queue_limit: int) -> None:
        self._queue_limit = queue_limit
        self._shops: dict[int, set[Subscriber]] = {}
        self.dropped = 0
        # Moves whenever a counter goes live or leaves: presence rewrites only after a change.
        self.roster_version = 0

    @property
    def connection_count(self) -> int:
        """Live subscribers across all shops."""
        return sum(len(subs) for subs in self._shops.values())

    def add(self, shop_id: int, floor: int = 0, device_id: int | None = None) -> Subscriber:
        """Register a connection for its shop's events until :meth:`remove`."""
        subscriber = Subscriber(shop_id, self._queue_limit, floor, device_id)
        self._shops.setdefault(shop_id, set()).add(subscriber)
        return subscriber

    def remove(self, subscriber: Subscriber) -> None:
        """Stop handing events to this connection (again is harmless)."""
        shop = self._shops.get(subscriber.shop_id)
        if shop is not None and subscriber in shop:
            shop.discard(subscriber)
            if not shop:
                del self._shops[subscriber.shop_id]
            if subscriber.live_since is not None:
                self.roster_version += 1

    def went_live(self, subscriber: Subscriber, at: float) -> None:
        """The connection caught up with the log and is live: from now on it counts as present."""
        if subscriber.live_since is None:
            subscriber.live_since = at
            self.roster_version += 1

    def live_counters(self, shop_id: int | None = None) -> Iterator[Subscriber]:
        """Connections with a device token that are live now (one shop's, or every shop's)."""
        shops = self._shops.values() if shop_id is None else [self._shops.get(shop_id, ())]
        for subscribers in shops:
            for subscriber in subscribers:
                if (
                    subscriber.device_id is not None
                    and subscriber.live_since is not None
                    and subscriber.close_code is None
                ):
                    yield subscriber

    @contextmanager
    def subscribe(
        self, shop_id: int, floor: int = 0, device_id: int | None = None
    ) -> Iterator[Subscriber]:
        """Register a connection for its shop's events for the duration of the block."""
        subscriber = self.add(shop_id, floor, device_id)
        try:
            yield subscriber
        finally:
            self.remove(subscriber)

    def publish(self, event: Event, frame: Frame | None = None) -> int:
        """Hand one event (its frame, if already encoded) to every connection of its shop.

        Returns how many received it; raises UndeliverableEvent if it cannot be encoded.
        """
        subscribers = self._shops.get(event.shop_id)
        if not subscribers:
            return 0
        if frame is None:
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

    The database hands every event this instance commits to :meth:`committed` (see
    ``Database.publish_to``); ``ring()`` is the doorbell for the rest, and the dispatcher then
    reads everything after the last id it published, so events reach the hub in commit order
    even when several requests commit at once. With several server instances, each instance's
    dispatcher is also rung by the database (see ``backend.doorbell``); ``poll_s`` makes it read
    the log every so often anyway, so even a lost hand-over or notification costs a few seconds
    at most, never an event. An event that cannot be sent is reported and passed over: it never
    holds up the events after it.
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
        observe: Callable[[Event], None] | None = None,
    ) -> None:
        self._hub = hub
        # Told of every event published, deliverable or not (the escalation engine).
        self._observe = observe
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
        # Whether the next ring must read the log whatever it has heard since (a ring with no
        # event id, a gap, a failure); otherwise a ring reads only if it heard of an event
        # after the last one published: a burst's notifications that arrive while the read
        # fetching their events is on its way cost no second read.
        self._must_read = False
        self._heard_up_to = start_after
        # Events this instance is committing: their doorbell notifications need no log read.
        self._in_flight: set[int] = set()
        # Writes under way whose events' ids are drawn as they commit (tickets, in the order
        # taken), and each event heard meanwhile that is not published yet, with the newest
        # ticket taken when it was heard: it may be one of theirs, handed over any moment.
        self._tickets = 0
        self._awaited: set[int] = set()
        self._held: dict[int, int] = {}
        self.skipped = 0  # events that could not be sent (see UndeliverableEvent)
        self.failing = False  # reading the log failed and has not worked since

    def ring(self) -> None:
        """Tell the dispatcher new events may be in the log."""
        self._must_read = True
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
        self._in_flight.discard(event.id)
        self._held.pop(event.id, None)
        if event.id == self.last_id + 1:
            self._publish(event)
        elif event.id > self.last_id:
            self.ring()

    @property
    def ringing(self) -> bool:
        """True while a ring waits for the dispatcher to read the log."""
        return self._bell.is_set()

    def committing(self, event_ids: list[int]) -> None:
        """This instance is committing these events and will hand them over: no read for them."""
        self._in_flight.update(event_ids)

    def abandoned(self, event_ids: list[int]) -> None:
        """Events announced by :meth:`committing` that will not be handed over: read the log."""
        self._in_flight.difference_update(event_ids)
        self.ring()

    def awaiting(self) -> int:
        """A write of this instance is committing events it cannot name yet; its ticket.

        Until it is :meth:`settled`, an event heard of is held rather than read: it may be one
        of that write's, whose hand-over is on its way.
        """
        self._tickets += 1
        self._awaited.add(self._tickets)
        return self._tickets

    def settled(self, ticket: int) -> None:
        """The write of ``ticket`` is over and has handed over what it committed.

        Every event held that no write still under way since its notification may hand over,
        and that nobody handed over, is another instance's (or its hand-over failed): read it.
        """
        self._awaited.discard(ticket)
        oldest = min(self._awaited, default=self._tickets + 1)
        for event_id, newest in list(self._held.items()):
            if newest < oldest:
                del self._held[event_id]
                self._heard(event_id)

    def heard(self, event_id: int) -> None:
        """Ring for event ``event_id`` unless it was already published or is being handed over."""
        if event_id in self._in_flight:
            return
        if self._awaited and event_id > self.last_id:
            self._held[event_id] = self._tickets
            return
        self._heard(event_id)

    def _heard(self, event_id: int) -> None:
        if event_id > self.last_id:
            self._heard_up_to = max(self._heard_up_to, event_id)
            self._bell.set()

    async def run(self) -> None:
        """Publish new events whenever the bell rings (or the poll comes round), until cancelled."""
        while True:
            rung = await self._wait_for_bell()
            self._bell.clear()
            if rung and not self._must_read and self._heard_up_to <= self.last_id:
                continue  # every event it heard of was published by the read just done
            self._must_read = False
            try:
                await self.catch_up()
            except Exception as exc:
                # A database hiccup must not kill delivery: retry on the next ring or soon.
                self._read_failed(exc)
                await asyncio.sleep(self._retry_s)
                self.ring()
            else:
                if self.failing:
                    self.failing = False
                    log.info(
                        "reading the event log works again; caught up to event %s", self.last_id
                    )

    def _read_failed(self, exc: Exception) -> None:
        """One line when an outage starts, not one every retry."""
        failure = describe_failure(exc)
        if failure is None:
            log.exception("reading the event log failed; retrying")
        elif not self.failing:
            log.warning("reading the event log failed (%s); retrying", failure)
        else:
            log.debug("reading the event log still fails (%s)", failure)
        self.failing = True

    async def _wait_for_bell(self) -> bool:
        """True when the bell rang, False when the safety poll came round."""
        if self._poll_s is None:
            return await self._bell.wait()
        try:
            async with asyncio.timeout(self._poll_s):
                return await self._bell.wait()
        except TimeoutError:
            return False

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
        # Whatever becomes of this event, the next one goes out after it.
        self.last_id = event.id
        # Told first: an order no counter can be sent is exactly one to escalate.
        self._tell_observer(event)
        try:
            frame = frame_of(event)
        except UndeliverableEvent as exc:
            self.skipped += 1
            report_undeliverable(event, exc)
            return
        try:
            self._hub.publish(event, frame)
        except Exception:
            log.exception(
                "handing event %s to the counters of shop %s failed", event.id, event.shop_id
            )
        if self.recent is not None:
            self.recent.add(event)

    def _tell_observer(self, event: Event) -> None:
        if self._observe is not None:
            try:
                self._observe(event)
            except Exception:
                log.exception("an observer of event #%s failed; delivery goes on", event.id)
