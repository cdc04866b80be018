"""The write probe behind /healthz: a real write, at most one per interval, never waited on long."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy.exc import OperationalError

from backend.write_probe import ProbeResult, WriteProbe, WriteState
from tests.conftest import FakeClock

EVERY_S = 1.0
TIMEOUT_S = 0.2


class Writes:
    """A stand-in for the database's probe write: counts calls, can fail or hang."""

    def __init__(self) -> None:
        self.calls = 0
        self.newest = 7
        self.failure: Exception | None = None
        self.gate: asyncio.Event | None = None

    async def __call__(self) -> int:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.failure is not None:
            raise self.failure
        return self.newest


def probe(writes: Writes, clock: FakeClock) -> WriteProbe:
    return WriteProbe(writes, clock, every_s=EVERY_S, timeout_s=TIMEOUT_S)


async def test_a_committed_write_is_ok_with_the_newest_event_id() -> None:
    """A write that commits is reported ok, with the log's newest id and when it began."""
    clock, writes = FakeClock(1000.0), Writes()
    assert await probe(writes, clock).check() == ProbeResult(1000.0, WriteState.OK, 7)


async def test_checks_within_the_interval_share_one_write() -> None:
    """A storm of checks within one interval costs one write; after it, the next writes again."""
    clock, writes = FakeClock(1000.0), Writes()
    checks = probe(writes, clock)
    results = await asyncio.gather(*(checks.check() for _ in range(100)))
    clock.advance(EVERY_S / 2)
    results.append(await checks.check())
    assert writes.calls == 1
    assert {result.state for result in results} == {WriteState.OK}
    clock.advance(EVERY_S / 2)
    await checks.check()
    assert writes.calls == 2


async def test_a_failed_write_is_reported_failed_in_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A database refusing the write makes the check FAILED, logged as one line."""
    clock, writes = FakeClock(1000.0), Writes()
    readonly = Exception("attempt to write a readonly database")
    writes.failure = OperationalError("UPDATE", {}, readonly)
    result = await probe(writes, clock).check()
    assert (result.state, result.newest_event_id) == (WriteState.FAILED, None)
    [line] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "readonly" in line.getMessage()
    assert line.exc_info is None


async def test_a_write_that_does_not_commit_in_time_is_stalled() -> None:
    """A check answers STALLED after the timeout; the write goes on and reports when done."""
    clock, writes = FakeClock(1000.0), Writes()
    writes.gate = asyncio.Event()
    checks = probe(writes, clock)
    assert (await checks.check()).state is WriteState.STALLED
    clock.advance(EVERY_S)
    assert (await checks.check()).state is WriteState.STALLED
    assert writes.calls == 1, "a stalled write is waited on again, not stacked"
    writes.gate.set()
    clock.advance(EVERY_S)
    assert (await checks.check()).state is WriteState.OK


async def test_checks_within_the_interval_after_a_stall_answer_at_once() -> None:
    """Once a check found writes stalled, the checks after it in the interval do not wait."""
    clock, writes = FakeClock(1000.0), Writes()
    writes.gate = asyncio.Event()
    checks = probe(writes, clock)
    await checks.check()
    clock.advance(EVERY_S / 2)
    async with asyncio.timeout(TIMEOUT_S / 2):
        assert (await checks.check()).state is WriteState.STALLED
    await checks.close()


async def test_a_clock_set_back_probes_again() -> None:
    """A result from the future (the clock was set back) is not trusted: the probe writes."""
    clock, writes = FakeClock(1000.0), Writes()
    checks = probe(writes, clock)
    await checks.check()
    clock.advance(-60)
    await checks.check()
    assert writes.calls == 2
