"""An asyncio Event and Queue without the 600-byte empty deques the standard ones carry.

A server holding 10,000 idle counters keeps several of these per connection; the standard
classes allocate a deque of waiters each (a 64-slot block even when empty), the largest single
cost of an idle connection. These hold a waiter list only while someone actually waits, and
offer just the methods a connection uses.
"""

from __future__ import annotations

import asyncio
from typing import Generic, TypeVar

T = TypeVar("T")


def _wake_all(waiters: list[asyncio.Future[None]] | None) -> None:
    for waiter in waiters or ():
        if not waiter.done():
            waiter.set_result(None)


async def _wait(waiters: list[asyncio.Future[None]]) -> None:
    """Park on a new future in ``waiters`` until woken; leaves no trace when cancelled."""
    waiter = asyncio.get_running_loop().create_future()
    waiters.append(waiter)
    try:
        await waiter
    finally:
        if waiter in waiters:
            waiters.remove(waiter)


class LeanEvent:
    """``asyncio.Event``'s ``set``, ``clear``, ``is_set`` and ``wait``."""

    __slots__ = ("_value", "_waiters")

    def __init__(self) -> None:
        self._value = False
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        """True once set, until cleared."""
        return self._value

    def set(self) -> None:
        """Set the flag and wake every waiter."""
        if not self._value:
            self._value = True
            waiters, self._waiters = self._waiters, None
            _wake_all(waiters)

    def clear(self) -> None:
        """Reset the flag; later ``wait`` calls block until the next ``set``."""
        self._value = False

    async def wait(self) -> bool:
        """Return True once the flag is set (at once if it is)."""
        if self._value:
            return True
        if self._waiters is None:
            self._waiters = []
        await _wait(self._waiters)
        return True


class LeanQueue(Generic[T]):
    """An unbounded FIFO with ``asyncio.Queue``'s ``put_nowait``, ``get`` and ``empty``."""

    __slots__ = ("_getters", "_items")

    def __init__(self) -> None:
        self._items: list[T] = []
        self._getters: list[asyncio.Future[None]] | None = None

    def empty(self) -> bool:
        """True when nothing is queued."""
        return not self._items

    def qsize(self) -> int:
        """How many items are queued."""
        return len(self._items)

    def put_nowait(self, item: T) -> None:
        """Queue an item and wake one waiting ``get``."""
        self._items.append(item)
        if self._getters:
            waiter = self._getters.pop(0)
            if not waiter.done():
                waiter.set_result(None)

    async def get(self) -> T:
        """The oldest item, waiting for one if the queue is empty."""
        while not self._items:
            if self._getters is None:
                self._getters = []
            await _wait(self._getters)
        return self._items.pop(0)
