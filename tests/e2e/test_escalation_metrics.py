"""Escalation's metrics through the live server, a channel stand-in and a scrape."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.backend.scrape import METRICS_TOKEN, Samples, scrape, value
from tests.channel_receivers import Receivers
from tests.conftest import LiveServer
from tests.e2e.test_escalation import add_rule, decide, heard_order

ESCALATIONS = "orderbell_escalations_total"
SETTLE_LIMIT_S = 10.0


@pytest.fixture
def live_overrides() -> dict[str, str]:
    return {"ORDERBELL_METRICS_TOKEN": METRICS_TOKEN}


async def counted(http: httpx.AsyncClient, live: LiveServer, **labels: str) -> Samples:
    """Scrape until an escalation attempt with ``labels`` has been counted (bounded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_LIMIT_S
    while True:
        samples = await scrape(http, live.base_url)
        if value(samples, ESCALATIONS, **labels) >= 1:
            return samples
        assert loop.time() < deadline, f"no escalation counted as {labels}"
        await asyncio.sleep(0.05)


async def test_a_delivered_escalation_is_counted_by_channel(
    live: LiveServer, receivers: Receivers
) -> None:
    """An unanswered order's message reaches WeCom: one wecom/sent, nothing else."""
    await add_rule(live, shop_id=1, channel="wecom", url=receivers.wecom_url)
    async with httpx.AsyncClient(base_url=live.base_url, timeout=10) as http:
        async with heard_order(live, http):
            assert await decide(live, 120) == 1
            await receivers.wait_for(1)
        samples = await counted(http, live, channel="wecom", outcome="sent")
    assert value(samples, ESCALATIONS, channel="wecom", outcome="sent") == 1
    assert value(samples, ESCALATIONS, channel="wecom", outcome="retry") == 0
    assert value(samples, ESCALATIONS, channel="dingtalk", outcome="sent") == 0
