"""Short garbage collections for a server that holds thousands of long-lived connections.

CPython's full collection walks every object the collector tracks. With 10,000 counters
connected that is over a million objects and a pause of up to a second, during which no
payment is answered and no event delivered, and under load CPython starts one every few
seconds. Nearly all of those objects belong to open connections and cannot be garbage while
the connection lasts, so walking them again and again buys nothing.

So this policy runs the full collections itself, every ``collect_every_s``, with CPython's own
full collections switched off, and freezes (``gc.freeze``) what survives once that is at least
``freeze_at_least`` objects: each collection then walks only what became long-lived since the
last freeze, a few milliseconds' worth. Freezing right after a collection freezes no garbage.
Frozen objects are still freed by reference counting when dropped (a closed connection's
objects mostly go that way); only a frozen object that later dies inside a reference cycle
stays, until the next *reclaim* unfreezes everything and runs one complete collection. A
reclaim pauses as long as a full collection used to, so it runs rarely: when resident memory
has grown by ``reclaim_growth`` since the last one (but at most every
``reclaim_min_interval_s``), and every ``reclaim_every_s`` in any case.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

OLDEST = 2  # the oldest generation: collecting it is a full collection
# CPython starts a full collection once its count passes the threshold: never, with this.
NEVER = 2**31 - 1


@dataclass(frozen=True, slots=True)
class GcPolicy:
    """How often to collect, when to freeze survivors and when to reclaim frozen garbage."""

    # Short intervals keep each collection short: what became long-lived since the last one is
    # all it walks. Under 500 payments/s, every 0.25 s costs 1-3 ms; every 1 s cost 10-30 ms.
    collect_every_s: float = 0.25
    # Fewer survivors than this are walked again next time instead: a few milliseconds, and
    # each freeze keeps ~15 objects of in-flight work that die in cycles until a reclaim.
    freeze_at_least: int = 5_000
    reclaim_growth: float = 0.5
    reclaim_min_interval_s: float = 3600.0
    # For cycles left by connections that came and went while memory stayed level.
    reclaim_every_s: float = 24 * 3600.0


def resident_memory() -> int | None:
    """This process's resident memory in bytes, or None where it cannot be read cheaply."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


class CollectionPolicy:
    """Runs full collections on a schedule, freezes their survivors and reclaims now and then.

    ``install`` takes over full collections from CPython and freezes what exists; ``tick``
    does one scheduled step; ``uninstall`` gives the collector back as it was, unfrozen.
    ``run`` is all three as a task to start from the server.
    """

    def __init__(
        self,
        policy: GcPolicy,
        *,
        clock: Callable[[], float] = time.monotonic,
        memory: Callable[[], int | None] = resident_memory,
    ) -> None:
        self._policy = policy
        self._clock = clock
        self._memory = memory
        self._thresholds: tuple[int, int, int] | None = None
        self.memory_at_reclaim: int | None = None
        self.last_reclaim = 0.0
        self.reclaims = 0
        self.freezes = 0
        self.longest_pause_s = 0.0

    @property
    def installed(self) -> bool:
        """True between ``install`` and ``uninstall``."""
        return self._thresholds is not None

    def install(self) -> None:
        """Switch CPython's full collections off, then collect and freeze what exists now."""
        if self._thresholds is not None:
            return
        young, middle, oldest = gc.get_threshold()
        self._thresholds = (young, middle, oldest)
        gc.set_threshold(young, middle, NEVER)
        self._reclaim()

    def uninstall(self) -> None:
        """Unfreeze everything and let CPython schedule full collections again."""
        if self._thresholds is None:
            return
        gc.set_threshold(*self._thresholds)
        self._thresholds = None
        gc.unfreeze()

    def reclaim_due(self) -> bool:
        """True when memory grew enough since the last reclaim, or that is long enough ago."""
        policy = self._policy
        age = self._clock() - self.last_reclaim
        if age >= policy.reclaim_every_s:
            return True
        if age < policy.reclaim_min_interval_s or self.memory_at_reclaim is None:
            return False
        memory = self._memory()
        return memory is not None and memory >= self.memory_at_reclaim * (1 + policy.reclaim_growth)

    def tick(self) -> None:
        """One scheduled step: a reclaim if due, else a full collection of the unfrozen objects."""
        if self._thresholds is None:
            return
        began = time.perf_counter()
        if self.reclaim_due():
            collected = self._reclaim()
            log.info(
                "garbage collection: unfroze and reclaimed %s objects in %.0f ms",
                collected,
                1000 * (time.perf_counter() - began),
            )
        else:
            gc.collect()
            # After a full collection the younger generations are empty: the oldest one holds
            # exactly the survivors that are not frozen yet.
            if len(gc.get_objects(OLDEST)) >= self._policy.freeze_at_least:
                gc.freeze()
                self.freezes += 1
        self.longest_pause_s = max(self.longest_pause_s, time.perf_counter() - began)

    async def run(self) -> None:
        """Install, tick every ``collect_every_s`` until cancelled, then uninstall."""
        self.install()
        try:
            while True:
                await asyncio.sleep(self._policy.collect_every_s)
                self.tick()
        finally:
            self.uninstall()

    def _reclaim(self) -> int:
        gc.unfreeze()
        collected = gc.collect()
        gc.freeze()
        self.memory_at_reclaim = self._memory()
        self.last_reclaim = self._clock()
        self.reclaims += 1
        return collected


async def keep_collections_short(policy: GcPolicy | None = None) -> None:
    """The server task: apply :class:`CollectionPolicy` until cancelled, then undo it."""
    await CollectionPolicy(policy or GcPolicy()).run()
