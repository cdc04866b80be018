"""The latest published events, by shop, so a reconnecting counter's backlog needs no query.

After a server restart thousands of counters come back at once, each asking for what it
missed with ``since=``. Nearly all of them missed only the last few minutes, which the
dispatcher has just published (or loaded at start-up): answering from memory turns a database
query per handshake into a dictionary lookup. A cursor older than the memory goes to the log.
"""

from __future__ import annotations

from collections import deque

from orderbell_protocol import Event


class RecentEvents:
    """Every event with an id above ``boundary``, up to ``capacity`` of them, in id order."""

    def __init__(self, capacity: int, boundary: int = 0) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._capacity = capacity
        self._all: deque[Event] = deque()
        self._by_shop: dict[int, deque[Event]] = {}
        # Every event with a larger id that was published is held here.
        self.boundary = boundary

    def __len__(self) -> int:
        return len(self._all)

    def add(self, event: Event) -> None:
        """Remember an event just published (ids only grow); the oldest makes room."""
        if self._all and event.id <= self._all[-1].id:
            raise ValueError(f"event {event.id} is not newer than {self._all[-1].id}")
        self._all.append(event)
        self._by_shop.setdefault(event.shop_id, deque()).append(event)
        if len(self._all) > self._capacity:
            self._drop_oldest()

    def _drop_oldest(self) -> None:
        oldest = self._all.popleft()
        shop = self._by_shop[oldest.shop_id]
        shop.popleft()
        if not shop:
            del self._by_shop[oldest.shop_id]
        self.boundary = oldest.id

    def forget_before(self, oldest_kept: int) -> None:
        """Drop events below ``oldest_kept`` (pruned from the log): their cursors are partial."""
        while self._all and self._all[0].id < oldest_kept:
            self._drop_oldest()
        self.boundary = max(self.boundary, oldest_kept - 1)

    def covers(self, since: int) -> bool:
        """True when every published event after ``since`` is held here."""
        return since >= self.boundary

    def after(self, shop_id: int, since: int) -> list[Event]:
        """The shop's events with an id above ``since``, oldest first (only when it ``covers``)."""
        if not self.covers(since):
            raise ValueError(f"events after {since} are not all held (boundary {self.boundary})")
        shop = self._by_shop.get(shop_id)
        if not shop:
            return []
        # A counter is usually only a few events behind: walk back from the newest.
        newer = []
        for event in reversed(shop):
            if event.id <= since:
                break
            newer.append(event)
        newer.reverse()
        return newer
