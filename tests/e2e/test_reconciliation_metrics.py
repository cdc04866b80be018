"""Reconciliation's metrics through the live server, the WeChat Pay simulator and a scrape."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from backend.devkit import MerchantKit
from tests.backend.scrape import METRICS_TOKEN, Samples, scrape, value
from tests.conftest import TLS, LiveServer, WeChatSim, reconciling
from tests.e2e.test_reconciliation import SETTLE_LIMIT_S, pay_losing_the_callback, submitted

RECONCILED = "orderbell_reconciled_total"


@pytest.fixture
def live_overrides(wechat_sim: WeChatSim, kit: MerchantKit, tmp_path: Path) -> dict[str, str]:
    """Reconciling against the simulator (first look after 1 s, expiry at 5 s), metrics on."""
    settings = reconciling(tmp_path, kit, wechat_sim.url, after_s=1, expire_s=5)
    return {**settings, "ORDERBELL_METRICS_TOKEN": METRICS_TOKEN}


async def counted(live: LiveServer, outcome: str) -> Samples:
    """Scrape until the reconciler has counted an order as ``outcome`` (bounded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_LIMIT_S
    async with httpx.AsyncClient(verify=TLS) as http:
        while True:
            samples = await scrape(http, live.base_url)
            if value(samples, RECONCILED, outcome=outcome) >= 1:
                return samples
            assert loop.time() < deadline, f"no order counted as {outcome}"
            await asyncio.sleep(0.05)


async def test_a_payment_found_by_query_is_counted_as_found_paid(
    live: LiveServer, wechat_sim: WeChatSim
) -> None:
    """A lost callback's payment found by the reconciler: found_paid, not a notification."""
    order = await submitted(live)
    await pay_losing_the_callback(wechat_sim, order)
    live.clock.advance(1)
    samples = await counted(live, "found_paid")
    assert value(samples, RECONCILED, outcome="found_paid") == 1
    assert value(samples, "orderbell_notifications_total", kind="payment", outcome="paid") == 0
    assert value(samples, "orderbell_events_total", type="1") == 1


async def test_an_expired_order_is_counted_as_cancelled(
    live: LiveServer, wechat_sim: WeChatSim
) -> None:
    """An order unpaid at its expiry, closed and cancelled: one cancelled, none found paid."""
    await submitted(live)
    live.clock.advance(5)
    samples = await counted(live, "cancelled")
    assert value(samples, RECONCILED, outcome="cancelled") == 1
    assert value(samples, RECONCILED, outcome="found_paid") == 0
