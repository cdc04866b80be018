"""LeanEvent and LeanQueue behave like asyncio's Event and Queue for what a connection uses."""

from __future__ import annotations

import asyncio
import sys

import pytest

from backend.lean import LeanEvent, LeanQueue


async def test_set_wakes_every_waiter_and_clear_blocks_again() -> None:
    event = LeanEvent()
    waiters = [asyncio.create_task(event.wait()) for _ in range(3)]
    await asyncio.sleep(0)
    assert not any(w.done() for w in waiters)
    event.set()
    assert await asyncio.gather(*waiters) == [True, True, True]
    assert event.is_set()
    assert await event.wait()
    event.clear()
    late = asyncio.create_task(event.wait())
    await asyncio.sleep(0)
    assert not late.done()
    event.set()
    assert await late


async def test_a_cancelled_wait_leaves_nothing_behind() -> None:
    event = LeanEvent()
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.01):
            await event.wait()
    assert not event._waiters
    event.set()


async def test_queue_is_first_in_first_out_and_get_waits() -> None:
    queue: LeanQueue[int] = LeanQueue()
    assert queue.empty()
    getter = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    assert not getter.done()
    queue.put_nowait(1)
    queue.put_nowait(2)
    assert await getter == 1
    assert queue.qsize() == 1
    assert await queue.get() == 2
    assert queue.empty()


async def test_a_cancelled_get_loses_no_item() -> None:
    queue: LeanQueue[str] = LeanQueue()
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.01):
            await queue.get()
    queue.put_nowait("disconnect")
    assert await queue.get() == "disconnect"


async def test_each_put_wakes_one_getter_in_order() -> None:
    queue: LeanQueue[int] = LeanQueue()
    first = asyncio.create_task(queue.get())
    second = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    queue.put_nowait(10)
    queue.put_nowait(20)
    assert await asyncio.gather(first, second) == [10, 20]


def test_empty_lean_objects_are_smaller_than_asyncio_ones() -> None:
    """The point of them: no empty deque per object."""
    lean = sys.getsizeof(LeanEvent()) + sys.getsizeof(LeanQueue())
    standard_event = asyncio.Event()
    standard = sys.getsizeof(standard_event) + sys.getsizeof(standard_event._waiters)
    assert lean < standard
