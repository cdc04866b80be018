"""How often to ask the server again for something every event changes: a pace, pure logic."""

from __future__ import annotations


class RequestPacer:
    """At most one request per ``interval_s``, and the last change never left out.

    :meth:`request` says whether to ask now: yes when the previous request is at least
    ``interval_s`` old; otherwise the request waits for the end of the interval, and
    :meth:`due` says yes then, once, however many requests came meanwhile. Times are
    monotonic seconds, passed in.
    """

    def __init__(self, interval_s: float) -> None:
        if interval_s < 0:
            raise ValueError("the interval between requests cannot be negative")
        self.interval_s = interval_s
        self._last: float | None = None
        self._waiting = False

    def request(self, now: float) -> bool:
        """Something changed: True to ask now, False when the ask waits for :meth:`due`."""
        if self._last is None or now - self._last >= self.interval_s:
            self._last = now
            self._waiting = False
            return True
        self._waiting = True
        return False

    def next_deadline(self) -> float | None:
        """When a waiting request falls due; None when none waits."""
        if not self._waiting or self._last is None:
            return None
        return self._last + self.interval_s

    def due(self, now: float) -> bool:
        """True, once, when a waiting request's time has come (then ask)."""
        deadline = self.next_deadline()
        if deadline is None or now < deadline:
            return False
        self._last = now
        self._waiting = False
        return True
