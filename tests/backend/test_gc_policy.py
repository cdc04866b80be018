"""Tests of the garbage-collection policy, on the real collector of this process."""

from __future__ import annotations

import asyncio
import gc
import sys
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

from backend.gc_policy import (
    NEVER,
    CollectionPolicy,
    GcPolicy,
    keep_collections_short,
    resident_memory,
)
from tests.conftest import FakeClock

DAY_S = 24 * 3600.0


class Knot:
    """An object in a reference cycle with itself: only the cycle collector can free it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture(autouse=True)
def collector_state() -> Iterator[None]:
    """Each test starts unfrozen and gets CPython's thresholds back, whatever it did."""
    thresholds = gc.get_threshold()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def in_oldest_generation(obj: object) -> bool:
    """True when obj is tracked in the oldest generation, where full collections walk."""
    return any(candidate is obj for candidate in gc.get_objects(generation=2))


def knot_that_dies() -> weakref.ref[Knot]:
    """A weak reference to a cycle that is garbage as soon as this returns."""
    return weakref.ref(Knot())


def policy(
    clock: FakeClock, memory: list[int | None] | None = None, **tuning: Any
) -> CollectionPolicy:
    """A policy on the fake clock that reads resident memory from ``memory[0]``."""
    readings = memory if memory is not None else [None]
    return CollectionPolicy(GcPolicy(**tuning), clock=clock, memory=lambda: readings[0])


def test_install_takes_full_collections_from_cpython(clock: FakeClock) -> None:
    """While installed CPython never starts a full collection by itself; uninstall gives it back."""
    before = gc.get_threshold()
    collections = policy(clock)
    collections.install()
    assert gc.get_threshold() == (before[0], before[1], NEVER)
    collections.uninstall()
    assert gc.get_threshold() == before


def test_install_freezes_what_already_exists(clock: FakeClock) -> None:
    """Modules, classes and settings loaded before install are frozen and never walked again."""
    kept = [[n] for n in range(100)]
    policy(clock).install()
    assert gc.get_freeze_count() > len(kept)
    assert not in_oldest_generation(kept)


def test_a_cycle_made_after_install_is_collected_at_the_next_tick(clock: FakeClock) -> None:
    """New garbage cycles are found by the scheduled full collection."""
    collections = policy(clock)
    collections.install()
    knot = knot_that_dies()
    collections.tick()
    assert knot() is None


def test_many_survivors_are_frozen_so_later_collections_skip_them(clock: FakeClock) -> None:
    """Once enough objects survive a tick they are frozen, and full collections walk past them."""
    collections = policy(clock, freeze_at_least=1_000)
    collections.install()
    connections = [{"socket": [n]} for n in range(5_000)]
    collections.tick()
    gc.collect()
    assert collections.freezes == 1
    assert not in_oldest_generation(connections)


def test_few_survivors_stay_unfrozen(clock: FakeClock) -> None:
    """Below freeze_at_least survivors are walked again next time rather than frozen."""
    collections = policy(clock, freeze_at_least=sys.maxsize)
    collections.install()
    connection = {"socket": [1]}
    collections.tick()
    assert collections.freezes == 0
    assert in_oldest_generation(connection)


def test_a_cycle_frozen_while_alive_is_reclaimed_at_the_daily_reclaim(clock: FakeClock) -> None:
    """A frozen object that dies in a cycle outlives ticks, but not the next reclaim."""
    collections = policy(clock, freeze_at_least=1)
    collections.install()
    alive = Knot()
    collections.tick()
    knot = weakref.ref(alive)
    del alive
    collections.tick()
    assert knot() is not None  # frozen: the scheduled collections do not walk it
    clock.advance(DAY_S)
    collections.tick()
    assert knot() is None
    assert collections.reclaims == 2  # install's, then the daily one


def test_memory_growth_reclaims_once_the_minimum_interval_passed(clock: FakeClock) -> None:
    """Resident memory up by reclaim_growth brings a reclaim, but not before the interval."""
    memory: list[int | None] = [100_000_000]
    collections = policy(clock, memory, reclaim_growth=0.5, reclaim_min_interval_s=600)
    collections.install()
    memory[0] = 150_000_000
    clock.advance(599)
    assert not collections.reclaim_due()
    clock.advance(1)
    assert collections.reclaim_due()
    collections.tick()
    assert (collections.reclaims, collections.memory_at_reclaim) == (2, 150_000_000)
    assert not collections.reclaim_due()


def test_memory_below_the_growth_brings_no_reclaim(clock: FakeClock) -> None:
    """Memory that grew less than reclaim_growth waits for the daily reclaim."""
    memory: list[int | None] = [100_000_000]
    collections = policy(clock, memory, reclaim_growth=0.5, reclaim_min_interval_s=600)
    collections.install()
    memory[0] = 149_000_000
    clock.advance(DAY_S - 1)
    assert not collections.reclaim_due()
    clock.advance(1)
    assert collections.reclaim_due()


def test_unreadable_memory_leaves_only_the_daily_reclaim(clock: FakeClock) -> None:
    """Where resident memory cannot be read, reclaims still come every reclaim_every_s."""
    collections = policy(clock, [None], reclaim_min_interval_s=0)
    collections.install()
    clock.advance(DAY_S - 1)
    assert not collections.reclaim_due()
    clock.advance(1)
    assert collections.reclaim_due()


def test_uninstall_unfreezes_so_frozen_garbage_can_be_collected(clock: FakeClock) -> None:
    """After uninstall nothing stays frozen: an ordinary full collection frees every cycle."""
    collections = policy(clock, freeze_at_least=1)
    collections.install()
    alive = Knot()
    collections.tick()
    knot = weakref.ref(alive)
    del alive
    collections.uninstall()
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert knot() is None


def test_tick_before_install_does_nothing(clock: FakeClock) -> None:
    """A policy that is not installed neither collects nor freezes."""
    collections = policy(clock)
    collections.tick()
    assert (collections.freezes, collections.reclaims, gc.get_freeze_count()) == (0, 0, 0)


async def test_run_ticks_until_cancelled_then_gives_the_collector_back() -> None:
    """The task collects on schedule while it runs and restores CPython's settings on cancel."""
    before = gc.get_threshold()
    collections = CollectionPolicy(GcPolicy(collect_every_s=0.01))
    task = asyncio.create_task(collections.run())
    await asyncio.sleep(0.05)
    knot = knot_that_dies()
    await asyncio.sleep(0.05)
    assert collections.installed
    assert knot() is None
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not collections.installed
    assert (gc.get_threshold(), gc.get_freeze_count()) == (before, 0)


async def test_keep_collections_short_is_a_cancellable_server_task() -> None:
    """The server's task switches the policy on, and off again when the server stops."""
    before = gc.get_threshold()
    task = asyncio.create_task(keep_collections_short(GcPolicy(collect_every_s=0.01)))
    await asyncio.sleep(0.05)
    assert gc.get_threshold()[2] == NEVER
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert gc.get_threshold() == before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_resident_memory_is_read_from_proc() -> None:
    """On Linux the process's resident memory is known, in bytes."""
    memory = resident_memory()
    assert memory is not None
    assert 1_000_000 < memory < 1_000_000_000_000
