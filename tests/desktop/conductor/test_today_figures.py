"""The Orders window's line of today's figures follows each event, from the real server."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from desktop.net.stats import TodayFigures
from tests.conftest import FakeClock, LiveServer
from tests.desktop.conductor.test_counter_loop import running_counter, until
from tests.e2e.helpers import paid_order, simulator


@pytest.fixture
def clock() -> FakeClock:
    """A whole second: WeChat Pay's payment time has no fraction, so waits come out exact."""
    return FakeClock(float(int(time.time())))


async def test_todays_figures_follow_payment_and_acceptance(
    live: LiveServer, tmp_path: Path
) -> None:
    """A paid order makes today's count 1; accepting it 38 s later gives a median of 38 s."""
    token = await live.device_token()
    async with (
        running_counter(live, token, tmp_path) as run,
        httpx.AsyncClient(base_url=live.base_url) as http,
    ):
        order = await paid_order(simulator(live, http))
        assert order.id is not None
        await until(run.view, lambda: any(f and f.paid == 1 for f in run.view.today))
        live.clock.advance(38)
        assert await run.counter.accept(order.id)
        await until(
            run.view, lambda: any(f and f.accept_median_s is not None for f in run.view.today)
        )
    assert run.view.today[-1] == TodayFigures(
        paid=1, accept_median_s=38, reminders=0, waited_over_5_min=0
    )
