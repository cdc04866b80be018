"""One keepalive schedule for the whole server: every counter pinged once per interval, evenly.

A counter that stops reading, or vanishes without a FIN, is only noticed by a ping it does not
answer. Instead of a timer per connection (and one more per ping in flight), the server keeps
one rota: its counters are dealt over the slots of one interval, and a single periodic tick
visits one slot at a time. So 10,000 counters at 10 s cost 100 pings every 0.1 s, spread over the
interval however the fleet connected (a fleet coming back after a deploy connects in a burst,
and per-connection timers would fire in that burst forever after).

At its visit a counter either gets a ping or, when it has not answered the ping of its previous
visit (one interval ago, so the interval is also the timeout), is aborted. Frames from a server
are unmasked, so one ping frame, encoded once per round of the rota, serves every counter.

Which pong counts: a counter remembers the payload of the ping last written to it (the round's,
shared by every counter, so no bytes per counter), from the moment it is written. A pong answers
it only when it echoes that payload: a pong that comes before the ping was written (unsolicited,
or one the peer made up), a pong to an earlier round's ping (stale), or a pong with another
payload leaves the ping unanswered, and the peer is aborted at its next visit.

:class:`PingRota` is the pure part (who is visited when; the caller passes the time);
:class:`Keepalive` runs it on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import struct
from typing import Generic, NamedTuple, Protocol, TypeVar

from backend.wsframes import ping_frame

log = logging.getLogger(__name__)

TICK_S = 0.1  # how often the rota visits a slot, for intervals long enough to have 10 slots
MIN_SLOTS = 10  # short intervals (tests) still spread their pings over 10 ticks
MAX_SLOTS = 1000  # long intervals tick less often rather than keep thousands of slots

M = TypeVar("M")  # a member: anything hashable (connections hash by identity)


def slots_for(interval_s: float) -> int:
    """How many slots (ticks) one interval is divided into."""
    return max(MIN_SLOTS, min(MAX_SLOTS, round(interval_s / TICK_S)))


def round_payload(round_number: int) -> bytes:
    """What every ping of this round carries (and its pongs must echo)."""
    return struct.pack("!I", round_number & 0xFFFFFFFF)


class Visit(NamedTuple, Generic[M]):
    """The members whose turn has come, and the round of the rota it belongs to."""

    round: int
    members: list[M]


class PingRota(Generic[M]):
    """Who is pinged when: members dealt over the slots of one interval, one slot per tick.

    A newcomer takes a slot another member left, else the next slot in turn, so the slots'
    sizes stay within one of each other however the members arrive. Leaving is O(1). The
    visits of one slot are at least an interval apart, less a tick's lateness: a tick that
    comes later than one tick after its time moves the rest of the schedule back instead of
    catching up, so a loop that was blocked never makes one member's visits follow closely.
    """

    __slots__ = (
        "_cursor",
        "_next_slot",
        "_round",
        "_slot_of",
        "_slots",
        "_vacant",
        "due_at",
        "tick_s",
    )

    def __init__(self, interval_s: float, slots: int) -> None:
        if interval_s <= 0 or slots < 1:
            raise ValueError("a rota needs a positive interval and at least one slot")
        self._slots: list[dict[M, None]] = [{} for _ in range(slots)]
        self._slot_of: dict[M, int] = {}
        self._vacant: list[int] = []  # slots that lost a member, one entry per hole
        self._next_slot = 0  # where a newcomer goes when no slot has a hole
        self._cursor = 0  # the slot visited next
        self._round = 0
        self.due_at = 0.0  # when the slot under the cursor is due (loop time)
        self.tick_s = interval_s / slots  # seconds between two slots' visits

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, member: object) -> bool:
        return member in self._slot_of

    def add(self, member: M) -> None:
        """Put a member on the rota (once; adding it again changes nothing)."""
        if member in self._slot_of:
            return
        if self._vacant:
            slot = self._vacant.pop()
        else:
            slot = self._next_slot
            self._next_slot = (slot + 1) % len(self._slots)
        self._slots[slot][member] = None
        self._slot_of[member] = slot

    def discard(self, member: M) -> None:
        """Take a member off the rota, if it is on it; it is never visited again."""
        slot = self._slot_of.pop(member, None)
        if slot is None:
            return
        del self._slots[slot][member]
        if self._slot_of:
            self._vacant.append(slot)
        else:  # nobody left: start dealing afresh, from the slot visited next
            self._vacant.clear()
            self._next_slot = self._cursor

    def visit(self, now: float) -> Visit[M]:
        """The members of the slot due now (a copy: the rota may change while they are
        pinged); moves on to the next slot that has members and sets when it is due."""
        visit = Visit(self._round, list(self._slots[self._cursor]))
        following = self.due_at + self.tick_s
        self.due_at = following if following > now else now + self.tick_s
        self._advance()
        for _ in range(len(self._slots) - 1):  # skip empty slots, keeping their time
            if self._slots[self._cursor]:
                break
            self.due_at += self.tick_s
            self._advance()
        return visit

    def _advance(self) -> None:
        self._cursor += 1
        if self._cursor == len(self._slots):
            self._cursor = 0
            self._round += 1


class Pinged(Protocol):
    """A connection on the keepalive schedule (``backend.wsconnection.CounterProtocol``)."""

    def ping_unanswered(self) -> bool:
        """True when the last ping written to it has not been answered."""
        ...

    def ping(self, frame: bytes, payload: bytes) -> None:
        """Write this ping frame (only if the socket is open and no close frame is out); from
        now on only a pong echoing ``payload`` answers it."""
        ...

    def keepalive_timeout(self) -> None:
        """It did not answer in time: drop it (``connection_lost`` follows)."""
        ...


class Keepalive:
    """The server's keepalive: one timer for every counter, pings spread over the interval.

    Connections :meth:`join` once their handshake is answered and :meth:`leave` when lost. The
    timer runs only while someone is on the rota; :meth:`stop` ends it for good (shutdown).
    """

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._rota: PingRota[Pinged] = PingRota(interval_s, slots_for(interval_s))
        self._timer: asyncio.TimerHandle | None = None
        self._stopped = False
        self._round = -1
        self._payload = b""
        self._frame = b""

    def __len__(self) -> int:
        return len(self._rota)

    @property
    def stopped(self) -> bool:
        """True once :meth:`stop` was called: nobody is pinged any more."""
        return self._stopped

    def join(self, peer: Pinged) -> None:
        """Ping this connection from now on (called in the server's event loop)."""
        if self._stopped:
            return
        loop = asyncio.get_running_loop()
        if not self._rota:
            # The first on an empty rota is visited at once (and so pinged within a tick, like
            # every newcomer on a busy rota within an interval), not whenever the visit that
            # was due before the rota emptied comes round.
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._rota.due_at = loop.time()
        self._rota.add(peer)
        if self._timer is None:
            self._arm(loop)

    def leave(self, peer: Pinged) -> None:
        """Never ping this connection again (O(1); a no-op if it never joined)."""
        self._rota.discard(peer)

    def stop(self) -> None:
        """Ping nobody any more (the server is shutting down)."""
        self._stopped = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _arm(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = loop.call_at(self._rota.due_at, self._tick, loop)

    def _tick(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        if not self._rota:
            return  # the next join starts the timer again
        visit = self._rota.visit(loop.time())
        if visit.round != self._round:
            self._round = visit.round
            self._payload = round_payload(visit.round)
            self._frame = ping_frame(self._payload)
        for peer in visit.members:
            if peer not in self._rota:  # left since the visit began
                continue
            try:
                if peer.ping_unanswered():
                    peer.keepalive_timeout()
                else:
                    peer.ping(self._frame, self._payload)
            except Exception:
                # One connection's failure must not end the schedule for every other counter;
                # this one is visited again next round.
                log.exception("keepalive: visiting a counter failed")
        if self._rota and not self._stopped:
            self._arm(loop)


def keepalive_of(config: object) -> Keepalive | None:
    """The schedule a server built by ``backend.server`` carries on its config, else None."""
    keepalive = getattr(config, "keepalive", None)
    return keepalive if isinstance(keepalive, Keepalive) else None
