"""Whether writes still commit, for ``/healthz``: a real write, at most one per interval.

A health check that only reads says "ok" while every payment fails to be recorded (a full or
read-only disk, a write lock held by another process). The probe writes instead, the way
every write goes; and it is rate-limited: however many health checks arrive, at most one write
starts per ``every_s``, and checks arriving meanwhile share its result.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from backend.store.errors import report_failure

log = logging.getLogger(__name__)


class WriteState(enum.StrEnum):
    """How the latest write went."""

    OK = "ok"  # it committed
    FAILED = "failed"  # the database refused or could not be reached
    STALLED = "stalled"  # it had not committed when the check had to answer


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """One probe: when it began (clock seconds), how it went, the log's newest event id then."""

    at: float
    state: WriteState
    newest_event_id: int | None = None


class WriteProbe:
    """Runs ``write`` (which commits and returns the log's newest event id) when a check asks.

    ``clock`` is seconds; a check waits at most ``timeout_s`` for a write, and a write that
    takes longer is reported stalled while it goes on in the background.
    """

    def __init__(
        self,
        write: Callable[[], Awaitable[int]],
        clock: Callable[[], float],
        *,
        every_s: float,
        timeout_s: float,
    ) -> None:
        self._write = write
        self._clock = clock
        self._every_s = every_s
        self._timeout_s = timeout_s
        self._last: ProbeResult | None = None
        self._running: asyncio.Task[ProbeResult] | None = None

    async def check(self) -> ProbeResult:
        """The latest result if it is under ``every_s`` old, else a new probe's."""
        now = self._clock()
        last = self._last
        if last is not None and 0 <= now - last.at < self._every_s:
            return last
        if self._running is None:
            self._running = asyncio.create_task(self._probe(now), name="orderbell-write-probe")
        try:
            return await asyncio.wait_for(asyncio.shield(self._running), self._timeout_s)
        except TimeoutError:
            log.warning("health check: no write committed within %s s", self._timeout_s)
            # Checks within the interval hear this at once instead of each waiting again.
            self._last = ProbeResult(now, WriteState.STALLED)
            return self._last

    async def close(self) -> None:
        """Stop waiting for a write still under way (at shutdown)."""
        running, self._running = self._running, None
        if running is not None:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running

    async def _probe(self, began: float) -> ProbeResult:
        try:
            newest = await self._write()
        except Exception as exc:
            report_failure(log, "health check: a write failed", exc)
            result = ProbeResult(began, WriteState.FAILED)
        else:
            result = ProbeResult(began, WriteState.OK, newest)
        self._last = result
        self._running = None
        return result
