"""When the chime rings: at once before each announcement, or on and on until orders are handled."""

from __future__ import annotations

from enum import Enum

from desktop.core.utterance import Priority

# The chime lasts 1.5 s: ringing every 3 s leaves a breath between rings and time for speech.
CONTINUOUS_RING_EVERY_S = 3.0


class RingMode(Enum):
    """How an order rings: the chime with each announcement, or the chime until it is handled."""

    ANNOUNCE = "announce"
    CONTINUOUS = "continuous"


class Chimes:
    """The chime's schedule; pure, with ``now`` in monotonic seconds.

    :meth:`announce` asks for the chime at once (a new order, a repeat, a reminder); it rings
    when ``enabled``. In :attr:`RingMode.CONTINUOUS` it also rings every ``every_s`` while an
    order waits to be accepted, whether or not ``enabled``: that ring is the point of the mode.
    """

    def __init__(
        self,
        *,
        enabled: bool = True,
        mode: RingMode = RingMode.ANNOUNCE,
        every_s: float = CONTINUOUS_RING_EVERY_S,
    ) -> None:
        if every_s <= 0:
            raise ValueError(f"the continuous ring interval must be positive, got {every_s}")
        self.enabled = enabled
        self.mode = mode
        self.every_s = every_s
        self._asked: int | None = None
        self._asked_at: float | None = None
        self._next_ring: float | None = None

    def announce(self, priority: int, now: float) -> None:
        """An announcement is coming: ring before it, at the highest priority asked for."""
        self._asked = priority if self._asked is None else max(self._asked, priority)
        if self._asked_at is None:
            self._asked_at = now

    def due(self, now: float, waiting: bool) -> int | None:
        """The priority to ring at now, or None; ``waiting``: an order still rings."""
        ring = self._asked if self.enabled or self.mode is RingMode.CONTINUOUS else None
        self._asked = None
        self._asked_at = None
        if self.mode is not RingMode.CONTINUOUS or not waiting:
            self._next_ring = None
            return ring
        if ring is None and (self._next_ring is None or now >= self._next_ring):
            ring = int(Priority.NEW_ORDER)
        if ring is not None:
            self._next_ring = now + self.every_s
        return ring

    def next_deadline(self, waiting: bool) -> float | None:
        """When :meth:`due` next has a ring to give (possibly already past); None: nothing."""
        deadlines = [] if self._asked_at is None else [self._asked_at]
        if self.mode is RingMode.CONTINUOUS and waiting:
            # Never rung yet in this mode (just switched to it): ring at once.
            deadlines.append(self._next_ring if self._next_ring is not None else 0.0)
        return min(deadlines, default=None)
