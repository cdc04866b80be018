"""Background tasks stay referenced until they end, and a failure is logged, never lost."""

from __future__ import annotations

import asyncio
import logging

import pytest

from desktop.tasks import BackgroundTasks


async def test_a_finished_task_is_released() -> None:
    """A task that ended (here by failing) is no longer held."""
    tasks = BackgroundTasks()

    async def broken() -> None:
        raise RuntimeError("boom")

    task = tasks.spawn(broken())
    with pytest.raises(RuntimeError):
        await task
    assert tasks.running == []


async def test_failure_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    """The failure is written to the log at error level."""
    tasks = BackgroundTasks()

    async def broken() -> None:
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger="desktop.tasks"):
        await asyncio.gather(tasks.spawn(broken()), return_exceptions=True)
    assert any("failed" in record.getMessage() for record in caplog.records)


async def test_close_cancels_and_waits() -> None:
    """close() cancels what still runs and returns once it has ended."""
    tasks = BackgroundTasks()
    started = asyncio.Event()

    async def forever() -> None:
        started.set()
        await asyncio.Event().wait()

    task = tasks.spawn(forever())
    await started.wait()
    assert tasks.running == [task]
    await tasks.close()
    assert task.cancelled()
    assert tasks.running == []
