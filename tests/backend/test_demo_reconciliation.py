"""The demo loses some WeChat Pay callbacks on purpose and narrates their payments being found."""

from __future__ import annotations

import asyncio

import pytest

from backend.demo import (
    LostCallbacks,
    demo_backend,
    listen_as_counter,
    loses_callback,
    simulate_customers,
)

FOUND_LIMIT_S = 20.0


def test_about_one_callback_in_four_is_lost_never_the_first() -> None:
    """Payments 2, 6, 10... lose their callback: a quarter, and the first order always rings."""
    lost = [payment for payment in range(1, 13) if loses_callback(payment)]
    assert lost == [2, 6, 10]


def test_a_found_payment_is_told_once_with_its_delay() -> None:
    """The time from a lost payment to its finding is given once; other orders give None."""
    now = [100.0]
    lost = LostCallbacks(clock=lambda: now[0])
    lost.lost("A")
    now[0] = 131.4
    assert "A" in lost
    assert lost.found("B") is None
    assert lost.found("A") == pytest.approx(31.4)
    assert lost.found("A") is None


async def test_demo_narrates_a_lost_callback_found_by_query() -> None:
    """The server demo: a payment's callback is lost, the reconciler finds it, the demo says so."""
    lines: list[str] = []
    found = asyncio.Event()

    def say(line: str) -> None:
        lines.append(line)
        if "found by query" in line:
            found.set()

    async with demo_backend(reconcile_after_s=1) as backend:
        tasks = [
            asyncio.create_task(listen_as_counter(backend, say)),
            asyncio.create_task(simulate_customers(backend, interval=0.3, say=say)),
        ]
        try:
            await asyncio.wait_for(found.wait(), FOUND_LIMIT_S)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    lost = next(line for line in lines if "callback lost on the way" in line)
    number = lost.split()[3].rstrip(";")
    heard = [line for line in lines if f"NEW_ORDER for order {number}" in line]
    assert heard, lines
    assert any(line.startswith("callback lost — found by query after ") for line in lines)
